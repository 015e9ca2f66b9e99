import { readFileSync } from 'node:fs';
import type { Client, ClientConfig } from 'pg';
import { Exit, OpsError } from '../../base/errors';
import { maskIn, type PgTarget } from './url';

export type SslMode = 'disable' | 'require' | 'verify-full';

export interface TlsOptions {
  /** config.json export.postgres.ssl.mode; else the URL's sslmode; else disable for localhost and verify-full elsewhere. */
  mode?: SslMode;
  /** A CA bundle (PEM) for verify-full: Supabase's, RDS's or Cloud SQL's server CA. */
  caFile?: string;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1']);

/** The TLS mode used for a target: a managed host gets encryption by default, a local one none. */
export function sslModeOf(target: PgTarget, tls: TlsOptions): SslMode {
  if (tls.mode) return tls.mode;
  const m = target.sslmode;
  if (m === 'disable' || m === 'allow') return 'disable';
  if (m === 'require' || m === 'prefer') return 'require';
  if (m === 'verify-ca' || m === 'verify-full') return 'verify-full';
  return LOCAL.has(target.host) || target.host.startsWith('/') ? 'disable' : 'verify-full';
}

function sslConfig(target: PgTarget, tls: TlsOptions): ClientConfig['ssl'] {
  const mode = sslModeOf(target, tls);
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  let ca: string | undefined;
  if (tls.caFile) {
    try {
      ca = readFileSync(tls.caFile, 'utf8');
    } catch (err) {
      throw new OpsError(Exit.usage, tls.caFile, `cannot read the CA file (export.postgres.ssl.caFile): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { rejectUnauthorized: true, servername: target.host, ...(ca ? { ca } : {}) };
}

/**
 * Connects, loading pg only now (no other command pays for it). Failures become one line
 * naming the masked URL, exit 1: unreachable, refused, wrong password, no such database.
 */
export async function connectPg(target: PgTarget, tls: TlsOptions, o: { applicationName?: string; connectTimeoutMs?: number } = {}): Promise<Client> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: sslConfig(target, tls),
    application_name: o.applicationName ?? 'ops export',
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
  });
  // An idle connection dropped by the server must not crash a follower: the next query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw pgError(err, target);
  }
  return client;
}

/** A pg or network error as an OpsError (exit 1) with everything secret masked. */
export function pgError(err: unknown, target: PgTarget | null): OpsError {
  if (err instanceof OpsError) return new OpsError(err.code, maskIn(err.subject, target), maskIn(err.message, target));
  const e = err as { code?: string; message?: string; errno?: number } | null;
  const code = e?.code ?? '';
  const where = target ? target.masked : 'postgres';
  const host = target ? `${target.host}:${target.port}` : 'the server';
  let text: string;
  if (code === 'ECONNREFUSED') text = `cannot connect: ${host} refused the connection (is Postgres running there?)`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') text = `cannot connect: host ${target?.host ?? ''} not found (${code})`;
  else if (code === 'ETIMEDOUT' || /timeout/i.test(e?.message ?? '')) text = `cannot connect: ${host} did not answer in time`;
  else if (code === 'ECONNRESET') text = `the connection to ${host} was reset`;
  else if (code === '28P01' || code === '28000') text = `authentication failed for user ${JSON.stringify(target?.user ?? '')} (wrong password, or the user may not log in)`;
  else if (code === '3D000') text = `database ${JSON.stringify(target?.database ?? '')} does not exist`;
  else if (code === '42501') text = `permission denied: ${e?.message ?? ''} (see README, Exporting to Postgres: roles)`;
  else text = `${e?.message ?? String(err)}${code ? ` (${code})` : ''}`;
  return new OpsError(Exit.failed, where, maskIn(text.replace(/\s+/g, ' ').trim(), target));
}
