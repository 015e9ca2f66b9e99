import type { RetryPolicy } from '../config/schemas';
import type { FailureClass } from '../runs/types';

/**
 * The retry policy (SPEC §2.1) as pure functions: which failures are retried, how many
 * times, and how long to wait before each retry. No I/O, no clock: callers pass `now`.
 */

export interface Tuning {
  retryClasses: readonly FailureClass[];
  baseSeconds: number;
  factor: number;
  maxRetries: number;
  jitter: number;
  capSeconds: number;
  retryUnknown: boolean;
  retryFlakyTests: boolean;
}

/** The policy for one workflow: its override's fields win over the defaults. */
export function tuningFor(policy: RetryPolicy, workflow: string): Tuning {
  const override = policy.overrides.find((o) => o.workflow === workflow);
  const pick = <K extends keyof Tuning>(k: K): Tuning[K] => (override?.[k] ?? policy[k]) as Tuning[K];
  return {
    retryClasses: pick('retryClasses'),
    baseSeconds: pick('baseSeconds'),
    factor: pick('factor'),
    maxRetries: pick('maxRetries'),
    jitter: pick('jitter'),
    capSeconds: pick('capSeconds'),
    retryUnknown: pick('retryUnknown'),
    retryFlakyTests: pick('retryFlakyTests'),
  };
}

/** Does the policy retry this class? `unknown` only when retryUnknown says so, `test_failure` only with retryFlakyTests. */
export function retries(t: Tuning, cls: FailureClass): boolean {
  if (cls === 'unknown') return t.retryUnknown || t.retryClasses.includes('unknown');
  if (cls === 'test_failure') return t.retryFlakyTests || t.retryClasses.includes('test_failure');
  return t.retryClasses.includes(cls);
}

/**
 * Seconds to wait after the `failedAttempts`-th re-run failed: base × factor^(n−1), capped,
 * spread by ±jitter (random in [0, 1) from the caller, so tests are exact), and never
 * shorter than what the service asked for (Retry-After / rate-limit reset).
 * With the defaults: 5 s, 10 s, 20 s.
 */
export function backoffSeconds(t: Tuning, failedAttempts: number, retryAfterSeconds: number | undefined, random = 0.5): number {
  const raw = t.baseSeconds * t.factor ** Math.max(0, failedAttempts - 1);
  const capped = Math.min(raw, t.capSeconds);
  const jittered = t.jitter ? capped * (1 + t.jitter * (2 * random - 1)) : capped;
  return Math.max(Math.round(jittered * 1000) / 1000, retryAfterSeconds ?? 0);
}

export type Decision = { next: 'retry'; delaySeconds: number } | { next: 'fail'; why: string };

/** After a failed re-run: retry later, or give up (and why, in words an on-call reads). */
export function decideAfterFailure(
  t: Tuning,
  cls: FailureClass,
  attemptsDone: number,
  maxAttempts: number,
  retryAfterSeconds: number | undefined,
  random?: number,
): Decision {
  if (!retries(t, cls)) return { next: 'fail', why: `class ${cls} is not retried (retry-policy.json retryClasses${cls === 'unknown' ? ', retryUnknown' : cls === 'test_failure' ? ', retryFlakyTests' : ''})` };
  if (attemptsDone >= maxAttempts) return { next: 'fail', why: `gave up after ${attemptsDone} of ${maxAttempts} attempts` };
  return { next: 'retry', delaySeconds: backoffSeconds(t, attemptsDone, retryAfterSeconds, random) };
}
