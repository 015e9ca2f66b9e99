/**
 * Is what a context rule found a secret? Keys (`DB_PASSWORD`, yes; `password-reset.ts`, a file
 * name, no; `TOKEN_URL`, where a secret is, no) and values (random text, yes; placeholders,
 * templates, references, paths, numbers, `line:col`, versions, SHAs, digests, UUIDs — unless the
 * key names a secret — no). Values that pass those checks but are plain words (`changeme`,
 * `expired`) fall under the entropy floor: reported as weak, not masked.
 */

/** `new Set(s).size <= n` (code points, as the string iterator yields them), without the Set. */
function fewDistinct(s: string, n: number): boolean {
  const seen: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    if (!seen.includes(c)) {
      if (seen.length === n) return false;
      seen.push(c);
    }
  }
  return true;
}

/** Shannon entropy of `s`, in bits per character. */
export function entropy(s: string): number {
  if (!s.length) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const FILE_EXT =
  'ts|tsx|js|jsx|mjs|cjs|py|pyc|rb|go|java|class|kt|kts|scala|rs|c|cc|cpp|h|hpp|cs|php|swift|sh|bash|zsh|ps1|yml|yaml|json|jsonc|toml|ini|cfg|conf|txt|md|html|htm|css|scss|xml|gradle|lock|log|sql|tf|tfvars|hcl|properties|vue|svelte|proto|pem|crt|cer|der|p12|pfx|jks|example|sample|template|tmpl|tpl|dist|bak|orig|snap|map|gz|zip|tar|tgz|jar|war|whl|so|dll|exe';
/** A key that is a file name (`password-reset.ts`, `tokens.example.yml`): a stack frame, not a key. */
const FILE_NAME_KEY = new RegExp(`\\.(?:${FILE_EXT})$`, 'i');
/** Keys that say where or what a secret is, not the secret (DB_PASSWORD_FILE=/run/secrets/db). */
const NOT_SECRET_KEY =
  /(?:^|[_.-]|(?<=[a-z])(?=[A-Z]))(?:file|files|path|paths|dir|directory|folder|env|name|names|id|ids|type|types|length|len|count|size|prompt|policy|policies|hint|field|fields|expires?|expiry|expiration|expires[_-]?(?:at|in)|ttl|url|uri|urls|endpoint|host|hostname|port|ref|arn|version|kind|header|mode|enabled|disabled|required|stdin|format|scope|scopes|provider|source|location|store|manager|backend|strategy|rotation|status|state|usage|used|limit|max|min|timeout|created|updated|hash|digest|sha|commit|user|username|login|email|account|region|org|owner|keyid|fingerprint|algorithm|alg|method|label|description|desc|help|text|message|msg|error|errors|reset|strength|rule|rules|regex|pattern|schema|example|sample|placeholder|encoding|cipher|generated|helper|process|scanning|scan|audience|issuer|client[_-]?id|type[_-]?hint)$/i;
/** A keyword that runs on into another word: `tokenizer`, `secretary`, `passwordless`, `secrets:`. */
const WORD_CONTINUATION = /^(?:tokeni[sz]|tokens$|secretar|secrets$|passwordless|passwords$|credentials?[_.-]?(?:helper|provider|process|source|manager|store|file|chain))/i;

/** Verdicts on keys seen (a log repeats a few keys many times: `token`, `password`). */
const keyVerdicts = new Map<string, boolean>();

/** Does a key (from the keyword on: `PASSWORD_FILE`, `token_type`) name a secret value? */
export function keyIsSecret(key: string): boolean {
  let v = keyVerdicts.get(key);
  if (v === undefined) {
    v = judgeKey(key);
    if (keyVerdicts.size >= 4096) keyVerdicts.clear();
    keyVerdicts.set(key, v);
  }
  return v;
}

function judgeKey(key: string): boolean {
  if (!key) return true;
  if (FILE_NAME_KEY.test(key)) return false;
  if (WORD_CONTINUATION.test(key)) return false;
  // A key is a name: random text around a keyword (`PWD2yCNWM42D4glp`) is data, not a key.
  if (key.split(/[_.-]/).some((seg) => seg.length >= 10 && /[A-Z]/.test(seg) && /[a-z]/.test(seg) && /[0-9]/.test(seg))) return false;
  // A key's own suffix (after the keyword) that says the value is not the secret.
  if (NOT_SECRET_KEY.test(key.replace(/[._-]+$/, ''))) return false;
  return true;
}

export interface Verdict {
  secret: boolean;
  /** Not rejected as a non-secret, but a plain word under the entropy floor. */
  weak?: boolean;
  why: string;
}

const PLACEHOLDER_FIRST = new Set(['your', 'my', 'enter', 'insert', 'replace', 'paste', 'put', 'some', 'example', 'sample', 'dummy', 'fake', 'placeholder', 'changeme', 'todo', 'fixme', 'tbd', 'xxx', 'redacted', 'masked', 'not', 'no', 'none', 'null', 'nil', 'undefined', 'empty', 'unset', 'default', 'foo', 'foobar', 'bar', 'baz', 'lorem', 'add', 'generate', 'generated', 'new', 'actual', 'real', 'secret', 'password', 'token']);
const PLACEHOLDER_ANY = new Set(['placeholder', 'example', 'dummy', 'changeme', 'redacted', 'here', 'fake', 'notreal', 'not', 'your', 'sample', 'xxxx', 'xxxxx', 'xxxxxx', 'replace', 'todo']);
const PLACEHOLDER_WHOLE = /^(?:pass(?:word|wd)?|secret|token|string|value|null|none|nil|undefined|true|false|yes|no|on|off|required|optional|default|unset|empty|hidden|masked|redacted|localhost|inherit|enabled|disabled|auto|env|environment|stdin|prompt|\*+|x+|\.+|-+|#+|n\/a|tbd)$/i;
/** Well-known default passwords: weak (reported by --explain), not masked. */
const WEAK_DEFAULT = /^(?:changeme|change[-_]?me|changeit|letmein|admin|administrator|root|toor|guest|test|testing|test123|qwerty|abc123|123456|password1|password123|passw0rd|p@ssw0rd|secret123|hunter2|welcome|welcome1|postgres|mysql|example)$/i;
const TEMPLATE = /^(?:\$\{|\$\(|\$[A-Za-z_]|\{|<|#\{|@@|\[|\()|\$\{\{|\{\{|\}\}|%\([A-Za-z_]+\)s|^%[A-Za-z_][A-Za-z0-9_]*%$|\$\{[A-Za-z_]/;
const ALREADY_MASKED = /^(?:\*{3,}|\[MASKED|\[REDACTED|<redacted>|\[FILTERED\]|\[secure\]|\(hidden\)|<hidden>)/i;
const NUMBER = /^[+-]?[0-9]+(?:[.,:][0-9]+)*$/;
const VERSION = /^v?[0-9]+(?:\.[0-9]+)+(?:[-+][A-Za-z0-9.-]+)?$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]+Z?)?$/;
const DURATION = /^[0-9]+(?:\.[0-9]+)?(?:ns|us|ms|s|m|h|d|w|kb|mb|gb|k|m|g|b|%)$/i;
const PATH = /^(?:\/[^\s]*|~\/|\.\.?\/|[A-Za-z]:\\|file:)/;
const FILE_VALUE = new RegExp(`^[A-Za-z0-9_./-]+\\.(?:${FILE_EXT}|env|key|pub)$`, 'i');
const URL_VALUE = /^[a-z][a-z0-9+.-]{1,20}:\/\//i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/;
const SHA_OR_DIGEST = /^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{40}|[0-9A-F]{64}|[0-9A-F]{128}|(?:sha1|sha224|sha256|sha384|sha512|md5)[:-~].*)$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A dotted reference (`process.env.DB_PASSWORD`, `config.auth.token`), a call, an identifier. */
const CODE = /^(?:(?:process\.env|os\.environ|env|self|this|config|cfg|conf|settings|secrets|vars|inputs|options|opts|args|params|props|ctx|context|req|request|data|steps|needs|github|matrix|runner|job|app|credentials|auth)\.[A-Za-z_$][\w$.]*|[A-Za-z_$][\w$]{0,3}(?:\.[a-z][A-Za-z]{2,})+|[a-z]{2,}(?:[A-Z][a-z]{2,})+|(?:[A-Z][a-z]{2,}){2,})$|\(|=>|::/;
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const WORDS = /^[A-Za-z]+(?:[-_. ][A-Za-z]+)*$/;

/** A path segment no one would name a folder: long, upper and lower case and digits (base64 that starts with /). */
const randomLooking = (seg: string) => seg.length >= 10 && /[A-Z]/.test(seg) && /[a-z]/.test(seg) && /[0-9]/.test(seg);

/** Verdicts on values seen, without and with `uuidOk` (a log repeats values: the same line shapes). */
const valueVerdicts = [new Map<string, Readonly<Verdict>>(), new Map<string, Readonly<Verdict>>()] as const;

/** Is `value`, found by a context rule, a secret? (The verdict is shared: do not change it.) */
export function judgeValue(value: string, uuidOk = false): Readonly<Verdict> {
  const memo = valueVerdicts[uuidOk ? 1 : 0];
  let v = memo.get(value);
  if (v === undefined) {
    v = judge(value, uuidOk);
    if (memo.size >= 8192) memo.clear();
    memo.set(value, v);
  }
  return v;
}

function judge(value: string, uuidOk: boolean): Verdict {
  const v = value.trim();
  if (ALREADY_MASKED.test(v)) return { secret: false, why: 'already masked' };
  if (TEMPLATE.test(v)) return { secret: false, why: 'a template or variable reference' };
  if (NUMBER.test(v)) return { secret: false, why: 'a number or line:col' };
  if (VERSION.test(v) || DATE.test(v) || DURATION.test(v)) return { secret: false, why: 'a version, date or duration' };
  if (PLACEHOLDER_WHOLE.test(v)) return { secret: false, why: 'a placeholder or keyword' };
  if (WEAK_DEFAULT.test(v)) return { secret: false, weak: true, why: 'a well-known default password' };
  const lower = v.toLowerCase();
  const segs = lower.split(/[-_. ]+/).filter(Boolean);
  // `your-api-key`, `not_a_real_token`, `TOKEN_HERE`: placeholder words and other words. A
  // random part (`no-4e4ulMLJ5-1#9-A`, `your-9FCnfsq7JK-MT#AiD`) makes it a secret that
  // happens to contain one.
  const placeholderWords =
    segs.length > 0 &&
    segs.every((s) => /^[a-z]+$/.test(s) || /^\d{1,4}$/.test(s)) &&
    ((PLACEHOLDER_FIRST.has(segs[0]!) && segs.length > 1) || segs.some((s) => PLACEHOLDER_ANY.has(s)));
  if (placeholderWords) return { secret: false, why: 'a placeholder' };
  if (/x{5,}|X{5,}|\*{3,}|\.{3,}|0{8,}/.test(v)) return { secret: false, why: 'a placeholder' };
  if (fewDistinct(v, 2)) return { secret: false, why: 'repeated characters' };
  if (URL_VALUE.test(v)) return { secret: false, why: 'a URL (its userinfo is judged by basic-auth-url)' };
  if ((PATH.test(v) && !v.split(/[\\/]/).some(randomLooking)) || FILE_VALUE.test(v)) return { secret: false, why: 'a path or file name' };
  if (EMAIL.test(v)) return { secret: false, why: 'an e-mail address' };
  if (SHA_OR_DIGEST.test(v)) return { secret: false, why: 'a SHA or digest' };
  if (UUID.test(v) && !uuidOk) return { secret: false, why: 'a UUID' };
  if (CODE.test(v)) return { secret: false, why: 'code: a reference, call or identifier' };
  if (ENV_NAME.test(v)) return { secret: false, why: 'a variable name' };
  const h = entropy(v);
  const hs = h.toFixed(1);
  if (v.includes(' ') && v.split(/\s+/).filter((w) => /^[a-z]{2,}$/.test(w)).length >= 2) return { secret: false, weak: true, why: `prose (${v.split(/\s+/).length} words)` };
  // The entropy floor: a value of one letter case only, or words joined by - _ . is a word
  // unless it is long and random; anything with fewer than 2 bits per character is too regular.
  if (WORDS.test(v) && (/^[a-z_. -]+$/.test(v) || /^[A-Z_. -]+$/.test(v) || /[-_. ]/.test(v)) && !(v.length >= 16 && h >= 3.5)) {
    return { secret: false, weak: true, why: `a word: ${v.length} letters of one case, entropy ${hs} bits/char < 3.5 or shorter than 16` };
  }
  if (h < 2) return { secret: false, weak: true, why: `entropy ${hs} bits/char < 2.0` };
  if (UUID.test(v)) return { secret: true, why: 'a UUID under a key that names a secret' };
  return { secret: true, why: `${v.length} chars, entropy ${hs} bits/char` };
}

/** A provider-shaped token that is a documentation placeholder (`ghp_xxxx…`, `AKIA…EXAMPLE`). */
export function placeholderToken(token: string): boolean {
  if (/x{6,}|X{6,}|0{10,}|\*{4,}|EXAMPLE|example|\.\.\.|[<>{}]/.test(token)) return true;
  const body = token.replace(/^[A-Za-z0-9]{1,12}[_.-]/, '');
  return body.length >= 8 && fewDistinct(body, 3);
}
