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
import { cleanCorpus, secretCorpus } from '../../test/corpus/corpus.mjs';

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

const ws = mkdtempSync(join(tmpdir(), 'ops-vs-secretlint-'));
mkdirSync(join(ws, '.ops'));
try {
  const sc = secretCorpus(seed, rounds);
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
  console.log(`corpora: seed ${seed}, ${planted.length} planted secrets (${new Set(planted.map((p) => p.rule)).size} formats/contexts), ${mb(sc.text).toFixed(2)} + ${mb(cc.text).toFixed(2)} MiB`);
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
