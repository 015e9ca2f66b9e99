/**
 * Known secret values: every environment variable whose NAME looks secret (what GitHub
 * Actions masks as `***`), and the forms the value takes when a tool encodes it:
 *
 * - base64, standard and URL-safe, at each of the three byte alignments (so the value is
 *   found inside a longer base64 text such as `Basic base64(user:pass)`, padded or not);
 * - JSON-escaped (JSON.stringify, `\/`, `\uXXXX` for non-ASCII in either case, Go's
 *   `\u003c`-style HTML-safe escapes);
 * - shell-quoted: inside '…' (`'\''` or `'"'"'` for a quote), inside "…" (backslash
 *   escapes), inside $'…', and bash's `printf %q` backslash form;
 * - form encoding of a value whose only special character is a space (`+`).
 *
 * Percent-encoding (any set of characters left as they are, upper or lower hex, `+` for a
 * space) is not enumerated here: the scanner decodes the text around each `%XX` and looks
 * for the values themselves (`envSecretValues`). Values shorter than 8 characters are left
 * alone: too many false hits.
 */

/** Name segments that mark a secret (split on _ - . and camelCase). */
const SECRET_SEGMENTS = new Set([
  'TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWD', 'PASS', 'PASSPHRASE', 'KEY', 'APIKEY', 'PAT',
  'CREDENTIAL', 'CREDENTIALS', 'CREDS', 'AUTH', 'PRIVATE', 'COOKIE', 'SIGNATURE', 'WEBHOOK', 'DSN',
]);
/** Substrings that mark a secret wherever they stand (GITHUBTOKEN, NPMAUTHTOKEN). */
const SECRET_SUBSTRINGS = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|APIKEY|PRIVATEKEY/;
/** …unless the name says the value is where or what the secret is, not the secret. */
const NOT_SECRET_SUFFIX = /_(?:FILE|PATH|DIR|SOCK|HOST|PORT|ID|NAME|USER|USERNAME|TYPE|MODE|URL|ENDPOINT|REGION|EXPIRES|EXPIRY|TTL|ENABLED|VERSION)$/;

export const MIN_SECRET_LENGTH = 8;

export function looksSecretName(name: string): boolean {
  const upper = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
  if (NOT_SECRET_SUFFIX.test(upper)) return false;
  if (SECRET_SUBSTRINGS.test(upper.replace(/[^A-Z0-9]/g, ''))) return true;
  return upper.split(/[^A-Z0-9]+/).some((s) => SECRET_SEGMENTS.has(s));
}

export interface LiteralSecret {
  /** `env:NAME`, `env:NAME:base64`, `env:NAME:json`, … (the name, never the value). */
  source: string;
  value: string;
}

/** The secret values of `env` (trimmed), each once, with the variable that holds it. */
export function envSecretValues(env: NodeJS.ProcessEnv): { name: string; value: string }[] {
  const out = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !looksSecretName(name)) continue;
    const value = raw.trim();
    if (value.length < MIN_SECRET_LENGTH || /^(?:true|false|null|undefined|[0-9]+)$/i.test(value)) continue;
    if (!out.has(value)) out.set(value, name);
  }
  return [...out].map(([value, name]) => ({ name, value }));
}

/** The values to mask literally, longest first (a longer form wins over a shorter one inside it). */
export function envSecrets(env: NodeJS.ProcessEnv): LiteralSecret[] {
  const out = new Map<string, string>();
  const add = (value: string, source: string) => {
    if (value.length >= MIN_SECRET_LENGTH && !out.has(value)) out.set(value, source);
  };
  for (const { name, value } of envSecretValues(env)) {
    add(value, `env:${name}`);
    for (const b64 of base64Forms(value)) {
      add(b64, `env:${name}:base64`);
      add(b64.replace(/\+/g, '-').replace(/\//g, '_'), `env:${name}:base64url`);
    }
    for (const form of jsonForms(value)) add(form, `env:${name}:json`);
    for (const form of shellForms(value)) add(form, `env:${name}:shell`);
    if (value.includes(' ')) add(value.replace(/ /g, '+'), `env:${name}:form`);
  }
  return [...out].map(([value, source]) => ({ value, source })).sort((a, b) => b.value.length - a.value.length);
}

const u4 = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** The value inside a JSON string, as common encoders write it. */
export function jsonForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  // Python's ensure_ascii, PHP: non-ASCII (UTF-16 units) as \uxxxx; some encoders write upper-case hex.
  const ascii = plain.replace(/[^\x00-\x7f]/g, u4);
  const slash = (s: string) => s.replace(/\//g, '\\/'); // PHP escapes / too
  const upper = (s: string) => s.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => '\\u' + h.toUpperCase());
  const htmlSafe = plain.replace(/[<>&\u2028\u2029]/g, u4); // Go's encoding/json
  return [...new Set([plain, slash(plain), ascii, slash(ascii), upper(ascii), upper(slash(ascii)), htmlSafe])];
}

const ANSI_C: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '\x1b': '\\E', '\\': '\\\\', "'": "\\'" };
/** bash's `printf %q`: a backslash before each special character (`~` and `#` see below). */
const PRINTF_Q = /[ \t\n!"$&'()*,;<>?[\\\]^`{|}]/g;

/** The value inside shell quotes, or backslash-escaped as `printf %q` writes it. */
export function shellForms(value: string): string[] {
  const forms = [
    value.replace(/'/g, "'\\''"), // 'it'\''s' (bash ${v@Q}, most scripts)
    value.replace(/'/g, `'"'"'`), // 'it'"'"'s' (Python shlex.quote)
    value.replace(/[\\"$`]/g, '\\$&'), // "…": \\ \" \$ \`
    value.replace(/[\x00-\x1f\x7f\\']/g, (c) => ANSI_C[c] ?? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')), // $'…'
  ];
  // `~` where tilde expansion would see it (after = or :), and `~` or `#` first (a value
  // quoted on its own; inside a longer word they stay as they are).
  const q = value.replace(PRINTF_Q, '\\$&').replace(/([=:])~/g, '$1\\~');
  forms.push(q, q.replace(/^[~#]/, '\\$&'));
  return [...new Set(forms)];
}

/**
 * The base64 text that encodes `value` whatever bytes stand before and after it: for each
 * alignment (0, 1 or 2 bytes before it in the encoded stream), the characters that depend on
 * the value's bytes alone.
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let k = 0; k < 3; k++) {
    const padded = Buffer.concat([Buffer.alloc(k), bytes]);
    const enc = padded.toString('base64').replace(/=+$/, '');
    const first = Math.ceil((8 * k) / 6);
    const last = Math.floor((8 * (k + bytes.length)) / 6); // exclusive: chars fully inside the value
    const form = enc.slice(first, last);
    if (form.length >= MIN_SECRET_LENGTH) forms.push(form);
  }
  return forms;
}
