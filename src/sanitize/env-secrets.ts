/**
 * Known secret values: every environment variable whose NAME looks secret (what GitHub
 * Actions masks as `***`), with its base64 forms (at each of the three byte alignments, so
 * the value is found inside a longer base64 text such as `Basic base64(user:pass)`) and its
 * URL-encoded form. Values shorter than 8 characters are left alone: too many false hits.
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
  /** `env:NAME`, `env:NAME:base64`, `env:NAME:url` (the name, never the value). */
  source: string;
  value: string;
}

/** The values to mask literally, longest first (a longer form wins over a shorter one inside it). */
export function envSecrets(env: NodeJS.ProcessEnv): LiteralSecret[] {
  const out = new Map<string, string>();
  const add = (value: string, source: string) => {
    if (value.length >= MIN_SECRET_LENGTH && !out.has(value)) out.set(value, source);
  };
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !looksSecretName(name)) continue;
    const value = raw.trim();
    if (value.length < MIN_SECRET_LENGTH || /^(?:true|false|null|undefined|[0-9]+)$/i.test(value)) continue;
    add(value, `env:${name}`);
    for (const b64 of base64Forms(value)) add(b64, `env:${name}:base64`);
    const url = encodeURIComponent(value);
    if (url !== value) add(url, `env:${name}:url`);
  }
  return [...out].map(([value, source]) => ({ value, source })).sort((a, b) => b.value.length - a.value.length);
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
