// ops vs secretlint 12 + preset-recommend, side by side, on the seeded corpora of
// test/corpus/corpus.mjs: the secret corpus (every format in CI-log contexts) and the no-secret
// corpus (stack traces, package managers, plans, manifests, placeholders, SHAs, UUIDs).
//
// secretlint is installed here only (bench/secretlint is its own npm project, never a
// dependency of ops):  npm install --prefix bench/secretlint   then, after `npm run build`:
//   node bench/secretlint/compare.mjs [seed] [rounds]
//
// A planted secret counts as found by a tool when one of its reports (secretlint: a message's
// range; ops: a mask from `ops evidence sanitize --explain --json`) overlaps it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintSource } from '@secretlint/core';
import { creator as presetRecommend } from '@secretlint/secretlint-rule-preset-recommend';
import { cleanCorpus, generators, prng, secretCorpus } from '../../test/corpus/corpus.mjs';

const OPS = new URL('../../bin/ops', import.meta.url).pathname;
const seed = Number(process.argv[2] ?? 19);
const rounds = Number(process.argv[3] ?? 3);

/** Byte ranges [start, end) of secretlint's reports on `text`, and its time. */
async function secretlint(text, filePath) {
  const t0 = process.hrtime.bigint();
  const result = await lintSource({
    source: { filePath, content: text, ext: '.log', contentType: 'text' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: presetRecommend }] }, maskSecrets: true, noPhysicFilePath: true },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Ranges are string (UTF-16) indices: to bytes.
  const toByte = (i) => Buffer.byteLength(text.slice(0, i));
  return { ranges: result.messages.map((m) => ({ start: toByte(m.range[0]), end: toByte(m.range[1]), rule: m.ruleId })), ms };
}

/** Byte ranges of what ops would mask (and the weak values it reports but leaves), via the built CLI. */
function ops(text, ws, name) {
  writeFileSync(join(ws, name), text);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [OPS, 'evidence', 'sanitize', '--explain', '--json', name], { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 4) throw new Error(`ops exited ${r.status}: ${r.stderr}`);
  const buf = Buffer.from(text);
  const lineStart = [0, 0];
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lineStart.push(i + 1);
  const findings = JSON.parse(r.stdout).findings;
  const at = (f) => ({ start: lineStart[f.line] + f.column - 1, end: lineStart[f.line] + f.column - 1 + f.length, rule: f.rule });
  return { ranges: findings.filter((f) => f.masked).map(at), weak: findings.filter((f) => !f.masked).length, ms };
}

const overlaps = (a, b) => a.start < b.end && b.start < a.end;

/**
 * Secrets in the shapes secretlint's preset-recommend rules accept (often wider than the
 * providers' documented formats: Shopify 32-64 alphanumerics, Stripe up to 99, Slack's
 * dash groups, any URL user:password), so that "ops masks what secretlint detects" is tested
 * on secretlint's own breadth, not only on real token shapes.
 */
function secretlintShaped(seed) {
  const rand = prng(seed);
  const { s, hex, digits, strong } = generators(rand);
  const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const n = (a, b) => a + Math.floor(rand() * (b - a + 1));
  const cases = [
    ['aws-secret', (v) => `AWS_SECRET_ACCESS_KEY = ${v}`, () => strong(40, AN + '/+')],
    ['aws-secret', (v) => `"aws_secret_access_key": "${v}"`, () => strong(40, AN + '/+')],
    ['aws-key-id', (v) => `key ${v}`, () => `${['AKIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ASIA'][n(0, 7)]}${s(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`],
    ['npm-authToken', (v) => `//registry.npmjs.org/:_authToken=${v}`, () => strong(36)],
    ['npm-token', (v) => `npm_${v}`, () => strong(36)],
    ['x-oauth-basic', (v) => `https://${v}:x-oauth-basic@github.com/acme/x.git`, () => strong(40)],
    ['basicauth', (v) => `${['https', 'http', 'ftp', 'ftps'][n(0, 3)]}://deploy:${v}@files.example.com/x`, () => strong(n(8, 30), AN + '_-')],
    ['db-connection', (v) => `${['mongodb', 'mongodb+srv', 'mysql', 'jdbc:mysql', 'postgres', 'postgresql'][n(0, 5)]}://app:${v}@db.example.com/app`, () => strong(n(8, 30))],
    ['slack', (v) => v, () => `xox${['b', 'p', 'a', 'o', 'r'][n(0, 4)]}-${digits(n(10, 13))}-${digits(n(10, 13))}-${strong(n(24, 40))}`],
    ['slack-webhook', (v) => v, () => `https://hooks.slack.com/services/T${s(9, AN)}/B${s(9, AN)}/${strong(24)}`],
    ['sendgrid', (v) => v, () => `SG.${strong(22)}.${strong(43)}`],
    ['shopify', (v) => v, () => `${['shppa', 'shpca', 'shpat', 'shpss'][n(0, 3)]}_${strong(n(32, 64))}`],
    ['stripe', (v) => v, () => `${['sk_live', 'sk_test', 'rk_live', 'rk_test'][n(0, 3)]}_${strong(n(24, 99))}`],
    ['github', (v) => v, () => `${['ghp', 'gho', 'ghu', 'ghs', 'ghr'][n(0, 4)]}_${strong(36)}`],
    ['github-fine-grained', (v) => v, () => `github_pat_${strong(82, AN + '_')}`],
    ['gitlab', (v) => v, () => `glpat-${strong(n(20, 128), AN + '_-')}`],
    ['grafana', (v) => v, () => (rand() < 0.5 ? `glc_${strong(n(32, 400), AN + '+/')}` : `glsa_${strong(32)}_${hex(8)}`)],
    ['openai', (v) => v, () => `sk-${['proj', 'svcacct', 'admin'][n(0, 2)]}-${strong(58, AN + '_-')}T3BlbkFJ${strong(58, AN + '_-')}`],
    ['anthropic', (v) => v, () => `sk-ant-api0${n(1, 9)}-${strong(n(90, 128), AN + '_-')}AA`],
    ['groq', (v) => v, () => `gsk_${strong(52)}`],
    ['huggingface', (v) => v, () => `hf_${s(34, AN.slice(0, 52))}`],
    ['linear', (v) => v, () => `lin_api_${strong(n(32, 128), AN + '_')}`],
    ['notion', (v) => v, () => `ntn_${digits(11)}${strong(35)}`],
    ['1password', (v) => v, () => `ops_ey${strong(n(100, 600), AN + '+/')}fQ==`],
    ['vault', (v) => v, () => (rand() < 0.5 ? `hvs.${strong(n(90, 120), AN + '_-')}` : `hvr.${strong(n(90, 120), AN + '_-')}`)],
    ['vercel', (v) => v, () => `${['vcp', 'vci', 'vca', 'vcr', 'vck'][n(0, 4)]}_${strong(n(20, 60))}`],
    ['databricks', (v) => v, () => `dapi${hex(32)}`],
    ['docker', (v) => v, () => `dckr_pat_${strong(27, AN + '_-')}`],
    ['figma', (v) => v, () => `figd_${strong(n(40, 200), AN + '_-')}`],
    ['cloudflare', (v) => v, () => `${['cfk', 'cfut', 'cfat'][n(0, 2)]}_${strong(40)}${hex(8)}`],
    ['tailscale', (v) => v, () => `tskey-${['auth', 'api', 'client', 'webhook'][n(0, 3)]}-${strong(n(8, 40))}-${strong(n(16, 60))}`],
    ['privatekey', (v) => v, () => `-----BEGIN ${['RSA ', 'DSA ', 'EC ', 'OPENSSH ', ''][n(0, 4)]}PRIVATE KEY-----\n${strong(64, AN + '+/')}\n${strong(64, AN + '+/')}\n-----END PRIVATE KEY-----`],
  ];
  const secrets = [];
  const lines = [];
  for (let r = 0; r < 3; r++) {
    for (const [rule, line, make] of cases) {
      const value = make();
      lines.push(`  step ${r}: ${line(value)} done`);
      secrets.push({ rule, context: 'secretlint shape', value });
    }
  }
  return { text: lines.join('\n') + '\n', secrets };
}

const ws = mkdtempSync(join(tmpdir(), 'ops-vs-secretlint-'));
mkdirSync(join(ws, '.ops'));
try {
  // The secret corpus: real token shapes in CI-log contexts, plus secretlint's own shapes.
  const real = secretCorpus(seed, rounds);
  const wide = secretlintShaped(seed);
  const sc = { text: real.text + wide.text, secrets: [...real.secrets, ...wide.secrets] };
  const cc = cleanCorpus(seed, rounds * 4);
  // Planted secrets as byte ranges.
  const planted = [];
  let at = 0;
  for (const s of sc.secrets) {
    const i = sc.text.indexOf(s.value, at);
    const start = Buffer.byteLength(sc.text.slice(0, i));
    planted.push({ ...s, start, end: start + Buffer.byteLength(s.value) });
    at = i + s.value.length;
  }
  const [slS, slC] = [await secretlint(sc.text, join(ws, 'secrets.log')), await secretlint(cc.text, join(ws, 'clean.log'))];
  const [opS, opC] = [ops(sc.text, ws, 'secrets.log'), ops(cc.text, ws, 'clean.log')];

  const found = (tool) => planted.filter((p) => tool.ranges.some((r) => overlaps(r, p)));
  const slFound = found(slS);
  const opFound = found(opS);
  const slOnly = slFound.filter((p) => !opFound.includes(p));
  const notPlanted = (tool) => tool.ranges.filter((r) => !planted.some((p) => overlaps(r, p))).length;
  // ops alters nothing secretlint leaves alone: every ops mask overlaps a secretlint report.
  const opsAloneClean = opC.ranges.filter((r) => !slC.ranges.some((x) => overlaps(r, x))).length;
  const opsAloneSecrets = opS.ranges.filter((r) => !slS.ranges.some((x) => overlaps(r, x)) && !planted.some((p) => overlaps(r, p))).length;

  const mb = (t) => Buffer.byteLength(t) / 2 ** 20;
  const pct = (n, d) => `${((100 * n) / d).toFixed(1)} %`;
  const rows = [
    ['planted secrets found (secret corpus)', `${slFound.length} / ${planted.length} (${pct(slFound.length, planted.length)})`, `${opFound.length} / ${planted.length} (${pct(opFound.length, planted.length)})`],
    ['reports on the secret corpus overlapping no planted secret', String(notPlanted(slS)), String(notPlanted(opS))],
    ['reports on the no-secret corpus (false positives)', String(slC.ranges.length), String(opC.ranges.length)],
    ['weak values reported, not masked (no-secret corpus)', '-', String(opC.weak)],
    ['secrets found by secretlint and missed by ops', '-', String(slOnly.length)],
    ['text ops alters that secretlint leaves alone and is no planted secret', '-', String(opsAloneClean + opsAloneSecrets)],
    ['time, secret + no-secret corpus (ops: whole CLI process)', `${(slS.ms + slC.ms).toFixed(0)} ms`, `${(opS.ms + opC.ms).toFixed(0)} ms`],
  ];
  console.log(`corpora: seed ${seed}, ${planted.length} planted secrets (${real.secrets.length} in real shapes and CI contexts, ${wide.secrets.length} in secretlint's shapes; ${new Set(planted.map((p) => p.rule)).size} formats/contexts), ${mb(sc.text).toFixed(2)} + ${mb(cc.text).toFixed(2)} MiB`);
  const wideFound = (tool) => tool.ranges && planted.slice(real.secrets.length).filter((p) => tool.ranges.some((r) => overlaps(r, p))).length;
  console.log(`secretlint-shaped secrets found: secretlint ${wideFound(slS)} / ${wide.secrets.length}, ops ${wideFound(opS)} / ${wide.secrets.length}`);
  console.log('\n| | secretlint 12 + preset-recommend | ops |\n|---|---|---|');
  for (const [k, a, b] of rows) console.log(`| ${k} | ${a} | ${b} |`);
  // Per rule: what secretlint finds of each kind of planted secret.
  const byRule = new Map();
  for (const p of planted) {
    const e = byRule.get(p.rule) ?? { n: 0, sl: 0, ops: 0 };
    e.n++;
    if (slFound.includes(p)) e.sl++;
    if (opFound.includes(p)) e.ops++;
    byRule.set(p.rule, e);
  }
  if (process.env.PER_RULE) for (const [rule, e] of byRule) console.log(`${rule}: ${e.n} planted, secretlint ${e.sl}, ops ${e.ops}`);
  if (slOnly.length) console.error('found by secretlint only:', slOnly.map((p) => `${p.rule} (${p.context})`));
  const slFp = slC.ranges.map((r) => r.rule);
  if (slFp.length) console.log(`\nsecretlint's reports on the no-secret corpus, by rule: ${JSON.stringify(Object.fromEntries([...new Set(slFp)].map((r) => [r, slFp.filter((x) => x === r).length])))}`);
  process.exitCode = slOnly.length || opsAloneClean || opC.ranges.length || opFound.length !== planted.length ? 1 : 0;
} finally {
  rmSync(ws, { recursive: true, force: true });
}
