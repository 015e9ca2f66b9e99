import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../src/ledger/open';
import { migrations } from '../src/ledger/migrations';
import { GH_RUNS, NOW, ops, opsProcess, tempDir, workspaceDir } from './helpers';

/**
 * The folder's files with a digest of their bytes, to prove nothing was written. SQLite's
 * shared-memory files (-wal, -shm) are left out: any reader of a WAL database makes them.
 */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => !/-(wal|shm)$/.test(f))
      .sort()
      .map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]),
  );

describe('ops guard', () => {
  it('with no ledger at all, runs may proceed, it says that nothing was checked, and it creates nothing', async () => {
    const ws = tempDir();
    // No gh either (a runner's gh is asked for the OPS_KILLSWITCH variable: see guard-sources.test.ts).
    const r = await ops(['guard', '--workspace', ws, '--json'], { env: { OPS_GH: join(ws, 'no-gh') } });
    expect(r.code).toBe(0);
    const ledger = join(ws, '.ops', 'ledger.db');
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, reasons: [], source: null, sources: [], warnings: [expect.stringContaining(`no killswitch source found (no ledger at ${ledger}; OPS_KILLSWITCH empty or not set; gh variable get OPS_KILLSWITCH: cannot run`)] });
    expect(r.stderr).toMatch(/^ops: warning: guard: no killswitch source found .*: nothing was checked; run ops init in the workspace, or point --workspace or OPS_LEDGER at/);
    expect(readdirSync(ws)).toEqual([]);
  });

  it('inside GitHub Actions prints an ::error annotation on stdout and the one-line reason on stderr', () => {
    const ws = workspaceDir();
    opsProcess(['killswitch', '--reason', 'incident 42: 100% of deploys failing', '--workspace', ws], { env: { OPS_ACTOR: 'alice' } });
    const r = opsProcess(['guard', '--workspace', ws], { env: { GITHUB_ACTIONS: 'true', GITHUB_WORKFLOW: 'Deploy' } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`::error title=ops guard::killswitch engaged for all workflows by alice since ${NOW}: incident 42: 100%25 of deploys failing\n`);
    expect(r.stderr).toBe(`ops: guard: blocked: killswitch engaged for all workflows by alice since ${NOW}: incident 42: 100% of deploys failing\n`);
    const json = opsProcess(['guard', '--workspace', ws, '--json'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, reasons: [`killswitch engaged for all workflows by alice since ${NOW}: incident 42: 100% of deploys failing`], source: join(ws, '.ops', 'ledger.db'), sources: [{ kind: 'ledger', name: join(ws, '.ops', 'ledger.db'), state: 'engaged' }], warnings: [] });
  });

  it('reads only: an older ledger is not migrated and the ledger file does not change', async () => {
    const ws = workspaceDir();
    const path = join(ws, '.ops', 'ledger.db');
    openLedger(path, { create: true, migrations: migrations.slice(0, 1) }).close();
    const before = snapshot(join(ws, '.ops'));
    // Schema v1 has no killswitch table: nothing can be engaged, runs may proceed.
    expect((await ops(['guard', '--workspace', ws])).code).toBe(0);
    expect(opsProcess(['guard', '--workflow', 'CI', '--workspace', ws]).code).toBe(0);
    expect(snapshot(join(ws, '.ops'))).toEqual(before);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 1 });
    db.close();
  });

  it('exits 4 when a workflow was re-run more often in the last hour than the retry budget allows', async () => {
    const ws = workspaceDir();
    await ops(['init', '--workspace', ws]);
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify({ budget: { maxRetriesPerWorkflowPerHour: 2 } }));
    // Three runs of "Flaky", each on attempt 2, in the hour before NOW; one older re-run that no longer counts.
    const runs = [1, 2, 3].map((i) => ({
      databaseId: 600 + i,
      attempt: 2,
      workflowName: 'Flaky',
      status: 'completed',
      conclusion: 'failure',
      createdAt: '2025-11-13T23:00:00Z',
      startedAt: `2025-11-13T23:${10 + i}:00Z`,
      updatedAt: `2025-11-13T23:${20 + i}:00Z`,
      url: `https://github.com/acme/api/actions/runs/${600 + i}`,
    }));
    runs.push({ ...runs[0]!, databaseId: 599, startedAt: '2025-11-13T21:00:00Z', updatedAt: '2025-11-13T21:10:00Z', url: 'https://github.com/acme/api/actions/runs/599' });
    const file = join(ws, 'reruns.json');
    writeFileSync(file, JSON.stringify(runs));
    await ops(['runs', 'import', file, '--workspace', ws]);

    const r = await ops(['guard', '--workflow', 'Flaky', '--workspace', ws]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'ops: guard: refused: retry budget exceeded: 3 re-runs of workflow "Flaky" in the last hour, budget 2 (.ops/retry-policy.json budget.maxRetriesPerWorkflowPerHour)\n',
    );
    expect((await ops(['guard', '--workflow', 'CI', '--workspace', ws])).code).toBe(0);
    // Within budget an hour later (only the newest re-runs still count).
    expect((await ops(['guard', '--workflow', 'Flaky', '--workspace', ws], { env: { OPS_NOW: '2025-11-14T00:12:30Z' } })).code).toBe(0);
    // The killswitch outranks a rule: exit 3.
    await ops(['killswitch', '--reason', 'storm', '--workspace', ws]);
    expect((await ops(['guard', '--workflow', 'Flaky', '--workspace', ws])).code).toBe(3);
  });

  it('an invalid retry policy never decides a run: the rule uses the default budget, and guard warns naming the field', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), '{"budget": {"maxRetriesPerWorkflowPerHour": "ten"}}');
    // CI had a re-run (attempt 2) in the hour before 2025-11-13T17:00Z: within the default budget (10).
    const r = await ops(['guard', '--workflow', 'CI', '--workspace', ws], { env: { OPS_NOW: '2025-11-13T17:00:00Z' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ops: warning: guard: config: \.ops\/retry-policy\.json: budget\.maxRetriesPerWorkflowPerHour: .*does not change the guard's verdict/);
    expect(existsSync(join(ws, '.ops', 'ledger.db'))).toBe(true);
  });
});
