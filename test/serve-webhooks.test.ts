import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dumpLedger, opsProcess, workspaceDir } from './helpers';
import { createKey, settled, sse, startServe } from './serve-helpers';
import { join } from 'node:path';

/** A workflow_run delivery as GitHub sends it (the REST run object under workflow_run). */
function workflowRun(id: number, o: { action?: string; status?: string; conclusion?: string | null; name?: string } = {}) {
  const status = o.status ?? 'completed';
  return {
    action: o.action ?? (status === 'completed' ? 'completed' : status === 'queued' ? 'requested' : 'in_progress'),
    workflow_run: {
      id,
      name: o.name ?? 'CI',
      display_title: `commit ${id}`,
      run_number: id % 1000,
      run_attempt: 1,
      event: 'push',
      status,
      conclusion: status === 'completed' ? (o.conclusion === undefined ? 'success' : o.conclusion) : null,
      head_branch: 'main',
      head_sha: 'a'.repeat(40),
      html_url: `https://github.com/acme/web/actions/runs/${id}`,
      created_at: '2025-11-13T23:00:00Z',
      run_started_at: '2025-11-13T23:00:05Z',
      updated_at: '2025-11-13T23:05:00Z',
      actor: { login: 'dev1' },
      triggering_actor: { login: 'dev1' },
      repository: { id: 1, full_name: 'acme/web' },
    },
    repository: { id: 1, full_name: 'acme/web' },
    sender: { login: 'dev1' },
  };
}

function setup() {
  const ws = workspaceDir('ops-hook-');
  const secret = randomBytes(24).toString('hex');
  return { ws, secret, env: { OPS_WEBHOOK_SECRET: secret } };
}

async function deliver(url: string, secret: string | null, event: string, payload: unknown, delivery: string = randomUUID(), signWith = secret) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery };
  if (signWith !== null) headers['x-hub-signature-256'] = 'sha256=' + createHmac('sha256', signWith).update(body).digest('hex');
  const res = await fetch(`${url}/webhooks/github`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null, headers: res.headers };
}

const runsOf = (ws: string) => JSON.parse(opsProcess(['runs', 'list', '--json', '--limit', '1000', '--workspace', ws]).stdout) as { run_id: string; status: string; conclusion: string | null; workflow: string; repository: string }[];

describe('ops serve: GitHub webhooks', () => {
  it('a signed workflow_run creates the run; the same delivery again gets 202, the first outcome, and changes nothing', async () => {
    const { ws, secret, env } = setup();
    const s = await startServe(ws, env);
    const first = await deliver(s.url, secret, 'workflow_run', workflowRun(5001, { conclusion: 'failure' }), 'd-1');
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ event: 'workflow_run', action: 'completed', run_id: '5001', result: 'imported', import: { inserted: 1 } });
    expect(runsOf(ws)).toEqual([expect.objectContaining({ run_id: '5001', repository: 'acme/web', workflow: 'CI', status: 'completed', conclusion: 'failure', actor: 'dev1' })]);
    // The same run as `ops runs import` makes of gh's record of it.
    const other = workspaceDir('ops-hook-cli-');
    const r = workflowRun(5001, { conclusion: 'failure' }).workflow_run;
    const gh = { databaseId: r.id, attempt: r.run_attempt, workflowName: r.name, status: r.status, conclusion: r.conclusion, event: r.event, headBranch: r.head_branch, headSha: r.head_sha, url: r.html_url, createdAt: r.created_at, startedAt: r.run_started_at, updatedAt: r.updated_at, actor: 'dev1', repository: 'acme/web' };
    expect(opsProcess(['runs', 'import', '-', '--workspace', other], { input: JSON.stringify([gh]) }).code).toBe(0);
    expect(runsOf(ws)).toEqual(runsOf(other));
    expect(JSON.parse(opsProcess(['retry', 'list', '--json', '--workspace', ws]).stdout)).toEqual(JSON.parse(opsProcess(['retry', 'list', '--json', '--workspace', other]).stdout));

    await settled(s.url);
    const before = dumpLedger(join(ws, '.ops', 'ledger.db'));
    const again = await deliver(s.url, secret, 'workflow_run', workflowRun(5001, { conclusion: 'success' }), 'd-1');
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ duplicate: true, first: { status: 202, ...first.json } });
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).toBe(before);
  });

  it('a wrong or missing signature gets 401 and changes nothing; ping is answered; other events 204; over 25 MB 413', async () => {
    const { ws, secret, env } = setup();
    const s = await startServe(ws, env);
    await deliver(s.url, secret, 'ping', { zen: 'Keep it logically awesome.', hook_id: 7 });
    await settled(s.url);
    const before = dumpLedger(join(ws, '.ops', 'ledger.db'));
    const wrong = await deliver(s.url, secret, 'workflow_run', workflowRun(6001), 'd-2', randomBytes(24).toString('hex'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('application/problem+json');
    expect((await deliver(s.url, secret, 'workflow_run', workflowRun(6001), 'd-3', null)).status).toBe(401);
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).toBe(before);
    // The same delivery id, now signed right, is still new: the refused one was not recorded.
    expect((await deliver(s.url, secret, 'workflow_run', workflowRun(6001), 'd-2')).json.result).toBe('imported');

    const ping = await deliver(s.url, secret, 'ping', { zen: 'Design for failure.', hook_id: 7 });
    expect(ping.status).toBe(200);
    expect(ping.json).toMatchObject({ pong: true, hook_id: 7 });
    expect((await deliver(s.url, secret, 'push', { ref: 'refs/heads/main' })).status).toBe(204);

    const huge = Buffer.alloc(25 * 1024 * 1024 + 1, 0x20).toString();
    const tooBig = await deliver(s.url, secret, 'workflow_run', huge);
    expect(tooBig.status).toBe(413);
  });

  it('workflow_job marks its run queued/in progress; an older state arriving late does not undo a newer one', async () => {
    const { ws, secret, env } = setup();
    const s = await startServe(ws, env);
    const job = (status: string) => ({
      action: status,
      workflow_job: { id: 1, run_id: 7001, run_attempt: 1, workflow_name: 'Deploy', status, conclusion: null, head_branch: 'main', head_sha: 'b'.repeat(40), created_at: '2025-11-13T23:00:00Z', started_at: '2025-11-13T23:00:10Z', run_url: 'https://api.github.com/repos/acme/web/actions/runs/7001' },
      repository: { full_name: 'acme/web' },
    });
    expect((await deliver(s.url, secret, 'workflow_job', job('in_progress'))).json.result).toBe('imported');
    expect(runsOf(ws)[0]).toMatchObject({ run_id: '7001', workflow: 'Deploy', status: 'in_progress' });
    expect((await deliver(s.url, secret, 'workflow_run', workflowRun(7001, { name: 'Deploy' }))).json.result).toBe('imported');
    expect(runsOf(ws)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    // Late arrivals: neither the job nor the run's in_progress takes the completed run back.
    expect((await deliver(s.url, secret, 'workflow_job', job('in_progress'))).json.result).toBe('stale');
    expect((await deliver(s.url, secret, 'workflow_run', workflowRun(7001, { name: 'Deploy', status: 'in_progress' }))).json.result).toBe('stale');
    expect(runsOf(ws)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });

  it('50 concurrent deliveries of 50 different runs all land, and each run reaches the SSE stream within a second', async () => {
    const { ws, secret, env } = setup();
    const s = await startServe(ws, env);
    const viewer = createKey(ws, 'watcher', 'viewer');
    const live = sse(s.url, viewer, { query: 'types=runs.import' });
    await live.ready;
    const t0 = Date.now();
    const ids = Array.from({ length: 50 }, (_, i) => 8000 + i);
    const answers = await Promise.all(ids.map((id) => deliver(s.url, secret, 'workflow_run', workflowRun(id))));
    const answered = Date.now() - t0;
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    expect(answered).toBeLessThan(10_000); // GitHub's window
    await live.waitFor((e) => e.length === 50, 1000 + answered);
    expect(new Set(live.events.map((e) => JSON.parse(e.data).payload.input.match(/\(run (\d+)\)/)[1]))).toEqual(new Set(ids.map(String)));
    expect(runsOf(ws).map((r) => r.run_id).sort()).toEqual(ids.map(String).sort());
    live.close();
  });

  it('with the secret env var unset, deliveries are refused (503) and nothing is written', async () => {
    const { ws, secret } = setup();
    const s = await startServe(ws);
    const r = await deliver(s.url, secret, 'workflow_run', workflowRun(9001));
    expect(r.status).toBe(503);
    expect(r.json.detail).toContain('OPS_WEBHOOK_SECRET');
    expect(opsProcess(['runs', 'list', '--json', '--workspace', ws]).stdout.trim()).toBe('[]');
  });
});
