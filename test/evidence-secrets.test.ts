import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubEnv, NOW, opsProcess, tempDir } from './helpers';
// mulberry32, seeded: a failing case can be replayed (OPS_TEST_SEED=…).
import { prng } from './corpus/corpus.mjs';

// Secrets are made at run time from random bytes: nothing real-looking is committed.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number, alphabet = ALNUM) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');

/** A workspace (ops init) with logs/job.log holding `log`. */
function workspaceWithLog(log: string): string {
  const ws = tempDir();
  expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
  mkdirSync(join(ws, 'logs'));
  writeFileSync(join(ws, 'logs', 'job.log'), log);
  return ws;
}

/** `ops evidence collect` of logs/*.log through the real binary; the collected copy's text. */
function collectLog(ws: string, runId: string, env: NodeJS.ProcessEnv = {}): string {
  const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--workspace', ws, '--json'], { cwd: ws, env: githubEnv(runId, env) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'artifacts', runId, 'attempt-1', 'logs', 'job.log'), 'utf8');
}

describe('a secret inside a URL', () => {
  it('only the secret is masked: the scheme, user, host and path stay readable (they are evidence)', () => {
    const s = { ghp: `ghp_${rand(36)}`, glpat: `glpat-${rand(20)}`, pw: rand(18), redis: rand(16), tok: rand(24), env: rand(20) };
    const lines = [
      [`git clone https://x-access-token:${s.ghp}@github.com/acme/api.git`, 'git clone https://x-access-token:[MASKED:github-pat]@github.com/acme/api.git'],
      [`git remote set-url origin https://${s.ghp}@github.com/acme/api.git`, 'git remote set-url origin https://[MASKED:github-pat]@github.com/acme/api.git'],
      [`git push https://oauth2:${s.glpat}@gitlab.com/acme/api.git HEAD`, 'git push https://oauth2:[MASKED:gitlab-pat]@gitlab.com/acme/api.git HEAD'],
      [`DATABASE_URL=postgres://app:${s.pw}@db.internal:5432/app`, 'DATABASE_URL=postgres://app:[MASKED:basic-auth-url]@db.internal:5432/app'],
      [`connecting to https://password:${s.pw}@example.com/x done`, 'connecting to https://password:[MASKED:basic-auth-url]@example.com/x done'],
      [`cache: redis://:${s.redis}@cache.internal:6379/0`, 'cache: redis://:[MASKED:basic-auth-url]@cache.internal:6379/0'],
      [`GET https://api.example.com/cb?access_token=${s.tok}&state=2 200`, 'GET https://api.example.com/cb?access_token=[MASKED:token-assignment]&state=2 200'],
      [`pip install --index-url https://ci:${s.env}@pypi.example.com/simple/ app`, 'pip install --index-url https://ci:[MASKED:env-secret]@pypi.example.com/simple/ app'],
    ];
    const ws = workspaceWithLog(lines.map(([line]) => line).join('\n') + '\n');
    const out = collectLog(ws, '8101', { PYPI_PASSWORD: s.env });
    expect(out).toBe(lines.map(([, masked]) => masked).join('\n') + '\n');
    for (const secret of Object.values(s)) expect(out).not.toContain(secret);
  });
});


const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
/** A few passwords also mix in control characters and non-ASCII (JSON \u escapes, $'…' octal, UTF-8 percent bytes). */
const WIDE = PRINTABLE + '\t\x01\x1béü€中😀';

/** Percent-encodes the UTF-8 bytes of `s`, leaving the characters of `keep` as they are. */
const percent = (s: string, keep: RegExp, spacePlus = false) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (spacePlus && c === ' ') return '+';
      return b < 0x80 && keep.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Every common encoding of `p`, by name, as a tool would write it into a log. */
function encodings(p: string): [string, string][] {
  const rfc3986 = percent(p, /[A-Za-z0-9\-._~]/);
  const forms: [string, string][] = [
    ['raw', p],
    ['rfc3986', rfc3986],
    ['rfc3986-lower', lowerHex(rfc3986)],
    ['encodeURIComponent', encodeURIComponent(p)],
    ['encodeURIComponent-lower', lowerHex(encodeURIComponent(p))],
    ['encodeURI', encodeURI(p)],
    ['encodeURI-lower', lowerHex(encodeURI(p))],
    ['every-byte', percent(p, /$^/)],
    ['every-byte-lower', lowerHex(percent(p, /$^/))],
    ['form (URLSearchParams)', new URLSearchParams({ p }).toString().slice(2)],
    ['form-lower', lowerHex(new URLSearchParams({ p }).toString().slice(2))],
    ['form (quote_plus)', percent(p, /[A-Za-z0-9\-._~]/, true)],
    ['form (encodeURIComponent, + for space)', encodeURIComponent(p).replace(/%20/g, '+')],
    ['json', JSON.stringify(p).slice(1, -1)],
    ['json \\/', JSON.stringify(p).slice(1, -1).replace(/\//g, '\\/')],
    ['json ascii', JSON.stringify(p).slice(1, -1).replace(/[^\x00-\x7f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))],
    // Every \u escape in upper-case hex, controls too (\u001B), as Java-style encoders write them.
    ['json ascii upper-case', p.split('').map((u) => (u.charCodeAt(0) < 0x20 || u.charCodeAt(0) > 0x7f) && JSON.stringify(u).length !== 4 ? '\\u' + u.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0') : JSON.stringify(u).slice(1, -1)).join('')],
    ['json html-safe (Go)', JSON.stringify(p).slice(1, -1).replace(/[<>&]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16))],
    ['base64', b64(p)],
    ['base64 unpadded', b64(p).replace(/=+$/, '')],
    ['base64url', b64url(p)],
    ['base64url padded', b64(p).replace(/\+/g, '-').replace(/\//g, '_')],
    ['basic auth', b64(`ci-bot:${p}`)],
    ['basic auth url-safe', b64url(`x:${p}`)],
    ['base64 at offset 1', b64(`a${p}\n`)],
    ['base64 at offset 2', b64(`ab${p}--`)],
    ['base64 at offset 3', b64(`abc${p}`)],
    ["shell '…'", `'${p.replace(/'/g, `'\\''`)}'`],
    ["shell '…' (shlex)", `'${p.replace(/'/g, `'"'"'`)}'`],
    ['shell "…"', `"${p.replace(/[\\"$`]/g, '\\$&')}"`],
    ["shell $'…'", `$'${p.replace(/[\\']/g, '\\$&').replace(/[\x00-\x1f]/g, (c) => ({ '\t': '\\t', '\x1b': '\\E' })[c] ?? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'))}'`],
  ];
  return forms;
}

/** The same value as bash itself quotes it (`printf %q`, `${v@Q}`): one bash for all values. */
function bashQuoted(values: string[]): [string, string][][] {
  const input = values.map((v) => v + '\0').join('');
  const out = execFileSync('bash', ['-c', `while IFS= read -r -d '' v; do printf '%q\\0' "$v"; printf '%s\\0' "\${v@Q}"; done`], { input, env: { LC_ALL: 'C.UTF-8' } }).toString('utf8').split('\0');
  return values.map((_, i) => [
    ['bash printf %q', out[2 * i]!],
    ['bash ${v@Q}', out[2 * i + 1]!],
  ]);
}

describe('env secrets in every common encoding', () => {
  it('1 100 random passwords (all printable ASCII, some wider), each in 33 encodings, collected: none left in the evidence', () => {
    const seed = Number(process.env.OPS_TEST_SEED ?? randomBytes(4).readUInt32LE(0));
    const random = prng(seed);
    const pick = (alphabet: string) => [...alphabet][Math.floor(random() * [...alphabet].length)]!;
    const passwords: string[] = [];
    while (passwords.length < 1100) {
      const alphabet = passwords.length < 1000 ? PRINTABLE : WIDE;
      const p = Array.from({ length: 8 + Math.floor(random() * 33) }, () => pick(alphabet)).join('');
      // What the sanitizer leaves alone on purpose: short values (after trimming) and words like true or 1234.
      if (p.trim().length < 8 || /^(?:true|false|null|undefined|[0-9]+)$/i.test(p.trim())) continue;
      passwords.push(p);
    }
    const quoted = bashQuoted(passwords);
    const all = passwords.map((p, i) => [...encodings(p), ...quoted[i]!]);
    // Values a secret-named variable may hold that are no secrets: never masked.
    const harmless = { FEATURE_TOKEN_ENABLED: 'true', RELEASE_TOKEN: 'true', DEPLOY_KEY: 'main', RETRY_SECRET: '1', SHORT_PASSWORD: 'abc1234' };
    const plainLine = 'branch main, retry 1, enabled true, abc1234, GET https://registry.npmjs.org/@types%2fnode?q=a+b%20c 200, GITHUB_SHA 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2';

    const ws = tempDir();
    expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
    mkdirSync(join(ws, 'logs'));
    const leaks: string[] = [];
    const BATCH = 110; // 110 secret variables per job; the ten jobs cover all 1 100 passwords
    for (let start = 0; start < passwords.length; start += BATCH) {
      const batch = passwords.slice(start, start + BATCH);
      const env: NodeJS.ProcessEnv = { ...harmless };
      const lines: string[] = [plainLine];
      batch.forEach((p, j) => {
        env[`SERVICE_${start + j}_PASSWORD`] = p;
        for (const [name, form] of all[start + j]!) lines.push(`${start + j} ${name}: ${form} (end)`);
      });
      writeFileSync(join(ws, 'logs', 'job.log'), lines.join('\n') + '\n');
      const runId = String(9000 + start);
      const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--workspace', ws, '--json'], { cwd: ws, env: githubEnv(runId, env) });
      expect(r.stderr, `seed ${seed}`).toBe('');
      expect(r.code, `seed ${seed}`).toBe(0);
      const out = readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'artifacts', runId, 'attempt-1', 'logs', 'job.log'), 'utf8');
      const outLines = out.split('\n');
      const byLabel = new Map(outLines.map((l) => [l.slice(0, l.indexOf(': ') + 2), l]));
      // Nothing but the secrets is masked: every line keeps its label and end, the harmless line is intact.
      expect(outLines[0], `seed ${seed}`).toBe(plainLine);
      expect(outLines.length, `seed ${seed}`).toBe(lines.length + 1);
      batch.forEach((p, j) => {
        for (const [name, form] of all[start + j]!) {
          const line = byLabel.get(`${start + j} ${name}: `);
          if (line === undefined || !line.endsWith(' (end)')) leaks.push(`${name} of ${JSON.stringify(p)}: line lost (${JSON.stringify(line)})`);
          else if (line.includes(form)) leaks.push(`${name} of ${JSON.stringify(p)}: ${JSON.stringify(form)} left in ${JSON.stringify(line)}`);
        }
      });
    }
    if (leaks.length) console.error(`seed ${seed} (replay: OPS_TEST_SEED=${seed}): ${leaks.length} encodings left`);
    expect(leaks.slice(0, 20), `seed ${seed}: ${leaks.length} leaks`).toEqual([]);
  }, 120_000);
});
