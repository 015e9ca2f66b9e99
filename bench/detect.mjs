// bench/detect: what detection costs on a 1 000 000-run ledger: `ops detect --json` (every
// rule, index range scans only), next to `ops status` on the same ledger, and `ops runs
// import` of one run, which runs detection (and opportunistic delivery) after its write.
// Reuses bench/kpi's workspace (the same 1M-run demo, pinned clock); builds it if absent.
// Usage: node bench/detect.mjs [dir] [rounds]   (needs `npm run build`)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPS, median, time } from './lib.mjs';

const dir = process.argv[2] ?? join(tmpdir(), 'ops-bench-kpi-1m');
const rounds = Number(process.argv[3] ?? 7);
const RUNS = 1_000_000;
const env = { ...process.env, OPS_NOW: '2025-11-14T00:00:00Z', NO_COLOR: '1' };
const marker = join(dir, '.bench-kpi.json');
const spec = JSON.stringify({ runs: RUNS, days: 30, now: env.OPS_NOW });
if (process.env.FRESH || !existsSync(marker) || readFileSync(marker, 'utf8') !== spec) {
  rmSync(dir, { recursive: true, force: true });
  time(process.execPath, [OPS, 'demo', dir, '--runs', String(RUNS), '--days', '30'], { env });
  writeFileSync(marker, spec);
}
const run = join(tmpdir(), 'ops-bench-detect-run.json');
writeFileSync(run, JSON.stringify([{ run_id: '1', attempt: 1, repository: 'acme/bench', workflow: 'Bench', status: 'completed', conclusion: 'success', created_at: env.OPS_NOW, started_at: env.OPS_NOW, completed_at: env.OPS_NOW }]));

const ops = (...args) => time(process.execPath, [OPS, ...args, '--workspace', dir], { env }).ms;
ops('detect', '--json'); // not timed: migrations, and the alerts the data holds get opened once
const cases = { detect: ['detect', '--json'], status: ['status', '--json'], import_one_run: ['runs', 'import', run] };
const ms = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) for (const [k, args] of Object.entries(cases)) ms[k].push(ops(...args));
console.log(JSON.stringify({ runs: RUNS, rounds, median_ms: Object.fromEntries(Object.keys(cases).map((k) => [k, +median(ms[k]).toFixed(0)])) }));
