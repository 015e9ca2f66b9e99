import type { RetryAttempt, RetryEntry } from './queue';

/**
 * The lines of `logs/retry_log_YYYYMMDD.log` (SPEC §3.1), one per step of an entry. Each step
 * is a `retry.*` event whose payload carries the line's content (`payload.step`); the
 * retry-log consumer (src/consumers/retry-log) writes the line from it.
 */

export type RetryStepKind = 'ENQUEUE' | 'ATTEMPT' | 'RECOVERED' | 'RESCHEDULE' | 'WAITING' | 'FAILED' | 'HELD' | 'DEFERRED' | 'LOST' | 'CANCEL';

/** A step of the replay as it happens (progress, the storm check); its log line comes from its event. */
export interface RetryLogEvent {
  at: string;
  what: RetryStepKind;
  entry: RetryEntry;
  attempt?: RetryAttempt | null;
  detail?: string;
}

/**
 * What a retry log line shows, carried by the step's `retry.*` event as `payload.step`: the
 * entry and its attempt as they were at that step (later steps change them), so the
 * retry-log consumer writes the line from the event alone, whenever it runs.
 */
export interface RetryStep {
  what: RetryStepKind;
  entry: Pick<RetryEntry, 'id' | 'run_id' | 'workflow' | 'attempt' | 'max_attempts' | 'state' | 'next_attempt_at'>;
  attempt: { outcome: string; idempotency_key: string; exit_code: number | null; http_status: number | null; class: string | null; duration_ms: number | null } | null;
  detail: string | null;
}

export function retryStep(what: RetryStepKind, e: RetryEntry, a?: RetryAttempt | null, detail?: string | null): RetryStep {
  return {
    what,
    entry: { id: e.id, run_id: e.run_id, workflow: e.workflow, attempt: e.attempt, max_attempts: e.max_attempts, state: e.state, next_attempt_at: e.next_attempt_at },
    attempt: a
      ? { outcome: a.outcome, idempotency_key: a.idempotency_key, exit_code: a.exit_code, http_status: a.http_status, class: a.classification?.class ?? null, duration_ms: a.duration_ms }
      : null,
    detail: detail || null,
  };
}

/** One greppable key=value line; free text quoted last. */
export function retryStepLine(at: string, s: RetryStep): string {
  const { entry: e, attempt: a } = s;
  const parts = [at, s.what, `entry=${e.id}`, `run=${e.run_id}`, `workflow=${JSON.stringify(e.workflow)}`, `attempt=${e.attempt}/${e.max_attempts}`, `state=${e.state}`];
  if (a) {
    parts.push(`outcome=${a.outcome}`, `key=${a.idempotency_key}`);
    if (a.exit_code !== null) parts.push(`exit=${a.exit_code}`);
    if (a.http_status !== null) parts.push(`http=${a.http_status}`);
    if (a.class) parts.push(`class=${a.class}`);
    if (a.duration_ms !== null) parts.push(`duration_ms=${a.duration_ms}`);
  }
  if (e.state === 'pending') parts.push(`next=${e.next_attempt_at}`);
  if (s.detail) parts.push(`detail=${JSON.stringify(s.detail)}`);
  return parts.join(' ');
}
