import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../src/config/load';
import { backoffSeconds, decideAfterFailure, retries, tuningFor } from '../src/retry/policy';
import { expandTemplate } from '../src/retry/command';
import { FAKE_GH, githubEnv, ops, opsProcess, tempDir, workspaceDir } from './helpers';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const policy = defaultsOf('retry-policy.json');

describe('retry policy (SPEC §2.1)', () => {
  const t = tuningFor(policy, 'CI');

  it('backs off 5 s, 10 s, 20 s with the defaults, capped, never shorter than Retry-After', () => {
    expect([1, 2, 3].map((n) => backoffSeconds(t, n, undefined))).toEqual([5, 10, 20]);
    expect(backoffSeconds({ ...t, capSeconds: 12 }, 3, undefined)).toBe(12);
    expect(backoffSeconds(t, 1, 60)).toBe(60);
    expect(backoffSeconds(t, 3, 2)).toBe(20);
  });

  it('jitter spreads the wait by at most ±jitter', () => {
    const j = { ...t, jitter: 0.2 };
    expect(backoffSeconds(j, 2, undefined, 0)).toBe(8);
    expect(backoffSeconds(j, 2, undefined, 0.5)).toBe(10);
    expect(backoffSeconds(j, 2, undefined, 0.999999)).toBeCloseTo(12, 3);
  });

  it('retries transient and rate-limit failures; unknown only with retryUnknown, test_failure only with retryFlakyTests', () => {
    expect(['transient', 'rate_limit', 'configuration', 'permission', 'resource', 'unknown'].map((c) => retries(t, c as never))).toEqual([true, true, false, false, false, false]);
    expect(retries({ ...t, retryUnknown: true }, 'unknown')).toBe(true);
    for (const c of ['test_failure', 'build_failure', 'lint_failure', 'capacity', 'timeout', 'cancelled'] as const) expect(retries(t, c), c).toBe(false);
    expect(retries({ ...t, retryFlakyTests: true }, 'test_failure')).toBe(true);
    expect(retries({ ...t, retryFlakyTests: true }, 'build_failure')).toBe(false);
    expect(decideAfterFailure(t, 'test_failure', 1, 3, undefined)).toMatchObject({ next: 'fail', why: expect.stringContaining('retryFlakyTests') });
  });

  it('a per-workflow override wins over the defaults, field by field', () => {
    const p = { ...policy, overrides: [{ workflow: 'Deploy', maxRetries: 1, retryClasses: ['transient' as const] }] };
    expect(tuningFor(p, 'Deploy')).toMatchObject({ maxRetries: 1, retryClasses: ['transient'], baseSeconds: 5 });
    expect(tuningFor(p, 'CI')).toMatchObject({ maxRetries: 3, retryClasses: ['transient', 'rate_limit'] });
  });

  it('decides: retry while attempts remain, else give up saying why', () => {
    expect(decideAfterFailure(t, 'transient', 1, 3, undefined)).toEqual({ next: 'retry', delaySeconds: 5 });
    expect(decideAfterFailure(t, 'transient', 3, 3, undefined)).toEqual({ next: 'fail', why: 'gave up after 3 of 3 attempts' });
    expect(decideAfterFailure(t, 'permission', 1, 3, undefined)).toMatchObject({ next: 'fail', why: expect.stringContaining('class permission is not retried') });
  });
});

describe('retry command template', () => {
  it('expands placeholders into separate arguments, never through a shell', () => {
    const argv = expandTemplate(['{gh}', 'workflow', 'run', '{workflow}', '-f', 'attempt={attempt}'], { gh: 'gh', run_id: '1', repository: 'a/b', workflow: 'Deploy "prod"; rm -rf /', attempt: 2, run_attempt: 1 });
    expect(argv).toEqual(['gh', 'workflow', 'run', 'Deploy "prod"; rm -rf /', '-f', 'attempt=2']);
  });

  it('an unknown placeholder is a config error naming the field (exit 2)', async () => {
    const ws = workspaceDir();
    mkdirSync(join(ws, '.ops'), { recursive: true });
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ retryCommand: ['{gh}', 'run', 'rerun', '{runid}'] }));
    const r = await ops(['retry', 'replay', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ops: \.ops\/config\.json: retryCommand: unknown placeholder \{runid\} \(known: \{gh\}, \{run_id\}/);
  });
});

// ---------------------------------------------------------------------------------------
// test_failure and retryFlakyTests (issue 18 item 9), through the built binary.

const ciEnv = (ws: string, runId: string): NodeJS.ProcessEnv => githubEnv(runId, { OPS_WORKSPACE: ws });

/** A workspace (ops init) with a job log in logs/, and the given retry policy. */
function jobWorkspace(log: string, policy?: object): string {
  const ws = tempDir();
  expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
  if (policy) writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify(policy));
  mkdirSync(join(ws, 'logs'));
  writeFileSync(join(ws, 'logs', 'job.log'), log);
  return ws;
}

const collectFailure = (ws: string, runId: string) => {
  const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--conclusion', 'failure', '--json'], { cwd: ws, env: ciEnv(ws, runId) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { classification: { class: string; retryable: boolean; action: string }; enqueued: { class: string } | null };
};

const JEST_LOG = [
  '2025-11-13T23:58:01.1234567Z > api@1.0.0 test',
  '2025-11-13T23:58:09.2234567Z FAIL src/orders/checkout.test.ts (5.2 s)',
  '2025-11-13T23:58:09.2234568Z   ● checkout › applies the discount code',
  '2025-11-13T23:58:12.0000000Z Tests:       3 failed, 45 passed, 48 total',
  '2025-11-13T23:58:12.1000000Z ##[error]Process completed with exit code 1.',
  '',
].join('\n');

describe('retry-policy.json retryFlakyTests', () => {
  it('ops init writes it, off; a value that is not a boolean is exit 2 naming the field', () => {
    const ws = tempDir();
    expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(ws, '.ops', 'retry-policy.json'), 'utf8'))).toMatchObject({ retryFlakyTests: false });
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), '{"retryFlakyTests": "yes"}');
    const r = opsProcess(['config', 'check', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ops: \.ops\/retry-policy\.json: retryFlakyTests: .*expected boolean/);
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), '{"overrides": [{"workflow": "E2E", "retryFlakyTests": 1}]}');
    expect(opsProcess(['config', 'check', '--workspace', ws]).stderr).toMatch(/^ops: \.ops\/retry-policy\.json: overrides\.0\.retryFlakyTests: /);
  });

  it('a failed test suite is test_failure and not queued by default', () => {
    const ws = jobWorkspace(JEST_LOG);
    const c = collectFailure(ws, '7001');
    expect(c.classification).toMatchObject({ class: 'test_failure', retryable: false });
    expect(c.classification.action).toMatch(/^fix the failing tests; the first failure: src\/orders\/checkout\.test\.ts/);
    expect(c.enqueued).toBeNull();
    expect(JSON.parse(opsProcess(['retry', 'list', '--json', '--workspace', ws]).stdout)).toEqual([]);
  });

  it('with retryFlakyTests (or only for one workflow) it is queued for a re-run', () => {
    const ws = jobWorkspace(JEST_LOG, { retryFlakyTests: true });
    expect(collectFailure(ws, '7002').enqueued).toMatchObject({ class: 'test_failure' });
    const only = jobWorkspace(JEST_LOG, { overrides: [{ workflow: 'CI', retryFlakyTests: true }] });
    expect(collectFailure(only, '7003').enqueued).toMatchObject({ class: 'test_failure' });
  });

  it('a runner that cannot resolve api.github.com is transient: queued for a re-run', () => {
    const ws = jobWorkspace('2025-11-13T23:58:01.1234567Z Error: getaddrinfo ENOTFOUND api.github.com\n2025-11-13T23:58:01.2234567Z ##[error]Process completed with exit code 1.\n');
    const c = collectFailure(ws, '7004');
    expect(c.classification).toMatchObject({ class: 'transient', retryable: true });
    expect(c.enqueued).toMatchObject({ class: 'transient' });
  });
});

describe('ops retry replay (real binary): a re-run that fails with gh network or token trouble', () => {
  /** A workspace with one queued retry of a failed run, and a fake gh that fails every call so. */
  function queued(ghFails: string) {
    const ws = jobWorkspace('2025-11-13T23:58:01Z HTTP 503: Service Unavailable (https://api.github.com/repos/acme/api/deployments)\n');
    expect(collectFailure(ws, '7101').enqueued).toMatchObject({ class: 'transient' });
    return { ws, env: { OPS_WORKSPACE: ws, OPS_GH: FAKE_GH, FAKE_GH_FAIL: ghFails } };
  }
  const entry = (ws: string) => JSON.parse(opsProcess(['retry', 'list', '--json', '--workspace', ws]).stdout)[0];

  it('gh cannot connect to api.github.com: the entry waits for its next attempt', () => {
    const { ws, env } = queued('1:error connecting to api.github.com\ncheck your internet connection or https://githubstatus.com');
    const r = opsProcess(['retry', 'replay'], { env });
    expect(r.code).toBe(0);
    expect(entry(ws)).toMatchObject({ state: 'pending', attempt: 1, classification: { class: 'transient', retryable: true } });
  });

  it('gh without GH_TOKEN (exit 4): failed for good as configuration, saying to set GH_TOKEN', () => {
    const { ws, env } = queued('4:To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}');
    const r = opsProcess(['retry', 'replay'], { env });
    expect(r.stdout).toMatch(/action: .*GH_TOKEN/);
    expect(entry(ws)).toMatchObject({ state: 'failed', attempt: 1, classification: { class: 'configuration', retryable: false } });
  });
});

describe('the new classes are accepted wherever classes are listed (real binary)', () => {
  it('retryClasses, ops runs list | ops runs import, the report\'s failures by class', () => {
    const ws = jobWorkspace(JEST_LOG, { retryClasses: ['transient', 'rate_limit', 'timeout', 'capacity'] });
    expect(opsProcess(['config', 'check', '--workspace', ws]).code).toBe(0);
    collectFailure(ws, '7201');

    const listed = opsProcess(['runs', 'list', '--json', '--workspace', ws]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ run_id: '7201', classification: { class: 'test_failure' } });
    const other = tempDir();
    expect(opsProcess(['init', '--workspace', other]).code).toBe(0);
    const imported = opsProcess(['runs', 'import', '-', '--workspace', other], { input: listed.stdout });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(JSON.parse(opsProcess(['runs', 'show', '7201', '--json', '--workspace', other]).stdout)).toMatchObject({ classification: { class: 'test_failure', cause: 'test failure' } });

    const report = opsProcess(['report', '--date', '2025-11-14', '--workspace', ws]);
    expect(report.code).toBe(0);
    expect(readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'PHASE4_AUDIT_SUMMARY.md'), 'utf8')).toMatch(/\| test_failure +\| +- +\| test failure +\| +1 \|/);
  });
});
