import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, NOW, ops, workspaceDir } from './helpers';

const min = (m: number) => new Date(Date.parse(NOW) + m * 60_000).toISOString().replace('.000Z', 'Z');

/** A completed run of `workflow`, as `ops runs list --json` prints it (import takes that shape too). */
function run(id: number, conclusion: string, startedMin: number, o: { workflow?: string; branch?: string; event?: string } = {}) {
  return {
    run_id: String(id),
    attempt: 1,
    repository: 'acme/api',
    workflow: o.workflow ?? 'Deploy',
    event: o.event ?? 'push',
    branch: o.branch ?? 'main',
    status: 'completed',
    conclusion,
    created_at: min(startedMin),
    started_at: min(startedMin),
    completed_at: min(startedMin + 3),
    url: `https://github.com/acme/api/actions/runs/${id}`,
  };
}

function workspace(files: Record<string, unknown> = {}) {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(ws, '.ops', name), JSON.stringify(body));
  const log = join(ws, 'gh.log');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, OPS_WORKSPACE: ws, OPS_GH: FAKE_GH, FAKE_GH_LOG: log, OPS_ACTOR: 'alice' };
  const importRuns = async (runs: object[], now = NOW) => {
    const file = join(ws, `runs-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(runs));
    const r = await ops(['runs', 'import', file], { env: { ...env, OPS_NOW: now } });
    expect(r.code).toBe(0);
    return r;
  };
  const json = async (...args: string[]) => JSON.parse((await ops([...args, '--json'], { env })).stdout);
  return { ws, env, log, importRuns, json };
}

describe('ops detect', () => {
  it('three consecutive failed runs of one workflow, imported one by one: one alert (not three), a rollback proposed, resolved by a success', async () => {
    const w = workspace();
    // Deploy of another repository fails too: a different workflow, not part of the streak.
    await w.importRuns([run(1, 'success', -60), { ...run(2, 'failure', -50), repository: 'acme/web' }]);
    expect((await w.importRuns([run(3, 'failure', -40)])).stderr).toBe('');
    await w.importRuns([run(4, 'cancelled', -35)]); // neither breaks nor extends a streak
    expect((await w.importRuns([run(5, 'failure', -30)])).stderr).toBe('');
    const third = await w.importRuns([run(6, 'timed_out', -20)]);
    expect(third.stderr).toBe('ops: alert: Deploy (acme/api): the last 3 runs failed (6, 5, 3) → Rollback proposed, but there is no snapshot to roll back to (ops snapshot create).\n');
    // A fourth failure, and ops detect, keep the one alert.
    expect((await w.importRuns([run(7, 'failure', -10)])).stderr).toBe('');
    const d = await w.json('detect');
    expect(d.opened).toEqual([]);
    expect(d.open).toHaveLength(1);
    expect(d.open[0]).toMatchObject({ rule: 'consecutive_failures', subject: 'acme/api:Deploy', severity: 'critical', action: 'propose_rollback', opened_at: NOW, summary: 'Deploy (acme/api): the last 3 runs failed (7, 6, 5)' });
    const events = (await w.json('audit', 'log')).map((e: { event: string }) => e.event);
    expect(events.filter((e: string) => e === 'alert.open')).toHaveLength(1);
    // Its notification went out (to the notification log: no channel is configured).
    const notes = await w.json('notify', 'list');
    expect(notes.map((n: { event: string; deliveries: { state: string }[] }) => [n.event, n.deliveries[0]?.state])).toEqual([['alert.open', 'delivered']]);
    expect((await ops(['status'], { env: w.env })).stdout).toMatch(/Open alerts \(1\)\n {2}CRITICAL #1 Deploy \(acme\/api\): the last 3 runs failed \(7, 6, 5\)\n {4}→ Rollback proposed/);

    const fixed = await w.importRuns([run(8, 'success', -5)]);
    expect(fixed.stderr).toBe('ops: alert resolved: Deploy (acme/api): the last 3 runs failed (7, 6, 5)\n');
    expect((await w.json('detect')).open).toEqual([]);
    const day = join(w.ws, 'docs', 'reports', '2025-11-14', 'logs');
    const detectionLog = readFileSync(join(day, 'detection_log_20251114.log'), 'utf8');
    expect(detectionLog).toMatch(/^2025-11-14T00:00:00Z OPEN alert=1 rule=consecutive_failures subject="acme\/api:Deploy" severity=critical action=propose_rollback Deploy \(acme\/api\): the last 3 runs failed \(6, 5, 3\)\n2025-11-14T00:00:00Z RESOLVE alert=1 rule=consecutive_failures subject="acme\/api:Deploy" open since 2025-11-14T00:00:00Z\n$/);
    expect(readFileSync(join(day, 'notification_log_20251114.log'), 'utf8')).toMatch(/CRITICAL alert\.open #1 Alert: Deploy \(acme\/api\): the last 3 runs failed[^\n]*\n.*INFO alert\.resolve #2 Resolved: /);
  });

  it('with action rollback, the third failure rolls the workflows back to the latest snapshot by itself', async () => {
    const w = workspace({ 'detection-rules.json': { consecutiveFailures: { count: 3, action: 'rollback' } } });
    const wf = join(w.ws, '.github', 'workflows');
    mkdirSync(wf, { recursive: true });
    writeFileSync(join(wf, 'deploy.yml'), 'name: Deploy\n# good\n');
    expect((await ops(['snapshot', 'create', '--label', 'good'], { env: w.env })).code).toBe(0);
    writeFileSync(join(wf, 'deploy.yml'), 'name: Deploy\n# broken release\n');
    await w.importRuns([run(1, 'failure', -30), run(2, 'failure', -20)]);
    expect(readFileSync(join(wf, 'deploy.yml'), 'utf8')).toContain('broken');
    const r = await w.importRuns([run(3, 'failure', -10)]);
    expect(r.stderr).toBe('ops: alert: Deploy (acme/api): the last 3 runs failed (3, 2, 1) → rolled back (rollback #1 to snapshot #1)\n');
    expect(readFileSync(join(wf, 'deploy.yml'), 'utf8')).toBe('name: Deploy\n# good\n');
    // Through gh like a person's rollback: the changed workflow is stopped.
    expect(readFileSync(w.log, 'utf8')).toBe('workflow disable deploy.yml\n');
    const audit = await w.json('audit', 'log');
    expect(audit.find((e: { event: string }) => e.event === 'rollback.complete')).toMatchObject({ actor: 'ops-detect', role: 'system' });
    expect((await w.json('notify', 'list')).map((n: { title: string }) => n.title)).toEqual(['Rollback #1 completed', 'Alert: Deploy (acme/api): the last 3 runs failed (3, 2, 1)']);
  });

  it('a retry storm engages the killswitch by itself while the replay runs; ops guard exits 3', async () => {
    const w = workspace({
      'detection-rules.json': { retryStorm: { maxRetries: 3, windowMinutes: 10 } },
      'retry-policy.json': { autoEnqueue: false, budget: { maxRetriesPerWorkflowPerHour: 1000 } },
    });
    // gh answers for runs it does not know (a scenario): the re-runs succeed and show as recovered.
    writeFileSync(join(w.ws, 'scenario.json'), JSON.stringify({ rerun: { '*': [{ exit: 0 }] } }));
    w.env.FAKE_GH_SCENARIO = join(w.ws, 'scenario.json');
    const ids = [9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008];
    await w.importRuns(ids.map((id, i) => ({ ...run(id, 'failure', -50 + i), workflow: `W${i}` })));
    for (const id of ids) expect((await ops(['retry', 'enqueue', String(id), '--reason', 'flaky'], { env: w.env })).code).toBe(0);
    const r = await ops(['retry', 'replay', '--json'], { env: w.env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ops: alert: retry storm: 4 re-runs by ops in the last 10 min (more than 3) → engaged killswitch #1 for all workflows');
    const reruns = readFileSync(w.log, 'utf8').split('\n').filter((l) => l.startsWith('run rerun'));
    expect(reruns).toHaveLength(4); // the fourth tripped it; none began after
    expect(JSON.parse(r.stdout).held).toHaveLength(4);
    const status = await w.json('killswitch', 'status');
    expect(status).toMatchObject({ engaged: true, scope: null, actor: 'ops-detect', reason: 'ops detect: retry storm: 4 re-runs by ops in the last 10 min (more than 3)' });
    // Each recovery, and the engagement, was told (newest first).
    const told = (await w.json('notify', 'list')).map((n: { title: string }) => n.title);
    expect(told.filter((t: string) => !t.startsWith('Recovered: '))).toEqual(['Killswitch ENGAGED: all workflows', 'Alert: retry storm: 4 re-runs by ops in the last 10 min (more than 3)']);
    expect(told.filter((t: string) => /^Recovered: \w+ run 900[1-8]$/.test(t))).toHaveLength(4);
    const guard = await ops(['guard'], { env: w.env });
    expect(guard.code).toBe(3);
    // Released by a person, it stays released while the alert holds: detection does not fight the operator.
    await ops(['killswitch', '--release', '--reason', 'storm understood'], { env: w.env });
    expect((await w.json('detect')).opened).toEqual([]);
    expect((await ops(['guard'], { env: w.env })).code).toBe(0);
  });

  it('a misfire rule stops its workflow when it runs on an unexpected branch', async () => {
    const w = workspace({ 'killswitch-rules.json': { rules: [{ name: 'deploy-from-main-only', condition: 'misfire', scope: 'Deploy', branches: ['main', 'release/*'], events: ['push', 'workflow_dispatch'] }] } });
    await w.importRuns([run(1, 'success', -30), run(2, 'success', -25, { branch: 'release/2025.11' })]);
    expect((await w.json('detect')).open).toEqual([]);
    const r = await w.importRuns([run(3, 'success', -5, { branch: 'feature/x' })]);
    expect(r.stderr).toMatch(/^ops: alert: misfire: 1 run of Deploy on an unexpected branch or event \(e\.g\. run 3: push on feature\/x; rule deploy-from-main-only\) → engaged killswitch #1 for Deploy\n$/);
    expect((await ops(['guard', '--workflow', 'Deploy'], { env: w.env })).code).toBe(3);
    expect((await ops(['guard', '--workflow', 'CI'], { env: w.env })).code).toBe(0);
    // The detection log (its consumer, from alert.open and alert.action): the alert, then what was done.
    const log = readFileSync(join(w.ws, 'docs', 'reports', '2025-11-14', 'logs', 'detection_log_20251114.log'), 'utf8').split('\n').filter(Boolean);
    expect(log).toEqual([
      expect.stringMatching(/^2025-11-14T00:00:00Z OPEN alert=1 rule=deploy-from-main-only subject="Deploy" severity=critical action=killswitch misfire: 1 run of Deploy on an unexpected branch/),
      '2025-11-14T00:00:00Z ACTION alert=1 rule=deploy-from-main-only engaged killswitch #1 for Deploy',
    ]);
    const events = (await w.json('audit', 'log')).map((e: { event: string; payload: unknown }) => [e.event, e.payload]);
    expect(events).toContainEqual(['alert.action', { id: 1, rule: 'deploy-from-main-only', subject: 'Deploy', result: 'engaged killswitch #1 for Deploy' }]);
  });

  it('bad rules are exit 2 naming the file and field; stale runs alert and clear', async () => {
    const bad = workspace({ 'killswitch-rules.json': { rules: [{ name: 'm', condition: 'misfire' }] } });
    const r = await ops(['detect'], { env: bad.env });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('ops: .ops/killswitch-rules.json: rules.0: a misfire rule needs branches or events (what is expected)\n');
    expect(existsSync(join(bad.ws, '.ops', 'ledger.db'))).toBe(false);

    const w = workspace({ 'detection-rules.json': { staleRun: { minutes: 30 } } });
    await w.importRuns([{ ...run(1, 'success', -45), status: 'in_progress', conclusion: null, completed_at: null }]);
    expect((await w.json('detect')).open.map((a: { rule: string; summary: string }) => a.summary)).toEqual([
      'Deploy (acme/api): 1 run queued or running for more than 30 min (oldest: run 1, in_progress since 2025-11-13T23:15:00Z)',
    ]);
    await w.importRuns([run(1, 'success', -45)]);
    expect((await w.json('detect')).open).toEqual([]);
  });
});
