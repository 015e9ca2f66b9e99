import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, NOW, opsProcess, tempDir, workspaceDir } from './helpers';

/**
 * Issue 21 part 3: `ops guard` on a GitHub-hosted runner, where there is no ledger. The
 * killswitch comes from the OPS_KILLSWITCH variable (passed as `${{ vars.OPS_KILLSWITCH }}`),
 * else from `gh variable get`. Every test runs the built bin/ops in a fresh "runner" folder.
 */

const engagedDeploy = JSON.stringify({ engaged: true, scope: 'Deploy', reason: 'bad release 2025.11', by: 'alice', since: '2025-11-13T22:00:00Z', expires_at: null });
const runner = () => {
  const dir = tempDir('ops-runner-');
  // No gh on this runner unless a test says so: the warning then names why gh gave no answer.
  return { dir, env: { GITHUB_ACTIONS: 'true', OPS_GH: join(dir, 'no-gh') } };
};

describe('ops guard without a ledger: OPS_KILLSWITCH from the environment', () => {
  it('engaged for the workflow (case ignored): exit 3, an ::error annotation with who, why and since, nothing written', () => {
    const { dir, env } = runner();
    const r = opsProcess(['guard'], { cwd: dir, env: { ...env, OPS_KILLSWITCH: engagedDeploy, GITHUB_WORKFLOW: 'deploy' } });
    expect(r.code).toBe(3);
    const reason = 'killswitch engaged for workflow "Deploy" by alice since 2025-11-13T22:00:00Z: bad release 2025.11 (OPS_KILLSWITCH)';
    expect(r.stdout).toBe(`::error title=ops guard::${reason}\n`);
    expect(r.stderr).toBe(`ops: guard: blocked: ${reason}\n`);
    expect(readdirSync(dir)).toEqual([]);
    const json = opsProcess(['guard', '--json'], { cwd: dir, env: { ...env, OPS_KILLSWITCH: engagedDeploy, GITHUB_WORKFLOW: 'DEPLOY' } });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ ok: false, reasons: [reason], source: 'OPS_KILLSWITCH', sources: [{ kind: 'env', name: 'OPS_KILLSWITCH', state: 'engaged' }], warnings: [] });
  });

  it('another workflow, an expired engagement, or engaged:false proceed; "*" stops every workflow', () => {
    const { dir, env } = runner();
    const guard = (value: string, workflow: string) => opsProcess(['guard', '--json'], { cwd: dir, env: { ...env, OPS_KILLSWITCH: value, GITHUB_WORKFLOW: workflow } });
    const other = guard(engagedDeploy, 'CI');
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ ok: true, source: 'OPS_KILLSWITCH', warnings: [] });
    const expired = { ...JSON.parse(engagedDeploy), expires_at: '2025-11-13T23:59:59Z' };
    expect(guard(JSON.stringify(expired), 'Deploy').code).toBe(0);
    expect(guard(JSON.stringify({ ...expired, expires_at: '2025-11-14T00:00:01Z' }), 'Deploy').code).toBe(3);
    expect(guard('{"engaged":false}', 'Deploy').code).toBe(0);
    const all = guard(JSON.stringify({ ...JSON.parse(engagedDeploy), scope: '*' }), 'Nightly');
    expect(all.code).toBe(3);
    expect(JSON.parse(all.stdout).reasons).toEqual(['killswitch engaged for all workflows by alice since 2025-11-13T22:00:00Z: bad release 2025.11 (OPS_KILLSWITCH)']);
  });

  it('empty (the variable is not set on GitHub) and no gh: exit 0 with the warning that nothing was checked', () => {
    const { dir, env } = runner();
    const r = opsProcess(['guard'], { cwd: dir, env: { ...env, OPS_KILLSWITCH: '', GITHUB_WORKFLOW: 'Deploy' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^unchecked: no killswitch source; runs may proceed \(workflow "Deploy"\)\n::warning title=ops guard::guard: no killswitch source found \(no ledger at .*; OPS_KILLSWITCH empty or not set; gh variable get OPS_KILLSWITCH: cannot run ".*no-gh": not found\): nothing was checked/);
    expect(r.stderr).toMatch(/^ops: warning: guard: no killswitch source found .*nothing was checked/);
  });

  it('a value that cannot be read blocks (exit 3) and names the variable and the problem', () => {
    const { dir, env } = runner();
    const guard = (value: string) => opsProcess(['guard'], { cwd: dir, env: { ...env, OPS_KILLSWITCH: value, GITHUB_WORKFLOW: 'CI' } });
    const notJson = guard('{engaged: true');
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toMatch(/^ops: guard: blocked: OPS_KILLSWITCH: not valid JSON \(.*\); a killswitch that cannot be read blocks every workflow: fix the variable or clear it\n$/);
    expect(notJson.stdout).toMatch(/^::error title=ops guard::OPS_KILLSWITCH: not valid JSON/);
    const shape = guard('{"engaged":"yes","scope":"Deploy"}');
    expect(shape.code).toBe(3);
    expect(shape.stderr).toBe('ops: guard: blocked: OPS_KILLSWITCH: engaged: expected true or false, got "yes"; a killswitch that cannot be read blocks every workflow: fix the variable or clear it\n');
    const fields = guard('{"engaged":true,"scope":"Deploy","by":"alice","since":"yesterday"}');
    expect(fields.code).toBe(3);
    expect(fields.stderr).toContain('OPS_KILLSWITCH: reason: expected a string, got nothing, since: expected an ISO-8601 time with a zone, got "yesterday";');
  });
});

describe('ops guard without a ledger nor OPS_KILLSWITCH: gh variable get', () => {
  // gh's state and call log live outside the runner folder (a folder of their own).
  const ghEnv = (_dir: string) => {
    const gh = tempDir('ops-fake-gh-');
    return { GITHUB_ACTIONS: 'true', OPS_GH: FAKE_GH, FAKE_GH_STATE: join(gh, 'state.json'), FAKE_GH_LOG: join(gh, 'gh.log'), GITHUB_REPOSITORY: 'acme/api' };
  };

  it('reads the repository variable, then the organisation one, with the repository from GITHUB_REPOSITORY', () => {
    const dir = tempDir('ops-runner-');
    const env = ghEnv(dir);
    // Not set anywhere: GitHub answered, so something was checked; no warning.
    const unset = opsProcess(['guard', '--json'], { cwd: dir, env: { ...env, GITHUB_WORKFLOW: 'Deploy' } });
    expect(unset.code).toBe(0);
    expect(JSON.parse(unset.stdout)).toEqual({ ok: true, reasons: [], source: 'gh variable get OPS_KILLSWITCH --repo acme/api', sources: [{ kind: 'gh', name: 'gh variable get OPS_KILLSWITCH --repo acme/api', state: 'not-engaged' }], warnings: [] });
    expect(readFileSync(env.FAKE_GH_LOG, 'utf8')).toBe('variable get OPS_KILLSWITCH --repo acme/api\nvariable get OPS_KILLSWITCH --org acme\n');

    // Set at the organisation level (as `ops killswitch` does with an org configured).
    expect(opsProcess(['guard'], { cwd: dir, env: { ...env } }).code).toBe(0);
    writeFileSync(env.FAKE_GH_STATE, JSON.stringify({ variables: { 'org:acme': { OPS_KILLSWITCH: { value: engagedDeploy, updatedAt: NOW } } } }));
    const org = opsProcess(['guard'], { cwd: dir, env: { ...env, GITHUB_WORKFLOW: 'Deploy' } });
    expect(org.code).toBe(3);
    expect(org.stderr).toBe('ops: guard: blocked: killswitch engaged for workflow "Deploy" by alice since 2025-11-13T22:00:00Z: bad release 2025.11 (gh variable get OPS_KILLSWITCH --org acme)\n');
  });

  it('set with gh variable set at the repository: blocks; deleted: proceeds; gh failing: warns and proceeds', () => {
    const dir = tempDir('ops-runner-');
    const env = ghEnv(dir);
    const gh = (...args: string[]) => spawnSync(process.execPath, [FAKE_GH, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(gh('variable', 'set', 'OPS_KILLSWITCH', '--repo', 'acme/api', '--body', JSON.stringify({ ...JSON.parse(engagedDeploy), scope: '*' })).status).toBe(0);
    const blocked = opsProcess(['guard', '--json'], { cwd: dir, env: { ...env, GITHUB_WORKFLOW: 'CI' } });
    expect(blocked.code).toBe(3);
    expect(JSON.parse(blocked.stdout)).toMatchObject({ ok: false, source: 'gh variable get OPS_KILLSWITCH --repo acme/api', sources: [{ kind: 'gh', name: 'gh variable get OPS_KILLSWITCH --repo acme/api', state: 'engaged' }] });
    expect(gh('variable', 'delete', 'OPS_KILLSWITCH', '--repo', 'acme/api').status).toBe(0);
    expect(opsProcess(['guard'], { cwd: dir, env: { ...env, GITHUB_WORKFLOW: 'CI' } }).code).toBe(0);

    // gh present but not authenticated: no source; proceed, warn, and say why.
    const r = opsProcess(['guard'], { cwd: dir, env: { ...env, GITHUB_WORKFLOW: 'CI', FAKE_GH_FAIL: '4:To get started with GitHub CLI, please run:  gh auth login' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ops: warning: guard: no killswitch source found \(no ledger at .*; OPS_KILLSWITCH empty or not set; gh variable get OPS_KILLSWITCH --repo acme\/api: To get started with GitHub CLI, please run:  gh auth login\): nothing was checked/);
  });
});

describe('ops guard when gh hangs', () => {
  it('gives up after 5 s: no source, a warning, runs proceed', () => {
    const dir = tempDir('ops-runner-');
    const scenario = join(tempDir('ops-fake-gh-'), 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ 'variable get': [{ sleep_ms: 20_000 }] }));
    const started = Date.now();
    const r = opsProcess(['guard'], { cwd: dir, env: { OPS_GH: FAKE_GH, FAKE_GH_SCENARIO: scenario, GITHUB_REPOSITORY: 'acme/api', GITHUB_WORKFLOW: 'CI' } });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ops: warning: guard: no killswitch source found \(.*; gh variable get OPS_KILLSWITCH --repo acme\/api: no answer within 5 s\): nothing was checked/);
  }, 20_000);
});

describe('ops guard with a ledger and OPS_KILLSWITCH', () => {
  it('either source engaged blocks: a ledger released locally does not override the variable, nor the other way round; gh is not asked', () => {
    const ws = workspaceDir();
    const log = join(ws, 'gh.log');
    const env = { OPS_GH: FAKE_GH, FAKE_GH_LOG: log, OPS_ACTOR: 'bob' };
    opsProcess(['killswitch', '--reason', 'db migration', '--workspace', ws], { env });
    opsProcess(['killswitch', '--release', '--reason', 'done', '--workspace', ws], { env });
    const guard = (extra: NodeJS.ProcessEnv) => opsProcess(['guard', '--json', '--workspace', ws], { env: { ...env, GITHUB_WORKFLOW: 'Deploy', ...extra } });
    const ledger = join(ws, '.ops', 'ledger.db');

    const released = guard({ OPS_KILLSWITCH: engagedDeploy });
    expect(released.code).toBe(3);
    expect(JSON.parse(released.stdout)).toMatchObject({
      source: 'OPS_KILLSWITCH',
      sources: [
        { kind: 'ledger', name: ledger, state: 'not-engaged' },
        { kind: 'env', name: 'OPS_KILLSWITCH', state: 'engaged' },
      ],
    });
    expect(guard({ OPS_KILLSWITCH: '' }).code).toBe(0);

    opsProcess(['killswitch', '--reason', 'db migration again', '--workspace', ws], { env });
    const both = guard({ OPS_KILLSWITCH: '{"engaged":false}' });
    expect(both.code).toBe(3);
    expect(JSON.parse(both.stdout)).toMatchObject({ source: ledger, reasons: [`killswitch engaged for all workflows by bob since ${NOW}: db migration again`] });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').split('\n') : [];
    expect(calls.filter((l) => l.startsWith('variable'))).toEqual([]);
  });
});

describe('OPS_KILLSWITCH as an array (several engagements, as ops killswitch writes them)', () => {
  it('any element covering the workflow blocks; an unreadable element blocks; an empty array proceeds', () => {
    const dir = tempDir('ops-runner-');
    const guard = (value: string, workflow: string) =>
      opsProcess(['guard', '--json'], { cwd: dir, env: { GITHUB_ACTIONS: 'true', OPS_GH: join(dir, 'no-gh'), OPS_KILLSWITCH: value, GITHUB_WORKFLOW: workflow } });
    const nightly = { ...JSON.parse(engagedDeploy), scope: 'Nightly', reason: 'cron storm' };
    const both = JSON.stringify([JSON.parse(engagedDeploy), nightly]);
    expect(guard(both, 'deploy').code).toBe(3);
    const r = guard(both, 'NIGHTLY');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).reasons).toEqual(['killswitch engaged for workflow "Nightly" by alice since 2025-11-13T22:00:00Z: cron storm (OPS_KILLSWITCH[1])']);
    expect(guard(both, 'CI').code).toBe(0);
    expect(guard('[]', 'CI').code).toBe(0);
    const bad = guard(JSON.stringify([JSON.parse(engagedDeploy), { engaged: 'yes' }]), 'CI');
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout).reasons[0]).toMatch(/^OPS_KILLSWITCH\[1\]: engaged: expected true or false, got "yes"/);
  });
});
