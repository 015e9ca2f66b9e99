import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, OPS_BIN, opsProcess, workspaceDir } from './helpers';

/**
 * The retry log (logs/retry_log_YYYYMMDD.log) as a consumer of the retry.* events (issue
 * 20): every kind of line, byte for byte as the retry commands wrote them before, and each
 * line exactly once after a kill -9 between a step's commit and its line.
 */

const T0 = Date.parse('2025-11-14T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const H503 = { exit: 1, stderr: 'HTTP 503: Service Unavailable (https://api.github.com/repos/acme/api/actions/runs/5001/rerun-failed-jobs)' };
const H422 = { exit: 1, stderr: "HTTP 422: Workflow does not have 'workflow_dispatch' trigger (https://api.github.com/repos/acme/api/actions/workflows/ci.yml/dispatches)" };

function setup(scenario: object, policy: object, runs: [number, string][]) {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify({ autoEnqueue: false, ...policy }));
  writeFileSync(join(ws, '.ops', 'detection-rules.json'), JSON.stringify({ retryStorm: { maxRetries: 1000 } }));
  writeFileSync(join(ws, 'scenario.json'), JSON.stringify(scenario));
  const log = join(ws, 'gh.log');
  const env = { OPS_GH: FAKE_GH, FAKE_GH_LOG: log, FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
  const ops = (s: number, args: string[], failpoint = '') => opsProcess(args, { env: { ...env, OPS_NOW: at(s), OPS_FAILPOINT: failpoint } });
  writeFileSync(
    join(ws, 'runs.json'),
    JSON.stringify(
      runs.map(([id, workflow]) => ({
        run_id: String(id),
        attempt: 1,
        repository: 'acme/api',
        workflow,
        status: 'completed',
        conclusion: 'failure',
        url: `https://github.com/acme/api/actions/runs/${id}`,
        created_at: '2025-11-13T23:50:00Z',
        started_at: '2025-11-13T23:50:05Z',
        completed_at: '2025-11-13T23:55:00Z',
        classification: { http_status: 503, class: 'transient', cause: 'service unavailable', retryable: true, risk: 'low', action: 'retry later' },
      })),
    ),
  );
  expect(ops(0, ['runs', 'import', join(ws, 'runs.json')]).code).toBe(0);
  const reruns = (id: number) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith(`run rerun ${id}`)).length : 0);
  const logLines = () => {
    const dir = join(ws, 'docs', 'reports');
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && d.name.startsWith('retry_log_'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((d) => readFileSync(join(d.parentPath, d.name), 'utf8').split('\n').filter(Boolean));
  };
  return { ws, env, ops, reruns, logLines };
}

/** Every line kind, as ops 0.1 wrote them from the retry commands (durations and the lease owner vary). */
const EXPECTED = String.raw`
2025-11-14T00:00:00Z ENQUEUE entry=1 run=5001 workflow="CI" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="flaky 5001"
2025-11-14T00:00:00Z ENQUEUE entry=2 run=5002 workflow="Deploy" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="flaky 5002"
2025-11-14T00:00:00Z ENQUEUE entry=3 run=5003 workflow="CI" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="flaky 5003"
2025-11-14T00:00:00Z ENQUEUE entry=4 run=5004 workflow="Deploy" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="flaky 5004"
2025-11-14T00:00:00Z ENQUEUE entry=5 run=5005 workflow="CI" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="flaky 5005"
2025-11-14T00:00:01Z CANCEL entry=4 run=5004 workflow="Deploy" attempt=0/3 state=cancelled detail="not needed"
2025-11-14T00:00:02Z RESCHEDULE entry=1 run=5001 workflow="CI" attempt=1/3 state=pending outcome=failed key=retry:5001:1 exit=1 http=503 class=transient duration_ms=N next=2025-11-14T00:00:07Z
2025-11-14T00:00:02Z FAILED entry=2 run=5002 workflow="Deploy" attempt=1/3 state=failed outcome=failed key=retry:5002:1 exit=1 http=422 class=configuration duration_ms=N detail="configuration: workflow_dispatch trigger missing; class configuration is not retried (retry-policy.json retryClasses)"
2025-11-14T00:00:02Z ATTEMPT entry=3 run=5003 workflow="CI" attempt=1/3 state=processing outcome=dispatched key=retry:5003:1 exit=0 duration_ms=N
2025-11-14T00:00:02Z WAITING entry=3 run=5003 workflow="CI" attempt=1/3 state=pending outcome=dispatched key=retry:5003:1 exit=0 duration_ms=N next=2025-11-14T00:00:17Z detail="run 5003 attempt 2 is in_progress"
2025-11-14T00:00:02Z DEFERRED entry=5 run=5005 workflow="CI" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="retry budget of workflow \"CI\" used up (2/h)"
2025-11-14T00:00:20Z HELD entry=5 run=5005 workflow="CI" attempt=0/3 state=pending next=2025-11-14T00:00:00Z detail="killswitch 1 (CI) by alice: stop CI"
2025-11-14T00:00:20Z HELD entry=1 run=5001 workflow="CI" attempt=1/3 state=pending next=2025-11-14T00:00:07Z detail="killswitch 1 (CI) by alice: stop CI"
2025-11-14T00:00:20Z RESCHEDULE entry=3 run=5003 workflow="CI" attempt=1/3 state=pending outcome=rerun_failed key=retry:5003:1 exit=0 duration_ms=N next=2025-11-14T00:00:25Z
2025-11-14T01:06:40Z ATTEMPT entry=5 run=5005 workflow="CI" attempt=1/3 state=processing outcome=dispatched key=retry:5005:1 exit=0 duration_ms=N
2025-11-14T01:06:40Z RECOVERED entry=5 run=5005 workflow="CI" attempt=1/3 state=completed outcome=succeeded key=retry:5005:1 exit=0 duration_ms=N
2025-11-14T01:11:40Z LOST entry=1 run=5001 workflow="CI" attempt=2/3 state=pending outcome=lost key=retry:5001:2 next=2025-11-14T01:11:40Z detail="lease of OWNER expired at 2025-11-14T01:09:40Z while its re-run was under way: outcome unknown"
2025-11-14T01:11:40Z DEFERRED entry=3 run=5003 workflow="CI" attempt=1/3 state=pending next=2025-11-14T00:00:25Z detail="retry budget of workflow \"CI\" used up (2/h)"
2025-11-14T01:11:40Z ATTEMPT entry=1 run=5001 workflow="CI" attempt=3/3 state=processing outcome=dispatched key=retry:5001:3 exit=0 duration_ms=N
2025-11-14T01:11:40Z RECOVERED entry=1 run=5001 workflow="CI" attempt=3/3 state=completed outcome=succeeded key=retry:5001:3 exit=0 duration_ms=N
`.trim().split('\n');

describe('the retry log, written by its consumer from the retry.* events', () => {
  it('ENQUEUE, CANCEL, RESCHEDULE, FAILED, ATTEMPT, WAITING, DEFERRED, HELD, LOST and RECOVERED lines: byte for byte as before', async () => {
    const s = setup(
      {
        rerun: { '5001': [H503, { sleep_ms: 5000 }, { exit: 0 }], '5002': [H422], '*': [{ exit: 0 }] },
        view: { '5003': [{ status: 'in_progress' }, { status: 'completed', conclusion: 'failure' }], '*': [{ status: 'completed', conclusion: 'success' }] },
      },
      { budget: { maxRetriesPerWorkflowPerHour: 2 } },
      [[5001, 'CI'], [5002, 'Deploy'], [5003, 'CI'], [5004, 'Deploy'], [5005, 'CI']],
    );
    for (const id of [5001, 5002, 5003, 5004, 5005]) expect(s.ops(0, ['retry', 'enqueue', String(id), '--reason', `flaky ${id}`]).code).toBe(0);
    expect(s.ops(1, ['retry', 'cancel', '4', '--reason', 'not needed']).code).toBe(0);
    expect(s.ops(2, ['retry', 'replay', '--concurrency', '1']).code).toBe(0); // 5001 503, 5002 422, 5003 still running, 5005 over budget
    expect(s.ops(10, ['killswitch', '--scope', 'CI', '--reason', 'stop CI']).code).toBe(0);
    expect(s.ops(20, ['retry', 'replay', '--concurrency', '1']).code).toBe(3); // CI held; 5003's run concluded failure
    expect(s.ops(30, ['killswitch', '--release', '--scope', 'CI', '--reason', 'go']).code).toBe(0);
    // A replayer killed while 5001's re-run hangs: its lease expires, the next one finds it LOST.
    const child = spawn(process.execPath, [OPS_BIN, 'retry', 'replay', '--concurrency', '1'], { env: { PATH: process.env.PATH, ...s.env, OPS_NOW: at(4000) }, detached: true });
    while (s.reruns(5001) < 2) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(s.ops(4300, ['retry', 'replay', '--concurrency', '1']).code).toBe(0);
    const lines = s.logLines().map((l) => l.replace(/duration_ms=\d+/, 'duration_ms=N').replace(/lease of \S+ expired/, 'lease of OWNER expired'));
    expect(lines).toEqual(EXPECTED);
    // Each line is recorded keyed by its event (ops report writes the file again from there).
    const db = new Database(join(s.ws, '.ops', 'ledger.db'), { readonly: true });
    try {
      const stepped = db.prepare(`SELECT seq FROM audit_events WHERE event LIKE 'retry.%' AND payload LIKE '%"step":%' ORDER BY seq`).pluck().all();
      expect(db.prepare(`SELECT audit_seq FROM evidence_log_lines WHERE kind = 'retry' ORDER BY audit_seq`).pluck().all()).toEqual(stepped);
      expect(db.prepare(`SELECT DISTINCT event FROM audit_events WHERE event IN ('retry.deferred', 'retry.waiting', 'retry.rerun_failed') ORDER BY event`).pluck().all()).toEqual([
        'retry.deferred',
        'retry.rerun_failed',
        'retry.waiting',
      ]);
    } finally {
      db.close();
    }
  }, 60_000);

  it('kill -9 between a step commit and its line, at random, 24 replays: every step has exactly one line', () => {
    const seed = Number(process.env.OPS_TEST_SEED ?? Date.now() % 100_000);
    let x = seed;
    const random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const s = setup({ rerun: { '*': [H503, H503, H503, H503, { exit: 0 }] } }, { maxRetries: 5, budget: { maxRetriesPerWorkflowPerHour: 1000 } }, [[7001, 'CI'], [7002, 'CI'], [7003, 'Deploy'], [7004, 'Deploy']]);
    for (const id of [7001, 7002, 7003, 7004]) expect(s.ops(0, ['retry', 'enqueue', String(id)], random() < 0.5 ? 'consumer.retry-log.after-work' : '').code).not.toBe(1);
    const points = ['before', 'after-work', 'after-commit'].map((p) => `consumer.retry-log.${p}`);
    let killed = 0;
    for (let i = 1; i <= 24; i++) {
      const point = random() < 0.1 ? '' : `${points[Math.floor(random() * points.length)]}@${1 + Math.floor(random() * 2)}`;
      // Ten minutes apart: a killed replayer's leases have expired by the next one.
      const r = s.ops(600 * i, ['retry', 'replay', '--concurrency', '1'], point);
      if (r.code === -1) killed++;
      else expect(r.code, `seed ${seed}, replay ${i}, ${point}`).toBe(0);
    }
    expect(killed, `seed ${seed}`).toBeGreaterThan(4);
    expect(s.ops(600 * 25, ['retry', 'list']).code).toBe(0); // any process catches up
    const db = new Database(join(s.ws, '.ops', 'ledger.db'), { readonly: true });
    let stepped: number[];
    try {
      stepped = db.prepare(`SELECT seq FROM audit_events WHERE event LIKE 'retry.%' AND payload LIKE '%"step":%' ORDER BY seq`).pluck().all() as number[];
      expect(db.prepare(`SELECT audit_seq FROM evidence_log_lines WHERE kind = 'retry' ORDER BY audit_seq`).pluck().all(), `seed ${seed}`).toEqual(stepped);
      expect(db.prepare(`SELECT COUNT(*) FROM retry_queue WHERE state = 'completed'`).pluck().get(), `seed ${seed}`).toBe(4);
    } finally {
      db.close();
    }
    const lines = s.logLines();
    expect(lines, `seed ${seed}`).toHaveLength(stepped.length);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.filter((l) => l.split(' ')[1] === 'RECOVERED')).toHaveLength(4);
  }, 180_000);
});
