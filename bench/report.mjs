// bench/report: `ops report --date D` for a date with ~10 000 runs (a 140 000-run demo over
// 14 days), first run (everything written) and second run (nothing changes), median of 3.
// Usage: node bench/report.mjs [runs] [days]   (needs `npm run build`)
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, median, tempWorkspace, time } from './lib.mjs';

const runs = Number(process.argv[2] ?? 140_000);
const days = Number(process.argv[3] ?? 14);
const ws = tempWorkspace();
const env = { ...process.env, OPS_NOW: '2025-11-14T12:00:00Z' };
time(process.execPath, [OPS, 'demo', ws, '--runs', String(runs), '--days', String(days)], { env });
// A full day in the middle of the range.
const date = readdirSync(join(ws, 'docs', 'reports')).sort().at(-Math.ceil(days / 2));
const first = [];
const again = [];
for (let i = 0; i < 3; i++) {
  rmSync(join(ws, 'docs', 'reports', date), { recursive: true, force: true });
  first.push(time(process.execPath, [OPS, 'report', '--date', date, '--workspace', ws], { env }).ms);
  again.push(time(process.execPath, [OPS, 'report', '--date', date, '--workspace', ws], { env }).ms);
}
const summary = JSON.parse(readFileSync(join(ws, 'docs', 'reports', date, 'RUNS_SUMMARY.json'), 'utf8'));
rmSync(ws, { recursive: true, force: true });
console.log(JSON.stringify({ runs, days, date, runs_of_date: new Set(summary.runs.map((r) => r.run_id)).size, first_ms: Math.round(median(first)), unchanged_ms: Math.round(median(again)) }));
