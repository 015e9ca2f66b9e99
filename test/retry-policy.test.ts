import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../src/config/load';
import { backoffSeconds, decideAfterFailure, retries, tuningFor } from '../src/retry/policy';
import { expandTemplate } from '../src/retry/command';
import { ops, workspaceDir } from './helpers';
import { mkdirSync, writeFileSync } from 'node:fs';
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

  it('retries transient and rate-limit failures; unknown only with retryUnknown', () => {
    expect(['transient', 'rate_limit', 'configuration', 'permission', 'resource', 'unknown'].map((c) => retries(t, c as never))).toEqual([true, true, false, false, false, false]);
    expect(retries({ ...t, retryUnknown: true }, 'unknown')).toBe(true);
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
