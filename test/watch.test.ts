import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/notify/sign';
import { FAKE_GH, OPS_BIN, opsProcess, workspaceDir } from './helpers';

/**
 * `ops watch` (issue 22) as a user runs it: the built bin/ops as long-running child
 * processes against the stateful fake gh, on a clock the test controls (OPS_CLOCK_FILE: the
 * test writes the time, the watcher reads it every tick and acknowledges in <file>.seen the
 * time it has caught up with), so a simulated hour takes seconds.
 */

const T0 = '2025-11-14T00:00:00Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString().replace('.000Z', 'Z');

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Watcher {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** NDJSON log entries (--json). */
  entries: () => Record<string, any>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A workspace with a fake GitHub, a test clock at T0, and every job on an exact schedule (no jitter). */
function setUp(o: { config?: object; schedule?: object; api?: object; scenario?: object } = {}) {
  const ws = workspaceDir('ops-watch-');
  const file = (name: string) => join(ws, name);
  writeFileSync(file('.ops/config.json'), JSON.stringify(o.config ?? {}));
  const jobs = Object.fromEntries(['sync', 'report'].map((j) => [j, { jitterSeconds: 0 }]));
  writeFileSync(file('.ops/schedule.json'), JSON.stringify(o.schedule ?? { jobs }));
  // Hundreds of re-runs are not the subject here: no retry storm.
  writeFileSync(file('.ops/detection-rules.json'), JSON.stringify({ retryStorm: { maxRetries: 1000 } }));
  writeFileSync(file('api.json'), JSON.stringify(o.api ?? { repos: {} }));
  writeFileSync(file('scenario.json'), JSON.stringify(o.scenario ?? {}));
  const clock = file('clock');
  writeFileSync(clock, T0);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    OPS_GH: FAKE_GH,
    FAKE_GH_API: file('api.json'),
    FAKE_GH_LOG: file('gh.log'),
    FAKE_GH_SCENARIO: file('scenario.json'),
    OPS_CLOCK_FILE: clock,
    OPS_WATCH_TICK_MS: '20',
    OPS_ACTOR: 'alice',
  };
  const ledger = file('.ops/ledger.db');
  const query = <T = Record<string, any>>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(ledger, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const watch = (args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Watcher => {
    const child = spawn(process.execPath, [OPS_BIN, 'watch', '--json', ...args], { cwd: ws, env: { ...env, ...extraEnv } });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    return { child, out: () => out, err: () => err, entries: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)), exited };
  };
  /** Sets the clock and waits until a watcher has caught up with it. */
  const advance = async (iso: string, timeoutMs = 20_000) => {
    writeFileSync(clock + '.tmp', iso);
    renameSync(clock + '.tmp', clock);
    await until(() => existsSync(clock + '.seen') && readFileSync(clock + '.seen', 'utf8') === iso, timeoutMs, `the watcher to catch up with ${iso}`);
  };
  const ghLog = () => lines(file('gh.log'));
  return { ws, env, file, ledger, query, watch, advance, ghLog };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

/** A real webhook receiver on 127.0.0.1. */
async function hook() {
  const requests: { headers: Record<string, any>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

const firstPages = (log: string[]) => log.filter((l) => /^api -i .*\/repos\/acme\/api\/actions\/runs\?per_page=100$/.test(l)).length;
const reruns = (log: string[]) => log.filter((l) => l.startsWith('run rerun ')).length;

describe('ops watch', () => {
  it('a simulated hour with nobody at the keyboard: syncs every 2 min, a failed run appears, is classified, retried per policy, recovers, and the notification reaches the webhook', async () => {
    const h = await hook();
    const secret = randomBytes(16).toString('hex');
    const repo = { runs: 20, newest: at(-600), spacing_s: 240, fail_every: 100_000 };
    const s = setUp({
      config: { repos: ['acme/api'], notifications: { channels: [{ name: 'oncall', type: 'webhook', urlEnv: 'OPS_HOOK_URL', secretEnv: 'OPS_HOOK_SECRET' }] } },
      api: { repos: { 'acme/api': repo } },
      // The re-run: GitHub answers 503 once, then takes it.
      scenario: { rerun: { '*': [{ exit: 1, stderr: 'HTTP 503: Service Unavailable (https://api.github.com/repos/acme/api/actions/runs/1/rerun-failed-jobs)' }, { exit: 0 }] } },
    });
    const w = s.watch([], { OPS_HOOK_URL: h.url, OPS_HOOK_SECRET: secret });
    await s.advance(T0);
    let failedRunId: string | null = null;
    for (let t = 30; t <= 3600; t += 30) {
      // At 10 min a new run shows up on GitHub, failed.
      if (t === 600) writeFileSync(s.file('api.json'), JSON.stringify({ repos: { 'acme/api': { ...repo, runs: 21, newest: at(540), failed: [21] } } }));
      await s.advance(at(t));
      if (t === 630) failedRunId = (s.query<{ run_id: string }>(`SELECT run_id FROM run_attempts WHERE conclusion = 'failure'`)[0] ?? null)?.run_id ?? null;
    }
    // Syncs on schedule: at 0, 2, 4, … 60 min, each asking the newest page once.
    expect(firstPages(s.ghLog())).toBe(31);
    const syncs = s.query<{ runs: number; last_outcome: string; next_run_at: string }>(`SELECT runs, last_outcome, next_run_at FROM watch_jobs WHERE job = 'sync'`)[0]!;
    expect(syncs).toEqual({ runs: 31, last_outcome: 'ok', next_run_at: at(3720) });

    // The failure appeared with the sync at 10 min, classified from its job log.
    expect(failedRunId).not.toBeNull();
    const [run] = s.query(`SELECT classification FROM run_attempts WHERE run_id = ? AND attempt = 1`, failedRunId);
    expect(JSON.parse(run!.classification)).toMatchObject({ class: 'transient', http_status: 503, retryable: true });
    // Retried per policy: the first re-run failed (503) and was scheduled again, the second took.
    const attempts = s.query(`SELECT a.attempt, a.outcome, a.http_status FROM retry_attempts a JOIN retry_queue q ON q.id = a.entry_id WHERE q.run_id = ? ORDER BY a.attempt`, failedRunId);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.http_status])).toEqual([
      [1, 'failed', 503],
      [2, 'succeeded', null],
    ]);
    expect(reruns(s.ghLog())).toBe(2);
    expect(s.query(`SELECT state, recovered_at IS NOT NULL AS recovered FROM retry_queue WHERE run_id = ?`, failedRunId)).toEqual([{ state: 'completed', recovered: 1 }]);

    // And the on-call heard about it: signed, on the webhook.
    const recovered = h.requests.map((r) => ({ r, body: JSON.parse(r.body) })).find((x) => x.body.event === 'retry.recovered');
    expect(recovered?.body.title).toBe(`Recovered: CI run ${failedRunId}`);
    const { r } = recovered!;
    expect(verifySignature(secret, String(r.headers['x-ops-timestamp']), r.body, String(r.headers['x-ops-signature-256']))).toBe(true);

    // The log: one NDJSON line per run that did something; the killswitch was never involved.
    const jobs = w.entries().filter((e) => e.type === 'job');
    expect(jobs.filter((e) => e.job === 'replay').map((e) => [e.at, e.summary])).toEqual([
      [at(630), '1 entry (1 rescheduled)'],
      [at(660), '1 entry (1 completed)'],
    ]);
    expect(jobs.some((e) => e.job === 'deliver' && /^1 sent, 0 failed/.test(e.summary))).toBe(true);
    expect(jobs.every((e) => e.outcome === 'ok')).toBe(true);
    // ops watch status: every job's last run, outcome and next run.
    const status = JSON.parse(opsProcess(['watch', 'status', '--json'], { cwd: s.ws, env: { ...s.env, OPS_NOW: at(3600) } }).stdout);
    expect(status).toMatchObject({ state: 'running', owner: expect.stringMatching(/:\d+$/), heartbeat_age_s: expect.any(Number), retries_due: 0 });
    expect(status.jobs.map((j: { job: string }) => j.job)).toEqual(['consumers', 'deliver', 'detect', 'expiry', 'export', 'replay', 'report', 'sync']);
    // detect after each sync; report once an hour (at 01:00 UTC, 10:00 in Tokyo).
    expect(status.jobs.find((j: { job: string }) => j.job === 'detect').runs).toBe(31);
    expect(status.jobs.find((j: { job: string }) => j.job === 'report')).toMatchObject({ runs: 1, last_started_at: at(3600), next_run_at: at(7200) });

    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }, 120_000);

  it('one watcher per workspace: a second exits 5 naming the holder; a standby takes over within the lease time after kill -9', async () => {
    const s = setUp();
    const a = s.watch();
    await s.advance(T0);
    await until(() => a.entries().some((e) => e.event === 'started'), 5000, 'the first watcher to start');
    const pidA = a.child.pid!;

    const second = opsProcess(['watch'], { cwd: s.ws, env: s.env });
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(new RegExp(`^ops: watch: workspace busy: [^ ]+:${pidA} \\(watching since ${T0}, heartbeat 0 s ago\\) holds the watch lease .*--standby waits to take over\\)\\n$`));

    const b = s.watch(['--standby']);
    await until(() => b.entries().some((e) => e.event === 'standby'), 5000, 'the standby');
    await s.advance(at(15));
    // Exactly one acts: every job row is the first watcher's.
    const owners = () => new Set(s.query<{ owner: string }>('SELECT owner FROM watch_jobs').map((r) => r.owner));
    expect([...owners()]).toEqual([expect.stringMatching(new RegExp(`:${pidA}$`))]);

    a.child.kill('SIGKILL');
    await a.exited;
    const beat = Date.parse(s.query<{ heartbeat_at: string }>('SELECT heartbeat_at FROM watch_lease')[0]!.heartbeat_at);
    // Within the lease (30 s since the last heartbeat): the dead holder keeps it.
    await s.advance(new Date(beat + 29_000).toISOString().replace('.000Z', 'Z'));
    expect(s.query('SELECT owner FROM watch_lease')[0]!.owner).toMatch(new RegExp(`:${pidA}$`));
    // Past it: taken over, and the jobs run again under the standby.
    await s.advance(new Date(beat + 31_000).toISOString().replace('.000Z', 'Z'));
    const took = b.entries().find((e) => e.event === 'took_over');
    expect(took?.text).toMatch(new RegExp(`^took over the lease from [^ ]+:${pidA} \\(watching since ${T0}, heartbeat 3\\d s ago\\)$`));
    expect(s.query('SELECT owner FROM watch_lease')[0]!.owner).toMatch(new RegExp(`:${b.child.pid}$`));
    expect([...owners()]).toEqual([expect.stringMatching(new RegExp(`:${b.child.pid}$`))]);

    b.child.kill('SIGINT');
    expect((await b.exited).code).toBe(0);
    expect(s.query('SELECT released_at FROM watch_lease')[0]!.released_at).not.toBeNull();
  }, 60_000);

  it('a watcher that stalled past its lease (SIGSTOP, a laptop asleep) and finds it taken over stops with exit 5 instead of acting twice', async () => {
    const s = setUp();
    const a = s.watch();
    await s.advance(T0);
    const b = s.watch(['--standby']);
    await until(() => b.entries().some((e) => e.event === 'standby'), 5000, 'the standby');
    a.child.kill('SIGSTOP');
    await s.advance(at(31));
    expect(b.entries().some((e) => e.event === 'took_over')).toBe(true);
    a.child.kill('SIGCONT');
    const { code } = await a.exited;
    expect(code).toBe(5);
    expect(a.err()).toBe('ops: watch: the lease was taken over by another watcher while this one stalled (a sleep, a stop): stopped\n');
    expect(a.entries().find((e) => e.event === 'lease_lost')!.text).toMatch(new RegExp(`^the lease was taken over by [^ ]+:${b.child.pid} \\(watching since ${at(31)}, heartbeat 0 s ago\\) while this watcher stalled: stopping$`));
    // The lease stays the standby's, and so do the jobs.
    expect(s.query('SELECT owner, released_at FROM watch_lease')).toEqual([{ owner: expect.stringMatching(new RegExp(`:${b.child.pid}$`)), released_at: null }]);
    b.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  }, 60_000);

  it('SIGTERM mid-replay: the re-run under way finishes, exit 0 within 10 s, the lease released; the entry is re-run exactly once overall', async () => {
    const s = setUp({ scenario: { rerun: { '*': [{ exit: 0, sleep_ms: 2500 }] } } });
    writeFileSync(
      s.file('runs.json'),
      JSON.stringify([{ run_id: '5001', attempt: 1, repository: 'acme/api', workflow: 'CI', status: 'completed', conclusion: 'failure', created_at: '2025-11-13T23:50:00Z', started_at: '2025-11-13T23:50:05Z', completed_at: '2025-11-13T23:55:00Z' }]),
    );
    const env = { ...s.env, OPS_NOW: T0 };
    expect(opsProcess(['runs', 'import', s.file('runs.json')], { cwd: s.ws, env }).code).toBe(0);
    expect(opsProcess(['retry', 'enqueue', '5001', '--reason', 'flaky'], { cwd: s.ws, env }).code).toBe(0);

    const w = s.watch();
    await until(() => reruns(s.ghLog()) === 1, 10_000, 'the re-run to begin');
    const t = Date.now();
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    expect(Date.now() - t).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(w.entries().map((e) => e.event).filter(Boolean)).toEqual(['started', 'stopping', 'stopped']);
    expect(w.entries().find((e) => e.event === 'stopped')!.text).toMatch(/lease released$/);
    expect(s.query('SELECT released_at FROM watch_lease')[0]!.released_at).toBe(T0);
    // The re-run finished and was recorded before the exit.
    expect(s.query(`SELECT COUNT(*) AS n FROM retry_attempts WHERE finished_at IS NOT NULL`)).toEqual([{ n: 1 }]);
    expect(s.ghLog()).toContain('# ok rerun 5001');

    // A later watcher confirms the recovery: no second re-run.
    writeFileSync(s.file('clock'), at(300));
    const again = s.watch(['--once']);
    expect((await again.exited).code).toBe(0);
    expect(reruns(s.ghLog())).toBe(1);
    expect(s.query(`SELECT state FROM retry_queue`)).toEqual([{ state: 'completed' }]);
  }, 60_000);

  it('never two of the same job: a replay past its timeout is recorded as timed out and not started again until it ends; the ticks missed meanwhile are one run', async () => {
    const jobs = { replay: { everySeconds: 30, timeoutSeconds: 1 } };
    const s = setUp({ schedule: { jobs }, scenario: { rerun: { '*': [{ exit: 0, sleep_ms: 3000 }] } } });
    writeFileSync(s.file('runs.json'), JSON.stringify([{ run_id: '5001', attempt: 1, repository: 'acme/api', workflow: 'CI', status: 'completed', conclusion: 'failure', created_at: '2025-11-13T23:50:00Z' }]));
    const env = { ...s.env, OPS_NOW: T0 };
    expect(opsProcess(['runs', 'import', s.file('runs.json')], { cwd: s.ws, env }).code).toBe(0);
    expect(opsProcess(['retry', 'enqueue', '5001', '--reason', 'flaky'], { cwd: s.ws, env }).code).toBe(0);
    const w = s.watch();
    await until(() => w.entries().some((e) => e.job === 'replay' && e.outcome === 'timeout'), 10_000, 'the replay to time out');
    // Due again twice while the slow re-run goes on: not started.
    writeFileSync(s.file('clock'), at(30));
    await pause(300);
    expect(s.query(`SELECT runs, running_since FROM watch_jobs WHERE job = 'replay'`)).toEqual([{ runs: 1, running_since: T0 }]);
    await s.advance(at(60));
    // The slow run confirmed the recovery itself; the one run at +60 s (not at +30 and +60) found nothing left.
    const replays = w.entries().filter((e) => e.job === 'replay');
    expect(replays.map((e) => [e.at, e.outcome, e.failures, e.error ?? e.summary])).toEqual([
      [T0, 'timeout', 1, 'timed out after 1 s (still running; not started again until it ends)'],
      // Logged although idle: the first success after a failure.
      [at(60), 'ok', 0, 'nothing due'],
    ]);
    expect(s.query(`SELECT runs, running_since, last_started_at, last_outcome, last_summary, failures FROM watch_jobs WHERE job = 'replay'`)).toEqual([
      { runs: 2, running_since: null, last_started_at: at(60), last_outcome: 'ok', last_summary: 'nothing due', failures: 0 },
    ]);
    expect(reruns(s.ghLog())).toBe(1);
    expect(s.query(`SELECT state FROM retry_queue`)).toEqual([{ state: 'completed' }]);
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }, 60_000);

  it('cron in the configured time zone, DST-safe: 02:30 New York on the spring-forward night runs at 03:30 EDT, then at 02:30 EDT', async () => {
    const s = setUp({ config: { timezone: 'America/New_York' }, schedule: { jobs: { report: { cron: '30 2 * * *', jitterSeconds: 0 } } } });
    writeFileSync(s.file('clock'), '2025-03-09T06:00:00Z'); // 01:00 EST; at 02:00 the clocks jump to 03:00 EDT
    const w = s.watch();
    await s.advance('2025-03-09T06:00:00Z');
    const report = () => s.query(`SELECT runs, last_started_at, next_run_at FROM watch_jobs WHERE job = 'report'`)[0];
    expect(report()).toEqual({ runs: 0, last_started_at: null, next_run_at: '2025-03-09T07:30:00Z' });
    await s.advance('2025-03-09T07:29:00Z');
    expect(report()!.runs).toBe(0);
    await s.advance('2025-03-09T07:30:00Z');
    expect(report()).toEqual({ runs: 1, last_started_at: '2025-03-09T07:30:00Z', next_run_at: '2025-03-10T06:30:00Z' });
    // The folder is the configured zone's date.
    expect(w.entries().find((e) => e.job === 'report')?.summary).toMatch(/^2025-03-09: \d+ files, \d+ written$/);
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }, 60_000);

  it('--once runs every job once and exits 0; the killswitch holds replay but never sync; a broken schedule.json is exit 2 naming the field', async () => {
    const s = setUp({ api: { repos: { 'acme/api': { runs: 3, newest: at(-600) } } }, scenario: { rerun: { '*': [{ exit: 0 }] } } });
    const env = { ...s.env, OPS_NOW: T0 };
    writeFileSync(s.file('runs.json'), JSON.stringify([{ run_id: '5001', attempt: 1, repository: 'acme/api', workflow: 'CI', status: 'completed', conclusion: 'failure', created_at: '2025-11-13T23:50:00Z' }]));
    expect(opsProcess(['runs', 'import', s.file('runs.json')], { cwd: s.ws, env }).code).toBe(0);
    expect(opsProcess(['retry', 'enqueue', '5001', '--reason', 'flaky'], { cwd: s.ws, env }).code).toBe(0);
    expect(opsProcess(['killswitch', '--reason', 'INC-7 bad deploy'], { cwd: s.ws, env }).code).toBe(0);
    // Configured after the engagement: its GitHub side is not the subject here.
    writeFileSync(s.file('.ops/config.json'), JSON.stringify({ repos: ['acme/api'] }));

    const once = s.watch(['--once']);
    expect((await once.exited).code).toBe(0);
    const jobs = once.entries().filter((e) => e.type === 'job');
    expect(jobs.map((e) => e.job)).toEqual(['expiry', 'consumers', 'sync', 'detect', 'replay', 'deliver', 'report', 'export']);
    expect(jobs.find((e) => e.job === 'replay')).toMatchObject({ outcome: 'held', summary: 'held: killswitch engaged for all workflows by alice: INC-7 bad deploy' });
    expect(jobs.find((e) => e.job === 'sync')).toMatchObject({ outcome: 'ok', summary: 'acme/api: 3 new, 0 updated, 0 failed, 0 queued (1 request)' });
    expect(reruns(s.ghLog())).toBe(0);
    expect(firstPages(s.ghLog())).toBe(1);
    expect(s.query('SELECT released_at FROM watch_lease')[0]!.released_at).toBe(T0);
    // Human log lines on stderr without --json.
    const human = opsProcess(['watch', '--once'], { cwd: s.ws, env: s.env });
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(new RegExp(`^${T0} replay held 0 ms: held: killswitch engaged for all workflows by alice: INC-7 bad deploy · next 00:00:30Z$`, 'm'));
    expect(human.stderr).toMatch(new RegExp(`^${T0} sync ok \\d+ ms: acme/api: unchanged \\(1 request\\) · next 00:02:00Z$`, 'm'));

    writeFileSync(s.file('.ops/schedule.json'), JSON.stringify({ jobs: { snyc: { everySeconds: 60 } } }));
    expect(opsProcess(['watch', '--once'], { cwd: s.ws, env: s.env })).toMatchObject({ code: 2, stdout: '', stderr: 'ops: .ops/schedule.json: jobs: Unrecognized key: "snyc"\n' });
    writeFileSync(s.file('.ops/schedule.json'), JSON.stringify({ jobs: { report: { cron: '61 * * * *' } } }));
    expect(opsProcess(['watch', '--once'], { cwd: s.ws, env: s.env })).toMatchObject({ code: 2, stderr: 'ops: .ops/schedule.json: jobs.report.cron: not a cron expression: Invalid value for minute: 61\n' });
    const check = opsProcess(['config', 'check'], { cwd: s.ws, env: s.env });
    expect(check.code).toBe(2);
    expect(check.stderr).toBe('ops: .ops/schedule.json: jobs.report.cron: not a cron expression: Invalid value for minute: 61\n');
  }, 60_000);

  it('--once in a GitHub Actions job: a failed job is an ::error annotation on the run page, and exit 1', () => {
    const s = setUp({ config: { repos: ['acme/gone'] }, api: { repos: {} } });
    const r = opsProcess(['watch', '--once'], { cwd: s.ws, env: { ...s.env, OPS_CLOCK_FILE: '', OPS_NOW: T0, GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=ops watch::sync: acme\/gone: \/repos\/acme\/gone\/actions\/runs\?per_page=100: HTTP 404/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error'))).toHaveLength(1);
    expect(r.stderr).toMatch(/ sync FAILED \(1 in a row\)/);
  });

  it('a failing job is an audit event each time, backs off, and after 3 in a row a notification; ops status and the header line show it', async () => {
    // A repository GitHub does not know: every sync fails (HTTP 404).
    const s = setUp({ config: { repos: ['acme/gone'] }, api: { repos: {} } });
    const w = s.watch();
    await s.advance(T0);
    for (let t = 60; t <= 900; t += 60) await s.advance(at(t));
    // Backed off: 0 (fails), +2 min (fails; next in 4 min), +6 min (fails; next in 8 min), +14 min.
    const syncs = w.entries().filter((e) => e.job === 'sync');
    expect(syncs.map((e) => [e.at, e.outcome, e.failures, e.next_run_at])).toEqual([
      [T0, 'failed', 1, at(120)],
      [at(120), 'failed', 2, at(360)],
      [at(360), 'failed', 3, at(840)],
      [at(840), 'failed', 4, at(840 + 900)], // the cap: backoffCapSeconds 900
    ]);
    expect(syncs[0]!.error).toMatch(/^acme\/gone: \/repos\/acme\/gone\/actions\/runs\?per_page=100: HTTP 404/);
    const events = s.query<{ event: string; payload: string }>(`SELECT event, payload FROM audit_events WHERE event LIKE 'watch.%' ORDER BY seq`);
    expect(events.map((e) => e.event)).toEqual(['watch.job_failed', 'watch.job_failed', 'watch.job_failed', 'watch.job_failing', 'watch.job_failed']);
    expect(JSON.parse(events[3]!.payload)).toMatchObject({ job: 'sync', failures: 3, next_run_at: at(840) });
    // The notification: with no channel configured, the notification log.
    const notes = s.query<{ title: string }>(`SELECT title FROM notifications`);
    expect(notes.map((n) => n.title)).toEqual(['ops watch: sync failing (3 runs in a row)']);
    const logFile = join(s.ws, 'docs', 'reports', '2025-11-14', 'logs', 'notification_log_20251114.log');
    expect(readFileSync(logFile, 'utf8')).toContain('ops watch: sync failing (3 runs in a row)');

    const env = { ...s.env, OPS_NOW: at(905) };
    const text = opsProcess(['status'], { cwd: s.ws, env });
    expect(text.stdout).toMatch(/^watch: alive 5 s ago · sync failing \(4×\) · 0 due$/m);
    const md = opsProcess(['status', '--format', 'markdown'], { cwd: s.ws, env });
    expect(md.stdout).toMatch(/^\| watch \| alive 5 s ago · sync failing \(4×\) · 0 due \|$/m);
    const json = JSON.parse(opsProcess(['status', '--json'], { cwd: s.ws, env }).stdout);
    const ws = opsProcess(['watch', 'status'], { cwd: s.ws, env });
    expect(ws.stdout).toMatch(new RegExp(`^watch: running: [^ ]+:${w.child.pid}, since ${T0}, heartbeat 5 s ago \\(lease 30 s\\)\nretries due: 0\n\nJOB +LAST RUN +TOOK +OUTCOME +NEXT RUN +DETAIL\n`));
    expect(ws.stdout).toMatch(/^sync +2025-11-14T00:14:00Z +\d+ ms +failed \(4 in a row\) +2025-11-14T00:29:00Z +acme\/gone: .*HTTP 404/m);
    expect(json.watch).toMatchObject({ state: 'running', heartbeat_age_s: 5, jobs: expect.arrayContaining([expect.objectContaining({ job: 'sync', failures: 4, last_outcome: 'failed' })]) });
    w.child.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(opsProcess(['status'], { cwd: s.ws, env }).stdout).toMatch(/^watch: stopped \d+ s ago · sync failing \(4×\) · 0 due$/m);
  }, 60_000);
});
