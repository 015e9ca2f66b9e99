// bench/import: runs/s of `ops runs import FILE` on gh JSON (default 200 000 runs), a fresh
// ledger each time; also the re-import of the same file (all unchanged). Target ≥ 50 000 runs/s.
// Usage: node bench/import.mjs [runs]   (needs `npm run build`)
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, tempWorkspace, time, writeGhRuns } from './lib.mjs';

const count = Number(process.argv[2] ?? 200_000);
const ws = tempWorkspace();
const file = join(ws, 'runs.json');
writeGhRuns(file, count);
const mb = statSync(file).size / 1e6;

const first = time(process.execPath, [OPS, 'runs', 'import', file, '--json', '--workspace', ws]);
const again = time(process.execPath, [OPS, 'runs', 'import', file, '--json', '--workspace', ws]);
const r1 = JSON.parse(first.stdout);
const r2 = JSON.parse(again.stdout);
if (r1.inserted !== count || r2.unchanged !== count) throw new Error(`unexpected counts: ${first.stdout} ${again.stdout}`);
rmSync(ws, { recursive: true, force: true });
console.log(
  JSON.stringify({
    runs: count,
    input_mb: +mb.toFixed(1),
    fresh: { seconds: +(first.ms / 1000).toFixed(2), runs_per_s: Math.round(count / (first.ms / 1000)) },
    reimport_unchanged: { seconds: +(again.ms / 1000).toFixed(2), runs_per_s: Math.round(count / (again.ms / 1000)) },
  }),
);
