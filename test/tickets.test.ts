import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, ops, runtimeGithubToken, workspaceDir } from './helpers';

const LEAKED = runtimeGithubToken();

/** Audit tickets (SPEC §5.3) through the commands that cause incidents: replay, killswitch. */

const T0 = '2025-11-14T00:00:00Z';
const HTTP422 = "HTTP 422: Workflow does not have 'workflow_dispatch' trigger (https://api.github.com/repos/acme/api/actions/workflows/ci.yml/dispatches)";

async function workspace(rerunStderr: string) {
  const ws = workspaceDir();
  writeFileSync(join(ws, 'scenario.json'), JSON.stringify({ rerun: { '*': [{ exit: 1, stderr: rerunStderr }] } }));
  mkdirSync(join(ws, '.ops'), { recursive: true });
  const env = { PATH: process.env.PATH, OPS_GH: FAKE_GH, FAKE_GH_LOG: join(ws, 'gh.log'), FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
  // A CI job failed with a 503 and a leaked token in its log: collect masks it and queues the run.
  writeFileSync(join(ws, 'job.log'), `deploying with ${LEAKED}\nHTTP 503: Service Unavailable\n`);
  const ci = { GITHUB_RUN_ID: '8001', GITHUB_RUN_ATTEMPT: '1', GITHUB_WORKFLOW: 'CI', GITHUB_REPOSITORY: 'acme/api', GITHUB_SERVER_URL: 'https://github.com' };
  const collected = await ops(['evidence', 'collect', '--logs', 'job.log', '--conclusion', 'failure'], { cwd: ws, env: { ...env, ...ci } });
  expect(collected.code).toBe(0);
  return { ws, env, reports: join(ws, 'docs', 'reports') };
}

const ticketsDir = (reports: string) => join(reports, '2025-11-14', 'audit_tickets');
const digest = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => `${f} ${createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')}`);

describe('audit tickets', () => {
  it('a final retry failure writes one ticket: HTTP code, class, cause, risk, action, timeline, evidence links that resolve', async () => {
    const { env, reports } = await workspace(HTTP422);
    const replay = await ops(['retry', 'replay'], { env: { ...env, OPS_NOW: T0 } });
    expect(replay.code).toBe(0);
    expect(readdirSync(ticketsDir(reports)).sort()).toEqual(['audit_ticket_20251114_090000.json', 'audit_ticket_20251114_090000.md']);

    const t = JSON.parse(readFileSync(join(ticketsDir(reports), 'audit_ticket_20251114_090000.json'), 'utf8'));
    expect(t).toMatchObject({
      ticket: 'audit_ticket_20251114_090000',
      kind: 'retry_failure',
      opened_at: T0,
      title: 'Retries of run 8001 (CI) failed: configuration (HTTP 422)',
      http_status: 422,
      class: 'configuration',
      // A token reached the job's log: high, whatever the failure was.
      risk: 'high',
      run: { run_id: '8001', attempt: 1, workflow: 'CI', repository: 'acme/api', url: 'https://github.com/acme/api/actions/runs/8001' },
      retry: { entry_id: 1, attempts: 1, max_attempts: 3, origin: 'auto' },
      secrets_masked: [{ rule: 'github-pat', count: 1 }],
    });
    expect(t.recommended_action).toMatch(/^rotate the credentials the sanitizer masked in this run's logs \(github-pat\); then .*workflow_dispatch/);
    // The collect with --conclusion failure is when the run failed (issue 18 item 6): the timeline starts there.
    expect(t.timeline.map((e: { event: string }) => e.event)).toEqual(['run.failed', 'retry.enqueue', 'retry.attempt', 'retry.failed']);
    expect(t.evidence).toHaveLength(1);
    for (const e of t.evidence) expect(existsSync(resolve(ticketsDir(reports), e.link)), e.link).toBe(true);
    const md = readFileSync(join(ticketsDir(reports), 'audit_ticket_20251114_090000.md'), 'utf8');
    expect(md).toContain('| risk | **high** |');
    const link = /\]\((\.\.\/\.\.\/[^)]+)\)/.exec(md)![1]!;
    expect(existsSync(resolve(ticketsDir(reports), decodeURI(link)))).toBe(true);
    expect(JSON.stringify(t)).not.toContain(LEAKED);

    // Listed; regenerating changes no byte; a deleted folder comes back identical.
    const list = JSON.parse((await ops(['audit', 'list', '--json'], { env })).stdout);
    expect(list.map((x: { ticket: string }) => x.ticket)).toEqual(['audit_ticket_20251114_090000']);
    const before = digest(ticketsDir(reports));
    const again = JSON.parse((await ops(['audit', 'ticket', '--json'], { env })).stdout);
    expect(again).toEqual([expect.objectContaining({ ticket: 'audit_ticket_20251114_090000', written: false })]);
    rmSync(ticketsDir(reports), { recursive: true });
    await ops(['audit', 'ticket'], { env });
    expect(digest(ticketsDir(reports))).toEqual(before);
  });

  it('a killswitch engagement is an incident too; two in one second get _2, in the order they happened', async () => {
    const { env, reports } = await workspace(HTTP422);
    await ops(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'bad deploy'], { env: { ...env, OPS_NOW: '2025-11-14T01:00:00Z' } });
    await ops(['killswitch', '--reason', 'storm'], { env: { ...env, OPS_NOW: '2025-11-14T01:00:00Z' } });
    expect(readdirSync(ticketsDir(reports)).sort()).toEqual([
      'audit_ticket_20251114_100000.json',
      'audit_ticket_20251114_100000.md',
      'audit_ticket_20251114_100000_2.json',
      'audit_ticket_20251114_100000_2.md',
    ]);
    const first = JSON.parse(readFileSync(join(ticketsDir(reports), 'audit_ticket_20251114_100000.json'), 'utf8'));
    expect(first).toMatchObject({ kind: 'killswitch', risk: 'high', cause: 'bad deploy', killswitch: { scope: 'Deploy', released_at: null } });

    // Released later: the ticket, rewritten, says so; no second ticket for the same incident.
    await ops(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'rolled back'], { env: { ...env, OPS_NOW: '2025-11-14T02:00:00Z' } });
    await ops(['audit', 'ticket'], { env });
    const rewritten = JSON.parse(readFileSync(join(ticketsDir(reports), 'audit_ticket_20251114_100000.json'), 'utf8'));
    expect(rewritten.timeline.map((e: { event: string }) => e.event)).toEqual(['killswitch.engage', 'killswitch.release']);
    expect(readdirSync(ticketsDir(reports))).toHaveLength(4);
    expect((await ops(['audit', 'list'], { env })).stdout).toMatch(/audit_ticket_20251114_100000_2 +high +killswitch/);
  });

  it('--run limits to one run; a bad run id is exit 2', async () => {
    const { env } = await workspace(HTTP422);
    await ops(['retry', 'replay'], { env });
    expect(JSON.parse((await ops(['audit', 'ticket', '--run', '999', '--json'], { env })).stdout)).toEqual([]);
    expect(JSON.parse((await ops(['audit', 'ticket', '--run', '8001', '--json'], { env })).stdout)).toHaveLength(1);
    expect(await ops(['audit', 'ticket', '--run', 'abc'], { env })).toMatchObject({ code: 2, stderr: 'ops: --run: expected a numeric run id, got "abc"\n' });
  });
});
