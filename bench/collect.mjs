// bench/collect: wall time of `ops evidence collect` as a CI job runs it: a typical job
// (3 logs of 200 KB, 20 small artifacts) and a heavy one (5 logs of 20 MB), each on a
// workspace that already holds 200 collected runs. Usage: node bench/collect.mjs   (needs `npm run build`)
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, median, tempWorkspace, time } from './lib.mjs';

const ws = tempWorkspace();
const line = (i) => `2025-11-14T00:00:${String(i % 60).padStart(2, '0')}.123Z  PASS src/module-${i % 97}.test.ts (${i % 13}.${i % 10}s) ok ${'·'.repeat(i % 40)}\n`;
function writeLog(path, bytes) {
  const chunks = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = line(i);
    chunks.push(l);
    n += l.length;
  }
  writeFileSync(path, chunks.join(''));
}
function job(name, logs, logBytes, artifacts) {
  const dir = join(ws, name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  for (let i = 0; i < logs; i++) writeLog(join(dir, 'logs', `step-${i}.log`), logBytes);
  for (let i = 0; i < artifacts; i++) writeFileSync(join(dir, 'dist', `file-${i}.js`), `export const x${i} = ${i};\n`.repeat(50));
  return dir;
}
const collect = (dir, runId) =>
  time(process.execPath, [OPS, 'evidence', 'collect', '--logs', 'logs/*.log', '--artifact', 'dist/**', '--workspace', ws], {
    cwd: dir,
    env: { ...process.env, GITHUB_RUN_ID: String(runId), GITHUB_WORKFLOW: 'CI', GITHUB_REPOSITORY: 'acme/api', OPS_NOW: '2025-11-14T00:00:00Z' },
  }).ms;

const small = job('small', 3, 200_000, 20);
for (let i = 0; i < 200; i++) collect(small, 1_000_000 + i); // a busy day's folder
const typical = [];
for (let i = 0; i < 10; i++) typical.push(collect(small, 2_000_000 + i));
const again = [];
for (let i = 0; i < 5; i++) again.push(collect(small, 2_000_000)); // the same run again: unchanged

const heavy = job('heavy', 5, 20_000_000, 0);
const heavyMs = collect(heavy, 3_000_000);
const heavyMb = (5 * statSync(join(heavy, 'logs', 'step-0.log')).size) / 1e6;
rmSync(ws, { recursive: true, force: true });
console.log(
  JSON.stringify({
    typical_job_ms: +median(typical).toFixed(0),
    same_run_again_ms: +median(again).toFixed(0),
    heavy_job: { mb: +heavyMb.toFixed(0), seconds: +(heavyMs / 1000).toFixed(2), mb_per_s: +(heavyMb / (heavyMs / 1000)).toFixed(1) },
  }),
);
