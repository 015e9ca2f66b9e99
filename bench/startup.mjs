// bench/startup: median wall time of `ops runs list --limit 1 --json` against `node -e 0`,
// interleaved in the same run, reported as a ratio (target ≤ 3×, aim 2×).
// Usage: node bench/startup.mjs [rounds]   (needs `npm run build`)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, median, tempWorkspace, time, writeGhRuns } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 30);
const ws = tempWorkspace();
const file = join(ws, 'runs.json');
writeGhRuns(file, 5_000);
time(process.execPath, [OPS, 'runs', 'import', file, '--workspace', ws]);

const node = [];
const ops = [];
for (let i = 0; i < rounds + 3; i++) {
  const n = time(process.execPath, ['-e', '0']).ms;
  const o = time(process.execPath, [OPS, 'runs', 'list', '--limit', '1', '--json', '--workspace', ws]).ms;
  if (i >= 3) {
    node.push(n);
    ops.push(o);
  }
}
rmSync(ws, { recursive: true, force: true });
const result = { rounds, node_ms: +median(node).toFixed(1), ops_ms: +median(ops).toFixed(1), ratio: +(median(ops) / median(node)).toFixed(2) };
console.log(JSON.stringify(result));
