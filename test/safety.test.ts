import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, NOW, opsProcess, tempDir, workspaceDir } from './helpers';

/**
 * Issue 18, items 1–5: the emergency stop and the guard, through the real `bin/ops`, on
 * broken and missing workspaces.
 */

const alice = { OPS_ACTOR: 'alice' };
const run = (ws: string, args: string[], env: NodeJS.ProcessEnv = {}) => opsProcess([...args, '--workspace', ws], { env: { ...alice, ...env } });
const ledgerRows = (ws: string, sql: string) => {
  const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
};
/** A workspace made by `ops init`, with runs of CI, Deploy, E2E and Nightly. */
function initialised(): string {
  const ws = tempDir();
  expect(run(ws, ['init']).code).toBe(0);
  return ws;
}
function withRuns(): string {
  const ws = initialised();
  expect(run(ws, ['runs', 'import', GH_RUNS]).code).toBe(0);
  return ws;
}
const jstLog = (ws: string, reports = 'docs/reports') => join(ws, reports, '2025-11-14', 'logs', 'killswitch_log_20251114.log');

describe('item 1: a broken config.json never blocks the killswitch', () => {
  it('invalid JSON: engages (exit 0) with a warning naming the file, records everything, guard then exits 3; release works too', () => {
    const ws = initialised();
    writeFileSync(join(ws, '.ops', 'config.json'), '{ "reportsDir": ');
    const on = run(ws, ['killswitch', '--reason', 'prod on fire']);
    expect(on.code).toBe(0);
    expect(on.stdout).toBe(`KILLSWITCH ENGAGED for all workflows by alice at ${NOW}: prod on fire\n`);
    expect(on.stderr).toMatch(/^ops: warning: \.ops\/config\.json: invalid JSON: .*\(built-in default used; the killswitch change is recorded\)$/m);
    expect(on.stderr).toContain('ops: warning: notifications: not sent now, the config is invalid; they wait in the outbox');

    const guard = run(ws, ['guard', '--workflow', 'Deploy']);
    expect(guard.code).toBe(3);
    expect(guard.stderr).toContain('ops: guard: blocked: killswitch engaged for all workflows by alice');

    // Everything recorded: ledger, audit log, log line (default reports folder), ticket, outbox.
    expect(ledgerRows(ws, 'SELECT scope, reason FROM killswitch_engagements')).toEqual([{ scope: '*', reason: 'prod on fire' }]);
    expect(ledgerRows(ws, 'SELECT event FROM audit_events')).toEqual([{ event: 'killswitch.engage' }]);
    expect(readFileSync(jstLog(ws), 'utf8')).toMatch(/ENGAGE scope=global actor="alice" .*reason="prod on fire"/);
    expect(readdirSync(join(ws, 'docs', 'reports', '2025-11-14', 'audit_tickets'))).toContain('audit_ticket_20251114_090000.md');
    expect(ledgerRows(ws, 'SELECT COUNT(*) AS n FROM notifications')).toEqual([{ n: 1 }]);

    const off = run(ws, ['killswitch', '--release', '--reason', 'fixed'], { OPS_NOW: '2025-11-14T00:10:00Z' });
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/^killswitch released for all workflows by alice/);
    expect(off.stderr).toContain('.ops/config.json: invalid JSON');
    expect(run(ws, ['guard', '--workflow', 'Deploy']).code).toBe(0);
  });

  it('fields of the wrong type: each falls back to its default (the valid ones are kept) and is named; an idempotency key still works', () => {
    const ws = initialised();
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ reportsDir: 'evidence', idempotencyTtlSeconds: 'x', timezone: 5 }));
    const on = run(ws, ['killswitch', '--reason', 'stop', '--idempotency-key', 'ci-77']);
    expect(on.code).toBe(0);
    expect(on.stderr).toContain('ops: warning: .ops/config.json: idempotencyTtlSeconds: ');
    expect(on.stderr).toContain('ops: warning: .ops/config.json: timezone: ');
    // reportsDir was valid: the log line goes there, in the default zone's (JST) date folder.
    expect(readFileSync(jstLog(ws, 'evidence'), 'utf8')).toMatch(/ENGAGE scope=global .*reason="stop"/);
    const again = run(ws, ['killswitch', '--reason', 'stop', '--idempotency-key', 'ci-77', '--json'], { OPS_NOW: '2025-11-14T00:05:00Z' });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'engaged', replayed: true });
    expect(run(ws, ['guard']).code).toBe(3);
  });

  it('inside GitHub Actions the config warning is also a ::warning annotation', () => {
    const ws = initialised();
    writeFileSync(join(ws, '.ops', 'config.json'), '{"timezone": 5}');
    const on = run(ws, ['killswitch', '--reason', 'stop'], { GITHUB_ACTIONS: 'true' });
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/^::warning title=ops::\.ops\/config\.json: timezone: /m);
  });
});

describe('item 2: only ops init and ops demo make a workspace', () => {
  it('a misspelt --workspace is refused (exit 2) and nothing is created; the real workspace is guarded once engaged there', () => {
    const ws = initialised();
    const typo = join(ws, 'wrkspace');
    for (const args of [['killswitch', '--reason', 'x'], ['runs', 'import', GH_RUNS], ['status'], ['killswitch', 'status'], ['detect'], ['config', 'check']]) {
      const r = run(typo, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`ops: ${typo}: no ops workspace here (run ops init)\n`);
    }
    expect(existsSync(typo)).toBe(false);
    const bare = tempDir();
    expect(run(bare, ['killswitch', '--reason', 'x']).code).toBe(2);
    expect(readdirSync(bare)).toEqual([]);

    // A workspace is a folder with .ops/ (committed config): there the ledger is made on first write.
    const committed = workspaceDir();
    expect(run(committed, ['killswitch', '--reason', 'x']).code).toBe(0);
    expect(run(committed, ['guard']).code).toBe(3);
    // An explicit, existing --ledger is a workspace too.
    expect(opsProcess(['killswitch', 'status', '--ledger', join(committed, '.ops', 'ledger.db')], { cwd: bare }).code).toBe(0);
  });
});

describe('item 3: --scope names a workflow the ledger knows, case ignored', () => {
  it('a typo is refused with a did-you-mean; another case is the same workflow everywhere; status says what is engaged', () => {
    const ws = withRuns();
    const typo = run(ws, ['killswitch', '--scope', 'Deplyo', '--reason', 'bad release']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('ops: --scope: no workflow "Deplyo" in the ledger; did you mean "Deploy", "E2E", "CI"? (--force to use it anyway)\n');
    expect(ledgerRows(ws, 'SELECT * FROM killswitch_engagements')).toEqual([]);

    const on = run(ws, ['killswitch', '--scope', 'deploy', '--reason', 'bad release', '--expires', '2h']);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/^KILLSWITCH ENGAGED for workflow "Deploy" by alice/);
    expect(ledgerRows(ws, 'SELECT scope FROM killswitch_engagements')).toEqual([{ scope: 'Deploy' }]);
    expect(run(ws, ['guard', '--workflow', 'DEPLOY']).code).toBe(3);
    expect(run(ws, ['guard'], { GITHUB_WORKFLOW: 'deploy' }).code).toBe(3);
    expect(run(ws, ['guard', '--workflow', 'CI']).code).toBe(0);
    expect(run(ws, ['killswitch', '--scope', 'DEPLOY', '--reason', 'again']).stdout).toMatch(/^already engaged, nothing changed/);

    const status = run(ws, ['killswitch', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/not engaged/);
    expect(status.stdout).toBe(
      `ENGAGED: killswitch engaged for workflow "Deploy" by alice since ${NOW}, expires 2025-11-14T02:00:00Z: bad release\n` +
        'other workflows are not stopped (no engagement for all workflows)\n',
    );
    expect(run(ws, ['killswitch', 'status', '--scope', 'deploy']).stdout).toMatch(/^ENGAGED: killswitch engaged for workflow "Deploy"/);

    // --workflow filters match in any case too.
    const listed = JSON.parse(run(ws, ['runs', 'list', '--workflow', 'deploy', '--json']).stdout) as { workflow: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((r) => r.workflow))).toEqual(new Set(['Deploy']));
    // A misspelt filter is not "no runs": it lists nothing, exit 0, and says what was meant.
    const misspelt = run(ws, ['runs', 'list', '--workflow', 'Deplyo']);
    expect(misspelt.code).toBe(0);
    expect(misspelt.stdout).toBe('');
    expect(misspelt.stderr).toBe('ops: warning: --workflow: no workflow "Deplyo" in the ledger; did you mean "Deploy", "E2E", "CI"?\nno runs match\n');
    const kpi = run(ws, ['kpi', '--workflow', 'Deplyo', '--json']);
    expect(kpi.code).toBe(0);
    expect(kpi.stderr).toBe('ops: warning: --workflow: no workflow "Deplyo" in the ledger; did you mean "Deploy", "E2E", "CI"?\n');
    expect(JSON.parse(kpi.stdout).runs).toBe(0);

    expect(run(ws, ['killswitch', '--release', '--scope', 'deploy', '--reason', 'fixed']).stdout).toMatch(/^killswitch released for workflow "Deploy"/);
    expect(run(ws, ['guard', '--workflow', 'Deploy']).code).toBe(0);
  });

  it('an empty ledger knows no workflows: a scope is refused unless --force', () => {
    const ws = initialised();
    const r = run(ws, ['killswitch', '--scope', 'Deploy', '--reason', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ops: --scope: the ledger knows no workflows yet (no runs recorded), so "Deploy" cannot be checked; --force to use it anyway\n');
    expect(run(ws, ['killswitch', '--scope', 'Deploy', '--force', '--reason', 'x']).code).toBe(0);
    expect(run(ws, ['guard', '--workflow', 'deploy']).code).toBe(3);
  });
});

describe('item 4: ops guard with no killswitch source says it checked nothing', () => {
  it('on a bare runner: exit 0, a ::warning annotation naming how to provide a ledger, and nothing created', () => {
    const runner = tempDir();
    // No gh on this runner either (else guard asks it for the OPS_KILLSWITCH variable).
    const gh = join(runner, 'no-gh');
    const r = opsProcess(['guard'], { cwd: runner, env: { GITHUB_ACTIONS: 'true', GITHUB_WORKFLOW: 'Deploy', OPS_GH: gh } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'unchecked: no killswitch source; runs may proceed (workflow "Deploy")\n' +
        `::warning title=ops guard::guard: no killswitch source found (no ledger at ${join(runner, '.ops', 'ledger.db')}; OPS_KILLSWITCH empty or not set; gh variable get OPS_KILLSWITCH: cannot run ${JSON.stringify(gh)}: not found): nothing was checked; run ops init in the workspace, or point --workspace or OPS_LEDGER at the workspace's ledger, or pass OPS_KILLSWITCH: \${{ vars.OPS_KILLSWITCH }} in the step's env\n`,
    );
    expect(r.stderr).toMatch(/^ops: warning: guard: no killswitch source found/);
    expect(readdirSync(runner)).toEqual([]);
  });
});

describe('item 5: an invalid config is reported by status, guard, runs list', () => {
  it('status prints its content, a config: line per problem, config_problems in --json, and exits 2', () => {
    const ws = withRuns();
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ timezone: 5 }));
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), '{ nope');
    const s = run(ws, ['status']);
    expect(s.code).toBe(2);
    expect(s.stdout).toContain('config: .ops/config.json: timezone: Invalid input: expected string, received number\n');
    expect(s.stdout).toMatch(/config: \.ops\/retry-policy\.json: invalid JSON: /);
    expect(s.stdout).toMatch(/Runs, last 24 h: \d+ total/);
    expect(s.stderr).toMatch(/^ops: config: 2 problems in \.ops\//);
    const j = run(ws, ['status', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).config_problems).toEqual([
      { file: '.ops/config.json', field: 'timezone', message: 'Invalid input: expected string, received number' },
      { file: '.ops/retry-policy.json', field: '(file)', message: expect.stringMatching(/^invalid JSON: /) },
    ]);

    const list = run(ws, ['runs', 'list', '--limit', '1']);
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('ops: warning: config: .ops/config.json: timezone: ');

    // Guard warns but decides on the killswitch alone: proceed when not engaged, blocked when engaged.
    const g = run(ws, ['guard', '--workflow', 'CI'], { GITHUB_ACTIONS: 'true' });
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('::warning title=ops guard::guard: config: .ops/config.json: timezone: ');
    expect(run(ws, ['killswitch', '--reason', 'x']).code).toBe(0);
    expect(run(ws, ['guard', '--workflow', 'CI']).code).toBe(3);
  });

  it('a valid config: status exits 0 with no config line, and a fix is seen at once', () => {
    const ws = withRuns();
    writeFileSync(join(ws, '.ops', 'config.json'), '{"timezone": "Mars/Base"}');
    expect(run(ws, ['status']).code).toBe(2);
    writeFileSync(join(ws, '.ops', 'config.json'), '{"timezone": "UTC"}');
    const s = run(ws, ['status']);
    expect(s.code).toBe(0);
    expect(s.stdout).not.toContain('config:');
  });
});
