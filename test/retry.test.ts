import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { engage } from '../src/actions/killswitch';
import { FAKE_GH, OPS_BIN, dumpLedger, ops, opsProcess, workspaceDir } from './helpers';

/**
 * The retry engine end to end: real ledger, real fake-gh child processes driven by
 * scenario files, the pinned clock stepped with OPS_NOW.
 */

const T0 = '2025-11-14T00:00:00Z';
const at = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString().replace('.000Z', 'Z');

interface Setup {
  ws: string;
  log: string;
  env: NodeJS.ProcessEnv;
}

/** A workspace whose runs are known to the ledger, a fake gh with the given scenario, and its call log. */
async function setup(scenario: object, runIds: number[] = [5001], config?: object): Promise<Setup> {
  const ws = workspaceDir();
  const log = join(ws, 'gh.log');
  writeFileSync(join(ws, 'scenario.json'), JSON.stringify(scenario));
  mkdirSync(join(ws, '.ops'), { recursive: true });
  if (config) writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify(config));
  // Import would queue these failures itself; the tests queue them by hand, one entry each.
  writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify({ autoEnqueue: false, budget: { maxRetriesPerWorkflowPerHour: 1000 } }));
  // Hundreds of re-runs on purpose: not a retry storm for detection to stop (test/detect.test.ts has those).
  writeFileSync(join(ws, '.ops', 'detection-rules.json'), JSON.stringify({ retryStorm: { maxRetries: 1000 } }));
  const env = { PATH: process.env.PATH, OPS_GH: FAKE_GH, FAKE_GH_LOG: log, FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
  // As collect records them: a 503 in the job's log, classified transient.
  const runs = runIds.map((id) => ({
    run_id: String(id),
    attempt: 1,
    repository: 'acme/api',
    workflow: id % 2 ? 'CI' : 'Deploy',
    status: 'completed',
    conclusion: 'failure',
    url: `https://github.com/acme/api/actions/runs/${id}`,
    created_at: '2025-11-13T23:50:00Z',
    started_at: '2025-11-13T23:50:05Z',
    completed_at: '2025-11-13T23:55:00Z',
    classification: { http_status: 503, class: 'transient', cause: 'service unavailable', retryable: true, risk: 'low', action: 'check https://www.githubstatus.com and retry later' },
  }));
  writeFileSync(join(ws, 'runs.json'), JSON.stringify(runs));
  expect((await ops(['runs', 'import', join(ws, 'runs.json')], { env })).code).toBe(0);
  for (const id of runIds) expect((await ops(['retry', 'enqueue', String(id), '--reason', 'flaky'], { env })).code).toBe(0);
  return { ws, log, env };
}

const calls = (s: Setup, what: 'rerun' | 'view', id?: number) =>
  existsSync(s.log) ? readFileSync(s.log, 'utf8').split('\n').filter((l) => l.startsWith(`run ${what} ${id ?? ''}`)).length : 0;

const replayAt = (s: Setup, now: string, ...args: string[]) => ops(['retry', 'replay', ...args], { env: { ...s.env, OPS_NOW: now } });

async function entry(s: Setup, id = 1) {
  const list = JSON.parse((await ops(['retry', 'list', '--json'], { env: s.env })).stdout) as { id: number }[];
  return list.find((e) => e.id === id) as unknown as Record<string, unknown> & { classification: Record<string, unknown> };
}

const HTTP503 = { exit: 1, stderr: 'HTTP 503: Service Unavailable (https://api.github.com/repos/acme/api/actions/runs/5001/rerun-failed-jobs)' };

describe('ops retry replay with a fake gh', () => {
  it('503 twice then success: retries at +5 s and +10 s, then completed and recovered', async () => {
    const s = await setup({ rerun: { '*': [HTTP503, HTTP503, { exit: 0 }] } });

    const first = await replayAt(s, T0);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('#1 run 5001 (CI) attempt 1/3: failed (exit 1, HTTP 503, transient');
    expect(first.stdout).toContain('next attempt in 5s at 2025-11-14T00:00:05Z');
    expect(await entry(s)).toMatchObject({ state: 'pending', attempt: 1, max_attempts: 3, next_attempt_at: at(T0, 5), last_http_status: 503 });

    // Not yet due: nothing runs.
    expect((await replayAt(s, at(T0, 4))).stdout).toBe('replay: nothing due\n');
    expect(calls(s, 'rerun')).toBe(1);

    const second = await replayAt(s, at(T0, 5));
    expect(second.stdout).toContain('next attempt in 10s at 2025-11-14T00:00:15Z');
    expect(await entry(s)).toMatchObject({ state: 'pending', attempt: 2, next_attempt_at: at(T0, 15) });

    const third = await replayAt(s, at(T0, 15), '--json');
    expect(third.code).toBe(0);
    const report = JSON.parse(third.stdout);
    expect(report.results).toEqual([expect.objectContaining({ id: 1, result: 'completed', state: 'completed', attempt: 3 })]);
    expect(await entry(s)).toMatchObject({ state: 'completed', recovered_at: at(T0, 15), recovery_ms: 5 * 60_000 + 15_000 });
    expect(calls(s, 'rerun', 5001)).toBe(3);

    // The run's new attempt is in the ledger: the run shows success.
    const run = JSON.parse((await ops(['runs', 'show', '5001', '--json'], { env: s.env })).stdout);
    expect(run).toMatchObject({ run_id: '5001', attempt: 2, conclusion: 'success' });

    const history = JSON.parse((await ops(['retry', 'history', '5001', '--json'], { env: s.env })).stdout);
    expect(history.map((a: Record<string, unknown>) => [a.attempt, a.started_at, a.outcome, a.http_status, a.idempotency_key])).toEqual([
      [1, T0, 'failed', 503, 'retry:5001:1'],
      [2, at(T0, 5), 'failed', 503, 'retry:5001:2'],
      [3, at(T0, 15), 'succeeded', null, 'retry:5001:3'],
    ]);

    // Evidence: the day's retry log and manifest (regenerating gives the same bytes).
    const day = join(s.ws, 'docs', 'reports', '2025-11-14');
    const logLines = readFileSync(join(day, 'logs', 'retry_log_20251114.log'), 'utf8').trim().split('\n');
    expect(logLines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      `${T0} ENQUEUE`,
      `${T0} RESCHEDULE`,
      `${at(T0, 5)} RESCHEDULE`,
      `${at(T0, 15)} ATTEMPT`,
      `${at(T0, 15)} RECOVERED`,
    ]);
    const manifest = JSON.parse(readFileSync(join(day, 'AUTO_RETRY_MANIFEST.json'), 'utf8'));
    expect(manifest).toMatchObject({ date: '2025-11-14', timezone: 'Asia/Tokyo', totals: { entries: 1, attempts: 3, recovered: 1, failed: 0 } });
    expect(manifest.entries[0].attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(readFileSync(join(day, '_evidence_index.md'), 'utf8')).toContain('AUTO_RETRY_MANIFEST.json');

    // Every step is in the audit log, and the chain holds.
    const audit = JSON.parse((await ops(['audit', 'log', '--json'], { env: s.env })).stdout).map((e: { event: string }) => e.event);
    expect(audit).toEqual(['retry.recovered', 'retry.attempt', 'retry.attempt', 'retry.attempt', 'retry.enqueue', 'runs.import']);
    expect((await ops(['audit', 'verify'], { env: s.env })).code).toBe(0);
  });

  it('422 (no workflow_dispatch trigger): never retried, failed as configuration with the recommended action', async () => {
    const s = await setup({ rerun: { '*': [{ exit: 1, stderr: "HTTP 422: Workflow does not have 'workflow_dispatch' trigger (https://api.github.com/repos/acme/api/actions/workflows/ci.yml/dispatches)" }] } });
    const r = await replayAt(s, T0);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/#1 run 5001 \(CI\) attempt 1\/3: FAILED \(exit 1, HTTP 422, configuration, \d+ms\): configuration: .*not retried/);
    expect(r.stdout).toMatch(/action: .*workflow_dispatch/);
    expect(await entry(s)).toMatchObject({ state: 'failed', attempt: 1, last_http_status: 422, classification: { class: 'configuration', retryable: false } });
    expect((await replayAt(s, at(T0, 3600))).stdout).toBe('replay: nothing due\n');
    expect(calls(s, 'rerun')).toBe(1);
    const audit = JSON.parse((await ops(['audit', 'log', '--json', '--limit', '1'], { env: s.env })).stdout);
    expect(audit[0]).toMatchObject({ event: 'retry.failed', run_id: '5001' });
  });

  it('403 "Resource not accessible by integration": permission, not retried', async () => {
    const s = await setup({ rerun: { '*': [{ exit: 1, stderr: 'HTTP 403: Resource not accessible by integration (https://api.github.com/repos/acme/api/actions/runs/5001/rerun-failed-jobs)' }] } });
    await replayAt(s, T0);
    expect(await entry(s)).toMatchObject({ state: 'failed', attempt: 1, last_http_status: 403, classification: { class: 'permission', risk: 'high' } });
    expect(calls(s, 'rerun')).toBe(1);
  });

  it('403 "secondary rate limit": retried after the stated wait, not the 5 s backoff', async () => {
    const s = await setup({
      rerun: {
        '*': [
          { exit: 1, stderr: 'HTTP 403: You have exceeded a secondary rate limit. Please wait a few minutes before you try again. (https://api.github.com/repos/acme/api/actions/runs/5001/rerun-failed-jobs)\nRetry-After: 60' },
          { exit: 0 },
        ],
      },
    });
    const r = await replayAt(s, T0);
    expect(r.stdout).toContain('rate_limit');
    expect(await entry(s)).toMatchObject({ state: 'pending', attempt: 1, next_attempt_at: at(T0, 60), classification: { class: 'rate_limit' } });
    expect((await replayAt(s, at(T0, 59))).stdout).toBe('replay: nothing due\n');
    await replayAt(s, at(T0, 60));
    expect(await entry(s)).toMatchObject({ state: 'completed', attempt: 2 });
  });

  it('429 with x-ratelimit-reset: waits until the reset time', async () => {
    const reset = Date.parse(T0) / 1000 + 120;
    const s = await setup({ rerun: { '*': [{ exit: 1, stderr: `HTTP 429: API rate limit exceeded for installation ID 1234.\nx-ratelimit-remaining: 0\nx-ratelimit-reset: ${reset}` }, { exit: 0 }] } });
    await replayAt(s, T0);
    expect(await entry(s)).toMatchObject({ state: 'pending', next_attempt_at: at(T0, 120), last_http_status: 429, classification: { class: 'rate_limit', reset_at: at(T0, 120) } });
  });

  it('waits in-process for the re-run to finish when recovery.waitSeconds allows, checking every pollSeconds', async () => {
    const s = await setup({ view: { '*': [{ status: 'in_progress' }, { status: 'completed', conclusion: 'success' }] } }, [5001], { recovery: { pollSeconds: 1, waitSeconds: 5 } });
    const r = await replayAt(s, T0);
    expect(r.stdout).toContain('#1 run 5001 (CI) attempt 1/3: recovered');
    expect(calls(s, 'view')).toBe(2);
  });

  it('without waiting, the entry is parked and a later replay confirms the recovery', async () => {
    const s = await setup({ view: { '*': [{ status: 'in_progress' }, { status: 'completed', conclusion: 'success' }] } });
    const first = await replayAt(s, T0);
    expect(first.stdout).toContain('re-run dispatched, waiting for its result');
    expect(await entry(s)).toMatchObject({ state: 'pending', phase: 'verify', next_attempt_at: at(T0, 15) });
    expect((await ops(['retry', 'list'], { env: s.env })).stdout).toMatch(/verifying\s+5001/);
    await replayAt(s, at(T0, 15));
    expect(await entry(s)).toMatchObject({ state: 'completed', attempt: 1 });
    expect(calls(s, 'rerun')).toBe(1);
  });

  it('a hang: killed at the timeout, transient; the run is checked before it is re-run', async () => {
    const s = await setup({ rerun: { '*': [{ sleep_ms: 30_000 }, { exit: 0 }] } }, [5001], { ghTimeoutSeconds: 1 });
    const started = Date.now();
    const r = await replayAt(s, T0, '--json');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ result: 'rescheduled', class: 'transient', exit_code: null });
    expect(await entry(s)).toMatchObject({ state: 'pending', phase: 'verify', attempt: 1, classification: { class: 'transient', cause: 'timed out after 1 s' } });
    const history = JSON.parse((await ops(['retry', 'history', '--json'], { env: s.env })).stdout);
    expect(history[0]).toMatchObject({ outcome: 'timeout', idempotency_key: 'retry:5001:1' });

    // The killed re-run never reached GitHub: the run shows no new attempt, so it is re-run.
    await replayAt(s, at(T0, 5));
    expect(await entry(s)).toMatchObject({ state: 'completed', attempt: 2 });
    expect(calls(s, 'view', 5001)).toBe(2);
    expect(calls(s, 'rerun', 5001)).toBe(2);
  });

  it('--dry-run prints what would run and changes nothing', async () => {
    const s = await setup({ rerun: { '*': [{ exit: 0 }] } }, [5001, 5002]);
    const before = dumpLedger(join(s.ws, '.ops', 'ledger.db'));
    const r = await replayAt(s, T0, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `#1 run 5001 (CI): would run attempt 1/3: ${FAKE_GH} run rerun 5001 --failed\n` +
        `#2 run 5002 (Deploy): would run attempt 1/3: ${FAKE_GH} run rerun 5002 --failed\n` +
        'dry run: 2 due; nothing was changed\n',
    );
    expect(dumpLedger(join(s.ws, '.ops', 'ledger.db'))).toBe(before);
    expect(calls(s, 'rerun')).toBe(0);
  });

  it('a gh that cannot be started: exit 1 naming it; the entry is untouched and nothing is recorded as attempted', async () => {
    const s = await setup({});
    const r = await ops(['retry', 'replay'], { env: { ...s.env, OPS_GH: join(s.ws, 'no-such-gh') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ops: retry replay: cannot run ".*no-such-gh": not found \(set OPS_GH/);
    expect(await entry(s)).toMatchObject({ state: 'pending', attempt: 0, lease_owner: null });
    expect(JSON.parse((await ops(['retry', 'history', '--json'], { env: s.env })).stdout)).toEqual([]);
  });

  it('a re-run whose new attempt fails again is retried with backoff, then fails for good after max attempts', async () => {
    const s = await setup({ view: { '*': [{ conclusion: 'failure' }] } });
    await ops(['retry', 'cancel', '1', '--reason', 'x'], { env: s.env }); // a cancelled entry is never replayed
    expect((await replayAt(s, T0)).stdout).toBe('replay: nothing due\n');
    // Queued again by hand: a fresh allowance of attempts.
    expect((await ops(['retry', 'enqueue', '5001', '--reason', 'again'], { env: s.env })).stdout).toMatch(/^queued again retry #1/);
    await replayAt(s, T0);
    expect(await entry(s)).toMatchObject({ state: 'pending', attempt: 1, next_attempt_at: at(T0, 5), last_error: 'run attempt 2 concluded failure' });
    await replayAt(s, at(T0, 5));
    const last = await replayAt(s, at(T0, 15));
    expect(last.stdout).toContain('FAILED');
    expect(await entry(s)).toMatchObject({ state: 'failed', attempt: 3 });
    expect(calls(s, 'rerun')).toBe(3);
  });
});

describe('leases', () => {
  it('two replayers (--concurrency 4 each) over 100 due entries: each entry re-run exactly once', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => 6001 + i);
    const s = await setup({ rerun: { '*': [{ exit: 0 }] } }, ids);
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [OPS_BIN, 'retry', 'replay', '--concurrency', '4', '--json'], { env: { ...s.env, OPS_NOW: T0 } });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const handled = JSON.parse(a.out).handled + JSON.parse(b.out).handled;
    expect(handled).toBe(100);
    const lines = readFileSync(s.log, 'utf8').split('\n').filter((l) => l.startsWith('run rerun '));
    expect(lines).toHaveLength(100);
    expect(new Set(lines).size).toBe(100);
    const db = new Database(join(s.ws, '.ops', 'ledger.db'), { readonly: true });
    expect(db.prepare(`SELECT state, COUNT(*) AS n FROM retry_queue GROUP BY state`).all()).toEqual([{ state: 'completed', n: 100 }]);
    expect(db.prepare('SELECT COUNT(DISTINCT idempotency_key) FROM retry_attempts').pluck().get()).toBe(100);
    db.close();
  }, 60_000);

  it('killswitch engaged while 50 entries replay: no re-run begins after the engagement commits; the rest are held (exit 3)', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => 7001 + i);
    const s = await setup({ rerun: { '*': [{ exit: 0, sleep_ms: 150 }] } }, ids);
    const child = spawn(process.execPath, [OPS_BIN, 'retry', 'replay', '--concurrency', '2', '--json'], { env: { ...s.env, OPS_NOW: T0 } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (calls(s, 'rerun') < 4) await new Promise((r) => setTimeout(r, 20));

    // Engage exactly as `ops killswitch` does, reading in the same transaction how many re-runs had begun.
    const db = new Database(join(s.ws, '.ops', 'ledger.db'));
    db.pragma('busy_timeout = 5000');
    const begunBefore = db
      .transaction(() => {
        engage(db, { scope: '*', reason: 'stop the storm', now: T0, actor: { name: 'alice', role: 'operator' }, idempotencyTtlSeconds: 60 });
        return db.prepare('SELECT COUNT(*) FROM retry_attempts').pluck().get() as number;
      })
      .immediate();
    expect(await exited).toBe(3);
    const report = JSON.parse(out);
    expect(db.prepare('SELECT COUNT(*) FROM retry_attempts').pluck().get()).toBe(begunBefore);
    expect(calls(s, 'rerun')).toBe(begunBefore);
    expect(begunBefore).toBeLessThan(50);
    expect(report.held.length).toBe(50 - begunBefore);
    expect(db.prepare(`SELECT COUNT(*) FROM retry_queue WHERE state = 'pending' AND held_by = 1`).pluck().get()).toBe(50 - begunBefore);
    db.close();

    // Under the killswitch a replay exits 3 at once; after release the held entries run.
    expect((await replayAt(s, at(T0, 1))).code).toBe(3);
    expect(calls(s, 'rerun')).toBe(begunBefore);
    await ops(['killswitch', '--release', '--reason', 'storm over'], { env: s.env });
    const after = await replayAt(s, at(T0, 2), '--json', '--concurrency', '8');
    expect(after.code).toBe(0);
    expect(calls(s, 'rerun')).toBe(50);
  }, 60_000);

  it("a crashed replayer's lease expires; the next one checks the run, then re-runs under a new key", async () => {
    const s = await setup({ rerun: { '*': [{ sleep_ms: 5_000 }, { exit: 0 }] } });
    const child = spawn(process.execPath, [OPS_BIN, 'retry', 'replay'], { env: { ...s.env, OPS_NOW: T0 }, detached: true });
    while (calls(s, 'rerun') < 1) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL'); // the replayer and its gh, as a crashed machine would
    await new Promise((r) => child.on('close', r));
    expect(await entry(s)).toMatchObject({ state: 'processing', attempt: 1 });

    // Before the lease expires nobody touches it.
    expect((await replayAt(s, at(T0, 60))).stdout).toBe('replay: nothing due\n');
    const r = await replayAt(s, at(T0, 200));
    expect(r.stdout).toContain('lease of');
    expect(await entry(s)).toMatchObject({ state: 'completed', attempt: 2 });
    const history = JSON.parse((await ops(['retry', 'history', '--json'], { env: s.env })).stdout);
    expect(history.map((a: { outcome: string; idempotency_key: string }) => [a.outcome, a.idempotency_key])).toEqual([
      ['lost', 'retry:5001:1'],
      ['succeeded', 'retry:5001:2'],
    ]);
    expect(calls(s, 'rerun')).toBe(2);
  }, 30_000);

  it('when the lost re-run did reach GitHub, the next replayer sees the new attempt and does not re-run', async () => {
    const s = await setup({ rerun: { '*': [{ sleep_ms: 5_000 }] } });
    const child = spawn(process.execPath, [OPS_BIN, 'retry', 'replay'], { env: { ...s.env, OPS_NOW: T0 }, detached: true });
    while (calls(s, 'rerun') < 1) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    appendFileSync(s.log, '# ok rerun 5001\n'); // GitHub did get it
    await replayAt(s, at(T0, 200));
    expect(await entry(s)).toMatchObject({ state: 'completed', attempt: 1 });
    expect(calls(s, 'rerun')).toBe(1);
    const history = JSON.parse((await ops(['retry', 'history', '--json'], { env: s.env })).stdout);
    expect(history).toEqual([expect.objectContaining({ outcome: 'succeeded', run_attempt: 2, idempotency_key: 'retry:5001:1' })]);
  }, 30_000);
});

describe('the queue', () => {
  it('collect of a failed run with a 503 in its log queues it once; a 422 is not queued', async () => {
    const ws = workspaceDir();
    writeFileSync(join(ws, 'job.log'), 'Run gh api ...\nHTTP 503: Service Unavailable (https://api.github.com/repos/acme/api)\n');
    const env = { OPS_WORKSPACE: ws, GITHUB_RUN_ID: '8001', GITHUB_RUN_ATTEMPT: '1', GITHUB_WORKFLOW: 'CI', GITHUB_REPOSITORY: 'acme/api', GITHUB_SERVER_URL: 'https://github.com' };
    const collect = (more: NodeJS.ProcessEnv = {}) => ops(['evidence', 'collect', '--logs', 'job.log', '--conclusion', 'failure', '--json'], { cwd: ws, env: { ...env, ...more } });
    const first = await collect();
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout).enqueued).toMatchObject({ id: 1, run_id: '8001', state: 'pending', origin: 'auto', class: 'transient', max_attempts: 3 });
    await collect();
    expect(JSON.parse((await ops(['retry', 'list', '--json'], { env })).stdout)).toHaveLength(1);

    writeFileSync(join(ws, 'job.log'), "HTTP 422: Workflow does not have 'workflow_dispatch' trigger\n");
    const other = await collect({ GITHUB_RUN_ID: '8002' });
    expect(JSON.parse(other.stdout).enqueued).toBeNull();
  });

  it('import queues only recent failures the policy retries', async () => {
    const ws = workspaceDir();
    const rec = (id: number, conclusion: string, createdAt: string, classification: object | null) => ({
      run_id: String(id),
      attempt: 1,
      repository: 'acme/api',
      workflow: 'CI',
      status: 'completed',
      conclusion,
      started_at: createdAt,
      completed_at: at(createdAt, 60),
      created_at: createdAt,
      classification,
    });
    const transient = { http_status: 503, class: 'transient', cause: 'service unavailable', retryable: true, risk: 'low', action: 'retry later' };
    const runs = [
      rec(1, 'failure', '2025-11-13T23:00:00Z', transient), // recent, transient: queued
      rec(2, 'failure', '2025-11-10T23:00:00Z', transient), // four days old: history
      rec(3, 'failure', '2025-11-13T23:00:00Z', null), // no error text: unknown, not retried by default
      rec(4, 'success', '2025-11-13T23:00:00Z', null),
    ];
    writeFileSync(join(ws, 'runs.json'), JSON.stringify(runs));
    const r = await ops(['runs', 'import', 'runs.json', '--json'], { cwd: ws, env: { OPS_WORKSPACE: ws } });
    expect(JSON.parse(r.stdout)).toMatchObject({ inserted: 4, enqueued: 1 });
    expect(JSON.parse((await ops(['retry', 'list', '--json'], { env: { OPS_WORKSPACE: ws } })).stdout).map((e: { run_id: string }) => e.run_id)).toEqual(['1']);
    // Importing again queues nothing more.
    expect(JSON.parse((await ops(['runs', 'import', 'runs.json', '--json'], { cwd: ws, env: { OPS_WORKSPACE: ws } })).stdout).enqueued).toBe(0);
  });

  it('enqueue refuses what cannot be retried, with one line and exit 2', async () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws };
    await ops(['init'], { env });
    expect(await ops(['retry', 'enqueue', '999'], { env })).toMatchObject({ code: 2, stderr: 'ops: run 999: not in the ledger: import it (ops runs import) or collect it (ops evidence collect) first\n' });
    writeFileSync(join(ws, 'ok.json'), JSON.stringify({ run_id: '5', attempt: 1, repository: 'acme/api', workflow: 'CI', status: 'completed', conclusion: 'success' }));
    await ops(['runs', 'import', join(ws, 'ok.json')], { env });
    expect(await ops(['retry', 'enqueue', '5'], { env })).toMatchObject({ code: 2, stderr: 'ops: run 5: attempt 1 concluded success: nothing to retry\n' });
    expect((await ops(['retry', 'cancel', '7', '--reason', 'x'], { env })).stderr).toBe('ops: retry 7: no such entry (see ops retry list)\n');
    expect((await ops(['retry', 'cancel', '7'], { env })).stderr).toMatch(/^ops: --reason: required/);
  });

  it('ops guard enforces the retry budget from ops retries (exit 4)', async () => {
    const ids = Array.from({ length: 3 }, (_, i) => 9001 + i * 2); // odd ids: workflow CI
    const s = await setup({ view: { '*': [{ conclusion: 'failure' }] } }, ids);
    writeFileSync(join(s.ws, '.ops', 'retry-policy.json'), JSON.stringify({ autoEnqueue: false, budget: { maxRetriesPerWorkflowPerHour: 2 } }));
    const r = await replayAt(s, T0, '--json');
    // Two re-runs fit the budget; the third entry waits for the hour to free up.
    expect(JSON.parse(r.stdout).deferred).toHaveLength(1);
    expect(calls(s, 'rerun')).toBe(2);
    expect((await ops(['guard', '--workflow', 'CI'], { env: s.env })).code).toBe(0);
    // A third re-run (here by hand, through the same engine) takes it over budget.
    await ops(['retry', 'enqueue', '9001', '--reason', 'again'], { env: s.env }).catch(() => undefined);
    const db = new Database(join(s.ws, '.ops', 'ledger.db'));
    db.prepare(`INSERT INTO retry_attempts (entry_id, run_id, workflow, attempt, idempotency_key, owner, command, started_at, outcome) VALUES (1, '9001', 'CI', 9, 'retry:9001:9', 'x', '[]', ?, 'failed')`).run(T0);
    db.close();
    const g = await ops(['guard', '--workflow', 'CI'], { env: s.env });
    expect(g.code).toBe(4);
    expect(g.stderr).toContain('retry budget exceeded: 3 re-runs of workflow "CI" in the last hour, budget 2');
  });

  it('engaging the killswitch says how many queued retries it holds; a scoped one holds only its workflow', async () => {
    const s = await setup({ rerun: { '*': [{ exit: 0 }] } }, [5001, 5002]);
    const on = await ops(['killswitch', '--scope', 'Deploy', '--reason', 'bad deploy'], { env: s.env });
    expect(on.stdout).toContain('1 queued retry held');
    const dry = await replayAt(s, T0, '--dry-run');
    expect(dry.code).toBe(3);
    expect(dry.stdout).toContain('#2 run 5002 (Deploy): held: killswitch engaged (Deploy) by alice: bad deploy');
    const r = await replayAt(s, T0, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ handled: 1, held: [{ id: 2, workflow: 'Deploy', scope: 'Deploy', reason: 'bad deploy' }] });
    expect(calls(s, 'rerun', 5001)).toBe(1);
    expect(calls(s, 'rerun', 5002)).toBe(0);
    expect((await ops(['retry', 'list'], { env: s.env })).stdout).toMatch(/ 2 {2}held /);
    await ops(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'fixed'], { env: s.env });
    expect(await entry(s, 2)).toMatchObject({ state: 'pending', held_by_killswitch: null });
    expect((await replayAt(s, at(T0, 1))).code).toBe(0);
    expect(calls(s, 'rerun', 5002)).toBe(1);
  });

  it('ops status shows the queue: counts by state, due, held, next due', async () => {
    const s = await setup({ rerun: { '*': [HTTP503] } }, [5001, 5002, 5003]);
    await ops(['retry', 'cancel', '3', '--reason', 'duplicate'], { env: s.env });
    await replayAt(s, T0, '--max', '1'); // #1 fails with a 503: next in 5 s
    const json = JSON.parse((await ops(['status', '--json'], { env: s.env })).stdout);
    expect(json.retry_queue).toEqual({
      by_state: { pending: 2, processing: 0, completed: 0, failed: 0, cancelled: 1 },
      due: 1,
      next_due_at: T0,
      held: 0,
    });
    const text = (await ops(['status'], { env: { ...s.env, OPS_NOW: at(T0, 1) } })).stdout;
    expect(text).toContain('Retry queue: 2 pending (1 due), 0 running, 0 failed, 0 recovered, 1 cancelled; next due (2025-11-14T00:00:00Z)');
  });

  it('runs in a real process: ops retry list in a shell', () => {
    const ws = workspaceDir();
    const r = opsProcess(['retry', 'list', '--workspace', ws]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'the retry queue is empty\n' });
  });
});
