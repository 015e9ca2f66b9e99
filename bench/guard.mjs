// bench/guard: median wall time of `ops guard --workflow CI` (the first step of every
// workflow) against `node -e 0`, interleaved in the same run, as a ratio (target ≤ 2.5×).
// The workspace holds 5 000 runs and a released and an active scoped engagement, so the
// guard does its real reads. Usage: node bench/guard.mjs [rounds]   (needs `npm run build`)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, median, tempWorkspace, time, writeGhRuns } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 30);
const ws = tempWorkspace();
const file = join(ws, 'runs.json');
writeGhRuns(file, 5_000);
const opsArgs = (...args) => [OPS, ...args, '--workspace', ws];
time(process.execPath, opsArgs('runs', 'import', file));
time(process.execPath, opsArgs('killswitch', '--reason', 'bench'));
time(process.execPath, opsArgs('killswitch', '--release', '--reason', 'bench'));
time(process.execPath, opsArgs('killswitch', '--scope', 'Deploy', '--reason', 'bench'));

const node = [];
const guard = [];
for (let i = 0; i < rounds + 3; i++) {
  const n = time(process.execPath, ['-e', '0']).ms;
  const g = time(process.execPath, opsArgs('guard', '--workflow', 'CI')).ms;
  if (i >= 3) {
    node.push(n);
    guard.push(g);
  }
}
rmSync(ws, { recursive: true, force: true });
console.log(JSON.stringify({ rounds, node_ms: +median(node).toFixed(1), guard_ms: +median(guard).toFixed(1), ratio: +(median(guard) / median(node)).toFixed(2) }));
