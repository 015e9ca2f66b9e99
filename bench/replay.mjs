// bench/replay: what the retry engine costs beyond the command it runs.
//  1. Overhead per replayed entry: `ops retry replay` over N due entries with a gh that
//     exits at once (a /bin/sh script: re-run → exit 0, view → the new attempt, success),
//     minus what running that gh twice (re-run + view) through execa costs on its own.
//  2. Claim throughput: lease + begin + finish transactions per second straight on the
//     ledger (src/retry/lease.ts bundled on the fly), one process and two at once.
// Usage: node bench/replay.mjs [entries]   (needs `npm run build`)
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { OPS, median, tempWorkspace, time } from './lib.mjs';

const N = Number(process.argv[2] ?? 200);
const ws = tempWorkspace();
const gh = join(ws, 'gh');
writeFileSync(
  gh,
  `#!/bin/sh
case "$2" in
  view) printf '{"databaseId":%s,"attempt":2,"status":"completed","conclusion":"success","workflowName":"CI","url":"https://github.com/acme/api/actions/runs/%s","createdAt":"2025-11-13T23:50:00Z"}\\n' "$3" "$3" ;;
esac
exit 0
`,
);
chmodSync(gh, 0o755);
const env = { PATH: process.env.PATH, OPS_GH: gh, OPS_NOW: '2025-11-14T00:00:00Z', OPS_WORKSPACE: ws };

function seed(dir, count) {
  const runs = Array.from({ length: count }, (_, i) => ({
    run_id: String(10_000 + i),
    attempt: 1,
    repository: 'acme/api',
    workflow: `wf-${i % 20}`,
    status: 'completed',
    conclusion: 'failure',
    created_at: '2025-11-13T23:50:00Z',
    started_at: '2025-11-13T23:50:05Z',
    completed_at: '2025-11-13T23:55:00Z',
    classification: { http_status: 503, class: 'transient', cause: 'service unavailable', retryable: true, risk: 'low', action: 'retry later' },
  }));
  writeFileSync(join(dir, 'runs.json'), JSON.stringify(runs));
  mkdirSync(join(dir, '.ops'), { recursive: true });
  writeFileSync(join(dir, '.ops', 'retry-policy.json'), JSON.stringify({ budget: { maxRetriesPerWorkflowPerHour: 100000 } }));
  // N re-runs in a minute are a retry storm by the default rules: the bench measures replay, not the killswitch.
  writeFileSync(join(dir, '.ops', 'detection-rules.json'), JSON.stringify({ retryStorm: { maxRetries: 1000000 } }));
  time(process.execPath, [OPS, 'runs', 'import', join(dir, 'runs.json'), '--workspace', dir], { env: { ...env, OPS_WORKSPACE: dir } });
}

// 1. Overhead per entry, against running the same two gh calls through execa here.
const spawnTwice = [];
for (let i = 0; i < 50; i++) {
  const t0 = process.hrtime.bigint();
  await execa(gh, ['run', 'rerun', '1', '--failed'], { reject: false });
  await execa(gh, ['run', 'view', '1', '--json', 'x'], { reject: false });
  spawnTwice.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const perEntry = {};
for (const concurrency of [1, 4]) {
  const dir = tempWorkspace();
  seed(dir, N);
  const r = time(process.execPath, [OPS, 'retry', 'replay', '--concurrency', String(concurrency), '--json', '--workspace', dir], { env: { ...env, OPS_WORKSPACE: dir } });
  const handled = JSON.parse(r.stdout).handled;
  if (handled !== N) throw new Error(`replay handled ${handled} of ${N}`);
  perEntry[`concurrency_${concurrency}`] = { total_ms: Math.round(r.ms), per_entry_ms: +(r.ms / N).toFixed(2) };
  rmSync(dir, { recursive: true, force: true });
}
const ghMs = median(spawnTwice);
perEntry.concurrency_1.overhead_ms = +(perEntry.concurrency_1.per_entry_ms - ghMs).toFixed(2);

// 2. Claim throughput, without any process spawn.
const bundle = join(ws, 'lease.mjs');
await build({
  entryPoints: [new URL('../src/retry/lease.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: bundle,
  external: ['better-sqlite3'],
  logLevel: 'error',
  nodePaths: [new URL('../node_modules', import.meta.url).pathname],
});
const worker = `
import Database from ${JSON.stringify(new URL('../node_modules/better-sqlite3/lib/index.js', import.meta.url).pathname)};
import { leaseNext, beginRerun, finishRerun } from ${JSON.stringify(bundle)};
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = 10000');
const tuning = { retryClasses: ['transient'], baseSeconds: 5, factor: 2, maxRetries: 3, jitter: 0, capSeconds: 300, retryUnknown: false };
const owner = 'bench-' + process.pid;
const now = Date.parse('2025-11-14T00:00:00Z');
let n = 0;
const t0 = process.hrtime.bigint();
for (;;) {
  const l = leaseNext(db, { owner, nowMs: now, leaseMs: 120000, exclude: new Set(), budgetPerHour: 1e9 });
  if (!l.entry) break;
  const b = beginRerun(db, l.entry.id, owner, now, ['gh']);
  finishRerun(db, b, owner, now, { exitCode: 1, timedOut: false, durationMs: 1, error: 'HTTP 503', classification: { http_status: 503, class: 'transient', cause: 'x', retryable: true, risk: 'low', action: 'x' } }, tuning);
  n++;
}
console.log(JSON.stringify({ n, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
`;
writeFileSync(join(ws, 'claim.mjs'), worker);
const claims = {};
for (const procs of [1, 2]) {
  const dir = tempWorkspace();
  const count = 5_000;
  seed(dir, count);
  const db = join(dir, '.ops', 'ledger.db');
  const t0 = process.hrtime.bigint();
  const outs = await Promise.all(
    Array.from({ length: procs }, () =>
      new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [join(ws, 'claim.mjs'), db]);
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => process.stderr.write(d));
        c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`claim worker exited ${code}`))));
      }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const total = outs.reduce((a, o) => a + o.n, 0);
  if (total !== count) throw new Error(`claimed ${total} of ${count}`);
  claims[`processes_${procs}`] = { claims: total, per_second: Math.round(total / (ms / 1000)), split: outs.map((o) => o.n) };
  rmSync(dir, { recursive: true, force: true });
}
rmSync(ws, { recursive: true, force: true });
console.log(JSON.stringify({ entries: N, gh_twice_via_execa_ms: +ghMs.toFixed(2), replay: perEntry, claim_cycle: claims }, null, 1));
