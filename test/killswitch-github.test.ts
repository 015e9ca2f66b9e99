import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, opsProcess, tempDir, workspaceDir } from './helpers';

/**
 * Issue 21 part 2: the killswitch reaches GitHub. Two repositories configured, against the
 * stateful fake gh (FAKE_GH_API: runs and workflows; FAKE_GH_STATE: what changed): engage
 * sets the variable in both, cancels the 5 runs in progress or queued (one ignores cancel
 * until force-cancel), disables the 2 active scheduled workflows and leaves one already
 * disabled alone; release restores exactly the prior state.
 */

const API = {
  repos: {
    'acme/api': {
      active: [
        { id: 101, name: 'CI', status: 'in_progress' },
        { id: 102, name: 'Deploy', status: 'in_progress', ignore_cancel: true },
        { id: 103, name: 'Deploy', status: 'queued' },
      ],
      workflows: [
        { id: 11, name: 'CI', path: '.github/workflows/ci.yml' },
        { id: 12, name: 'Nightly', path: '.github/workflows/nightly.yml', schedule: true },
        { id: 13, name: 'Weekly', path: '.github/workflows/weekly.yml', schedule: true, state: 'disabled_manually' },
        { id: 14, name: 'Deploy', path: '.github/workflows/deploy.yml', schedule: true },
      ],
    },
    'acme/web': {
      active: [
        { id: 201, name: 'CI', status: 'in_progress' },
        { id: 202, name: 'Nightly', status: 'queued' },
      ],
      workflows: [
        { id: 21, name: 'CI', path: '.github/workflows/ci.yml' },
        { id: 22, name: 'Cleanup', path: '.github/workflows/cleanup.yml', schedule: true },
      ],
    },
  },
};

interface FakeState {
  variables?: Record<string, Record<string, { value: string }>>;
  runs?: Record<string, { status: string; conclusion?: string }>;
  workflows?: Record<string, string>;
}

function setup(config: object = { repos: ['acme/api', 'acme/web'] }, scenario?: object) {
  const dir = workspaceDir();
  const fake = tempDir('ops-fake-gh-');
  writeFileSync(join(dir, '.ops', 'config.json'), JSON.stringify(config));
  const api = join(fake, 'api.json');
  // Deploy also has a schedule here; the global engagement's counts below leave it out by using a copy without it.
  writeFileSync(api, JSON.stringify(API));
  const state = join(fake, 'state.json');
  writeFileSync(state, '{}');
  const log = join(fake, 'gh.log');
  const env: NodeJS.ProcessEnv = { OPS_GH: FAKE_GH, FAKE_GH_API: api, FAKE_GH_STATE: state, FAKE_GH_LOG: log, OPS_ACTOR: 'alice' };
  if (scenario) {
    env.FAKE_GH_SCENARIO = join(fake, 'scenario.json');
    writeFileSync(env.FAKE_GH_SCENARIO, JSON.stringify(scenario));
  }
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => opsProcess(args, { cwd: dir, env: { ...env, ...extra } });
  const read = (): FakeState => JSON.parse(readFileSync(state, 'utf8')) as FakeState;
  const variable = (repo: string) => read().variables?.[`repo:${repo}`]?.OPS_KILLSWITCH?.value;
  const ghLog = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { dir, env, run, read, variable, ghLog };
}

/** A GitHub-token-shaped secret, made at run time. */
const TOKEN = 'ghp_' + [...randomBytes(36)].map((b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 62]).join('');

const wfState = (s: FakeState, key: string, initial = 'active') => s.workflows?.[key] ?? initial;

describe('ops killswitch reaches GitHub', () => {
  it('engage: variable in both repos, 5 runs cancelled (one force-cancelled), 3 schedules disabled, one already disabled left; release restores exactly the prior state', () => {
    const t = setup();
    const engage = t.run(['killswitch', '--reason', `bad deploy, token ${TOKEN}`]);
    expect(engage.stderr).toContain('ops: killswitch: GitHub acme/api: variable OPS_KILLSWITCH set (engaged), read back\n');
    expect(engage.stderr).toContain('ops: killswitch: GitHub acme/api: 1 run still running after 60 s: force-cancelled\n');
    expect(engage.stderr).toContain('ops: killswitch: GitHub acme/api: 2 scheduled workflows disabled (Nightly, Deploy); already disabled, left alone: Weekly\n');
    expect(engage.code).toBe(0);
    expect(engage.stdout).toBe(
      'KILLSWITCH ENGAGED for all workflows by alice at 2025-11-14T00:00:00Z: bad deploy, token [MASKED:github-pat]\n' +
        'GitHub: variable set in 2/2 repos, 5 runs cancelled (1 force-cancelled), 3 schedules disabled (1 already disabled, left alone)\n',
    );
    const expected = { engaged: true, scope: '*', reason: 'bad deploy, token [MASKED:github-pat]', by: 'alice', since: '2025-11-14T00:00:00Z', expires_at: null };
    expect(JSON.parse(t.variable('acme/api')!)).toEqual(expected);
    expect(JSON.parse(t.variable('acme/web')!)).toEqual(expected);
    const s = t.read();
    for (const id of ['acme/api#101', 'acme/api#102', 'acme/api#103', 'acme/web#201', 'acme/web#202']) expect(s.runs?.[id]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(t.ghLog().filter((l) => l.includes('/force-cancel'))).toEqual(['api -i --method POST -H Accept: application/vnd.github+json /repos/acme/api/actions/runs/102/force-cancel']);
    expect([wfState(s, 'acme/api#12'), wfState(s, 'acme/api#13', 'disabled_manually'), wfState(s, 'acme/api#14'), wfState(s, 'acme/web#22'), wfState(s, 'acme/api#11')]).toEqual([
      'disabled_manually',
      'disabled_manually',
      'disabled_manually',
      'disabled_manually',
      'active',
    ]);
    // Nothing was ever done to Weekly: it was disabled by someone else.
    expect(t.ghLog().some((l) => l.includes('workflows/13/'))).toBe(false);

    const status = t.run(['killswitch', 'status']);
    expect(status.stdout).toContain('GitHub: variable set in 2/2 repos, 5 runs cancelled (1 force-cancelled), 3 schedules disabled (1 already disabled, left alone)\n');

    // The saga and the audit trail record every step; the secret is masked everywhere.
    const db = new Database(join(t.dir, '.ops', 'ledger.db'), { readonly: true });
    const steps = db.prepare(`SELECT name, state FROM saga_steps JOIN killswitch_github USING (saga_id) ORDER BY saga_id, idx`).all();
    expect(steps).toEqual([
      { name: 'variable', state: 'done' },
      { name: 'variable', state: 'done' },
      { name: 'cancel-runs', state: 'done' },
      { name: 'cancel-runs', state: 'done' },
      { name: 'disable-schedules', state: 'done' },
      { name: 'disable-schedules', state: 'done' },
    ]);
    const events = (db.prepare(`SELECT event FROM audit_events WHERE event LIKE 'killswitch.github%' ORDER BY seq`).all() as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(['killswitch.github.start', ...Array(6).fill('killswitch.github.step'), 'killswitch.github.complete']);
    const dump = JSON.stringify(db.prepare('SELECT * FROM audit_events').all()) + JSON.stringify(db.prepare('SELECT * FROM saga_steps').all());
    db.close();
    expect(dump).not.toContain(TOKEN);
    expect(readFileSync(join(tempDirOf(t.env), 'state.json'), 'utf8')).not.toContain(TOKEN);

    const release = t.run(['killswitch', '--release', '--reason', 'fixed in #812']);
    expect(release.code).toBe(0);
    expect(release.stderr).toContain('ops: killswitch: GitHub acme/api: 2 scheduled workflows re-enabled (Nightly, Deploy)\n');
    const after = t.read();
    expect([wfState(after, 'acme/api#12'), wfState(after, 'acme/api#14'), wfState(after, 'acme/web#22'), wfState(after, 'acme/api#13', 'disabled_manually')]).toEqual([
      'active',
      'active',
      'active',
      'disabled_manually',
    ]);
    // Released: the variable says so (guard reads "not engaged", no "nothing was checked" warning).
    expect(JSON.parse(t.variable('acme/api')!)).toEqual({ engaged: false, scope: '*', reason: 'fixed in #812', by: 'alice', since: '2025-11-14T00:00:00Z', expires_at: null });
    expect(t.run(['killswitch', 'status']).stdout).toBe('not engaged\n');
  });

  it('a failed gh call mid-way: exit 1 naming the step and --resume, the engagement in force, status shows it; --resume completes it', () => {
    const t = setup(undefined, { api: [{ match: 'workflows/22/disable', nth: [1], status: 422, message: 'Validation Failed' }] });
    const engage = t.run(['killswitch', '--reason', 'incident 7']);
    expect(engage.code).toBe(1);
    expect(engage.stderr).toContain('ops: killswitch: GitHub acme/web: disable schedules: failed: disable workflow Cleanup: HTTP 422 Validation Failed\n');
    expect(engage.stderr).toMatch(
      /ops: killswitch: GitHub: step 6 \(acme\/web: disable schedules\) failed: disable workflow Cleanup: HTTP 422 Validation Failed; the killswitch is engaged locally; ops killswitch --resume retries it\n$/,
    );
    expect(engage.stdout).toContain('KILLSWITCH ENGAGED for all workflows');
    const status = t.run(['killswitch', 'status']);
    expect(status.stdout).toBe(
      'ENGAGED: killswitch engaged for all workflows by alice since 2025-11-14T00:00:00Z: incident 7\n' +
        'GitHub: variable set in 2/2 repos, 5 runs cancelled (1 force-cancelled), 2 schedules disabled (1 already disabled, left alone); 1 step failed: acme/web: disable schedules: disable workflow Cleanup: HTTP 422 Validation Failed (ops killswitch --resume)\n',
    );
    expect(wfState(t.read(), 'acme/web#22')).toBe('active');
    expect(t.run(['guard', '--workflow', 'CI']).code).toBe(3);

    const resume = t.run(['killswitch', '--resume']);
    expect(resume.code).toBe(0);
    expect(resume.stderr).toBe('ops: killswitch: GitHub acme/web: 1 scheduled workflow disabled (Cleanup)\n');
    expect(resume.stdout).toBe('GitHub: variable set in 2/2 repos, 5 runs cancelled (1 force-cancelled), 3 schedules disabled (1 already disabled, left alone)\n');
    expect(wfState(t.read(), 'acme/web#22')).toBe('disabled_manually');
    // Only the failed step ran again.
    expect(t.ghLog().filter((l) => l.startsWith('variable set'))).toHaveLength(2);
    expect(t.run(['killswitch', '--resume']).stdout).toMatch(/^nothing to resume: the GitHub side of the killswitch is complete\n/);

    const release = t.run(['killswitch', '--release', '--reason', 'ok']);
    expect(release.code).toBe(0);
    expect(wfState(t.read(), 'acme/web#22')).toBe('active');
  });

  it('a failed variable set on release: exit 1, the release recorded, --resume finishes it', () => {
    const t = setup();
    expect(t.run(['killswitch', '--reason', 'x']).code).toBe(0);
    const scenario = join(tempDirOf(t.env), 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ 'variable set': [{}, {}, { exit: 1, stderr: 'HTTP 502: Bad Gateway' }, {}] }));
    const release = t.run(['killswitch', '--release', '--reason', 'done'], { FAKE_GH_SCENARIO: scenario });
    expect(release.code).toBe(1);
    expect(release.stderr).toMatch(/ops: killswitch: GitHub: step 1 \(acme\/api: variable OPS_KILLSWITCH\) failed: gh variable set OPS_KILLSWITCH failed \(exit 1\): HTTP 502: Bad Gateway; the release is recorded locally; ops killswitch --resume retries it\n$/);
    expect(JSON.parse(t.variable('acme/api')!).engaged).toBe(true);
    expect(JSON.parse(t.variable('acme/web')!).engaged).toBe(false);
    expect(t.run(['killswitch', 'status']).stdout).toMatch(/^not engaged\nGitHub: .*1 step failed: acme\/api: variable OPS_KILLSWITCH: gh variable set OPS_KILLSWITCH failed \(exit 1\): HTTP 502: Bad Gateway \(ops killswitch --resume\)\n$/);
    const resume = t.run(['killswitch', '--resume'], { FAKE_GH_SCENARIO: scenario });
    expect(resume.code).toBe(0);
    expect(JSON.parse(t.variable('acme/api')!).engaged).toBe(false);
  });

  it('a scoped engagement cancels only that workflow\'s runs and disables only its schedule; the variable carries both engagements as an array guard reads', () => {
    const t = setup();
    const deploy = t.run(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'bad release']);
    expect(deploy.code).toBe(0);
    const s = t.read();
    expect(Object.keys(s.runs ?? {}).sort()).toEqual(['acme/api#102', 'acme/api#103']);
    expect(s.workflows).toEqual({ 'acme/api#14': 'disabled_manually' });
    expect(JSON.parse(t.variable('acme/web')!)).toMatchObject({ engaged: true, scope: 'Deploy' });

    const nightly = t.run(['killswitch', '--scope', 'Nightly', '--force', '--reason', 'cron storm']);
    expect(nightly.code).toBe(0);
    const both = JSON.parse(t.variable('acme/api')!) as { scope: string }[];
    expect(both.map((e) => e.scope)).toEqual(['Deploy', 'Nightly']);
    expect(t.read().workflows).toEqual({ 'acme/api#14': 'disabled_manually', 'acme/api#12': 'disabled_manually' });

    // Round trip: a bare runner with the variable as engage set it.
    const runner = tempDir('ops-runner-');
    const guard = (value: string, workflow: string) =>
      opsProcess(['guard'], { cwd: runner, env: { GITHUB_ACTIONS: 'true', OPS_GH: join(runner, 'no-gh'), OPS_KILLSWITCH: value, GITHUB_WORKFLOW: workflow } });
    expect(guard(t.variable('acme/api')!, 'deploy').code).toBe(3);
    expect(guard(t.variable('acme/api')!, 'nightly').code).toBe(3);
    expect(guard(t.variable('acme/api')!, 'CI').code).toBe(0);

    expect(t.run(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'fixed']).code).toBe(0);
    expect(JSON.parse(t.variable('acme/api')!)).toMatchObject({ engaged: true, scope: 'Nightly' });
    expect(t.read().workflows).toEqual({ 'acme/api#14': 'active', 'acme/api#12': 'disabled_manually' });
    expect(guard(t.variable('acme/api')!, 'Deploy').code).toBe(0);
  });

  it('round trip: ops guard on a bare runner exits 3 with the variable as engage set it, 0 after release', () => {
    const t = setup();
    expect(t.run(['killswitch', '--reason', 'stop everything']).code).toBe(0);
    const runner = tempDir('ops-runner-');
    const guard = () => opsProcess(['guard'], { cwd: runner, env: { GITHUB_ACTIONS: 'true', OPS_KILLSWITCH: t.variable('acme/web'), GITHUB_WORKFLOW: 'CI', OPS_GH: join(runner, 'no-gh') } });
    const blocked = guard();
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toBe('::error title=ops guard::killswitch engaged for all workflows by alice since 2025-11-14T00:00:00Z: stop everything (OPS_KILLSWITCH)\n');
    // Through gh variable get too (no env variable): the fake gh answers from its state.
    const viaGh = opsProcess(['guard'], { cwd: runner, env: { ...t.env, GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/api', GITHUB_WORKFLOW: 'CI' } });
    expect(viaGh.code).toBe(3);
    expect(t.run(['killswitch', '--release', '--reason', 'ok']).code).toBe(0);
    const free = guard();
    expect(free.code).toBe(0);
    // engaged:false is an answer: no "nothing was checked" warning.
    expect(free.stdout).toBe('ok: runs may proceed (workflow "CI")\n');
    expect(free.stderr).toBe('');
  });

  it('engaging stays local-first: no repos configured → no gh call; a broken config.json → GitHub skipped with a warning, engaged, and --resume reaches it once fixed', () => {
    const none = setup({});
    expect(none.run(['killswitch', '--reason', 'x']).code).toBe(0);
    expect(none.read()).toEqual({});

    const t = setup({ repos: ['acme/api', 'acme/web'], killswitch: { github: { cancelRuns: 'yes' } } });
    const engage = t.run(['killswitch', '--reason', 'broken config']);
    expect(engage.code).toBe(0);
    expect(engage.stdout).toBe('KILLSWITCH ENGAGED for all workflows by alice at 2025-11-14T00:00:00Z: broken config\n');
    expect(engage.stderr).toContain('ops: warning: killswitch: GitHub not reached: .ops/config.json is invalid (its repos and killswitch.github cannot be trusted); fix it, then ops killswitch --resume\n');
    expect(engage.stderr).toContain('killswitch.github.cancelRuns');
    expect(t.read()).toEqual({});
    writeFileSync(join(t.dir, '.ops', 'config.json'), JSON.stringify({ repos: ['acme/api', 'acme/web'], killswitch: { github: { cancelRuns: false, disableSchedules: false } } }));
    const resume = t.run(['killswitch', '--resume', '--json']);
    expect(resume.code).toBe(0);
    expect(JSON.parse(resume.stdout).github.summary).toMatchObject({ variable: { set: 2, of: 2 }, cancelled: 0, disabled: 0, failed: [] });
    expect(JSON.parse(t.variable('acme/api')!)).toMatchObject({ engaged: true, reason: 'broken config' });
    expect(t.read().runs).toBeUndefined();
  });

  it('variableLevel "org": one variable per organisation', () => {
    const t = setup({ repos: ['acme/api', 'acme/web'], killswitch: { github: { variableLevel: 'org', cancelRuns: false, disableSchedules: false } } });
    const r = t.run(['killswitch', '--reason', 'org-wide']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GitHub: variable set in 1/1 orgs, 0 runs cancelled, 0 schedules disabled\n');
    expect(JSON.parse(t.read().variables!['org:acme']!.OPS_KILLSWITCH!.value)).toMatchObject({ engaged: true, scope: '*' });
    expect(t.ghLog().filter((l) => l.startsWith('variable set'))).toEqual([expect.stringMatching(/--org acme --visibility all$/)]);
  });
});

function tempDirOf(env: NodeJS.ProcessEnv): string {
  return join(env.FAKE_GH_STATE!, '..');
}

describe('an engagement that expires', () => {
  it('its schedules are re-enabled and the variable cleared by the next killswitch call (or --resume) after it lapses', () => {
    const t = setup({ repos: ['acme/api'], killswitch: { github: { cancelRuns: false } } });
    expect(t.run(['killswitch', '--reason', 'for an hour', '--expires', '1h']).code).toBe(0);
    expect(JSON.parse(t.variable('acme/api')!)).toMatchObject({ engaged: true, expires_at: '2025-11-14T01:00:00Z' });
    expect(t.read().workflows).toEqual({ 'acme/api#12': 'disabled_manually', 'acme/api#14': 'disabled_manually' });
    const later = { OPS_NOW: '2025-11-14T01:00:01Z' };
    const resume = t.run(['killswitch', '--resume'], later);
    expect(resume.code).toBe(0);
    expect(resume.stderr).toContain('ops: killswitch: GitHub acme/api: 2 scheduled workflows re-enabled (Nightly, Deploy)\n');
    expect(t.read().workflows).toEqual({ 'acme/api#12': 'active', 'acme/api#14': 'active' });
    expect(JSON.parse(t.variable('acme/api')!).engaged).toBe(false);
    expect(t.run(['killswitch', '--resume'], later).stdout).toBe('nothing to resume: the GitHub side of the killswitch is complete\n');
  });
});

describe('overlapping engagements and a process killed mid-way', () => {
  it('a schedule still covered by another engagement stays disabled at release and is re-enabled by the last one', () => {
    const t = setup({ repos: ['acme/api'], killswitch: { github: { cancelRuns: false } } });
    expect(t.run(['killswitch', '--scope', 'Nightly', '--force', '--reason', 'cron storm']).code).toBe(0);
    expect(t.read().workflows).toEqual({ 'acme/api#12': 'disabled_manually' });
    const all = t.run(['killswitch', '--reason', 'everything']);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain('ops: killswitch: GitHub acme/api: 1 scheduled workflow disabled (Deploy); already disabled, left alone: Nightly, Weekly\n');
    // Releasing Nightly's engagement: the global one still covers Nightly, so it stays disabled.
    const nightly = t.run(['killswitch', '--release', '--scope', 'Nightly', '--reason', 'cron fixed']);
    expect(nightly.code).toBe(0);
    expect(t.read().workflows).toEqual({ 'acme/api#12': 'disabled_manually', 'acme/api#14': 'disabled_manually' });
    expect(t.ghLog().some((l) => l.includes('/enable'))).toBe(false);
    expect(t.run(['killswitch', '--release', '--reason', 'all good']).code).toBe(0);
    expect(t.read().workflows).toEqual({ 'acme/api#12': 'active', 'acme/api#14': 'active' });
    expect(t.ghLog().some((l) => l.includes('workflows/13/'))).toBe(false);
  });

  it('killed after the first run was cancelled: the engagement holds, status names the unfinished steps, --resume finishes without cancelling twice', () => {
    const t = setup();
    const killed = t.run(['killswitch', '--reason', 'power cut'], { OPS_FAILPOINT: 'killswitch.github.memo@1' });
    expect(killed.code).toBe(-1);
    const status = t.run(['killswitch', 'status']);
    expect(status.stdout).toMatch(/^ENGAGED: killswitch engaged for all workflows by alice .*\nGitHub: variable set in 2\/2 repos, 1 run cancelled, 0 schedules disabled; 4 steps not finished \(running now, or cut short: ops killswitch --resume\)\n$/);
    const resume = t.run(['killswitch', '--resume']);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toBe('GitHub: variable set in 2/2 repos, 5 runs cancelled (1 force-cancelled), 3 schedules disabled (1 already disabled, left alone)\n');
    expect(t.ghLog().filter((l) => /runs\/101\/cancel/.test(l))).toHaveLength(1);
  });
});

describe('a killswitch engaged by detection', () => {
  it('reaches GitHub too: a misfire seen by ops runs import sets the variable as ops-detect, cancels the scope runs and disables its schedule', () => {
    const t = setup();
    writeFileSync(
      join(t.dir, '.ops', 'killswitch-rules.json'),
      JSON.stringify({ rules: [{ name: 'deploy-from-main-only', condition: 'misfire', scope: 'Deploy', branches: ['main'], events: ['push'] }] }),
    );
    const runs = join(t.dir, 'runs.json');
    const at = '2025-11-13T23:55:00Z';
    writeFileSync(
      runs,
      JSON.stringify([
        { run_id: '9001', attempt: 1, repository: 'acme/api', workflow: 'Deploy', event: 'push', branch: 'feature/x', status: 'completed', conclusion: 'success', created_at: at, started_at: at, completed_at: at, url: 'https://github.com/acme/api/actions/runs/9001' },
      ]),
    );
    const r = t.run(['runs', 'import', runs]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/→ engaged killswitch #1 for Deploy\n/);
    expect(r.stderr).toContain('ops: killswitch: GitHub acme/api: variable OPS_KILLSWITCH set (engaged), read back\n');
    expect(JSON.parse(t.variable('acme/api')!)).toMatchObject({ engaged: true, scope: 'Deploy', by: 'ops-detect' });
    expect(JSON.parse(t.variable('acme/web')!)).toMatchObject({ engaged: true, scope: 'Deploy' });
    const s = t.read();
    // Only the scope: Deploy's runs cancelled, CI's left running; Deploy's schedule disabled.
    expect(s.runs?.['acme/api#103']).toMatchObject({ conclusion: 'cancelled' });
    expect(s.runs?.['acme/api#101']).toBeUndefined();
    expect(wfState(s, 'acme/api#14')).toBe('disabled_manually');
    expect(wfState(s, 'acme/api#12')).toBe('active');
    // A later write plans nothing new: no second saga, no more gh calls.
    const calls = t.ghLog().length;
    expect(t.run(['runs', 'import', runs]).code).toBe(0);
    expect(t.ghLog().length).toBe(calls);
  });
});
