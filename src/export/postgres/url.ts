import { Exit, OpsError } from '../../base/errors';

/**
 * A Postgres URL is a credential (its password). It is parsed once, here, and from then on
 * only its masked form is printed; every error text that leaves the export goes through
 * `maskIn`, since pg's and Node's errors may quote the connection string or the password.
 */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** sslmode from the URL's query, when it has one. */
  sslmode: string | null;
  /** postgres://user:****@host:port/db */
  masked: string;
  /** The texts never to print: the URL as given, the password raw and percent-encoded. */
  secrets: string[];
}

export const MASK = '****';

/** Parses a postgres:// or postgresql:// URL; a malformed one is a usage error (exit 2) naming `subject`. */
export function parsePgUrl(raw: string, subject: string): PgTarget {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new OpsError(Exit.usage, subject, 'not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new OpsError(Exit.usage, subject, `expected a postgres:// or postgresql:// URL, got ${u.protocol.replace(/:$/, '')}://`);
  }
  if (!u.hostname) throw new OpsError(Exit.usage, subject, 'the URL names no host (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  const port = u.port ? Number(u.port) : 5432;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const password = decode(u.password);
  const user = decode(u.username) || 'postgres';
  const database = decode(u.pathname.replace(/^\//, '')) || user;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const masked = `${u.protocol}//${u.username ? `${u.username}${u.password ? `:${MASK}` : ''}@` : ''}${u.host}${u.pathname}`;
  const secrets = [text, raw, u.password, password].filter((s) => s.length >= 3);
  return { host, port, user, password, database, sslmode: u.searchParams.get('sslmode'), masked, secrets };
}

/** `text` with every secret of the target replaced by ****. */
export function maskIn(text: string, target: Pick<PgTarget, 'secrets'> | null): string {
  let out = text;
  for (const s of [...(target?.secrets ?? [])].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
  // A connection string pg or a driver quotes in any other form: its password part.
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, `$1${MASK}@`);
}
