import { appendAudit } from '../events/log';
import type { RetryPolicy } from '../config/schemas';
import { engage, release } from '../actions/killswitch';
import type { Ledger } from '../ledger/open';
import { retries, tuningFor } from '../retry/policy';
import { executionKey } from '../retry/queue';
import { failedConclusions, type Classification } from '../runs/types';
import { toIso } from '../time/clock';

/**
 * The demo's retry history, derived from its generated runs: where a run's first attempt
 * failed with a class the policy retries and later attempts exist, those attempts are what
 * ops re-ran (an entry with one executed attempt per re-run, recovered or failed for good,
 * each step in the audit log), plus one killswitch engagement and its release three days
 * back. So KPIs, reports and audit tickets of a demo have something real to show.
 * Deterministic: everything follows from the generated runs and `now`.
 */

interface AttemptRow {
  run_id: string;
  attempt: number;
  workflow: string;
  repository: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  classification: string | null;
}

export interface DemoRetryStats {
  entries: number;
  attempts: number;
  recovered: number;
  failed: number;
}

const OWNER = 'demo-replayer';
const at = (iso: string, deltaMs: number) => toIso(Date.parse(iso) + deltaMs);

export function writeDemoRetryHistory(db: Ledger, policy: RetryPolicy, nowMs: number): DemoRetryStats {
  const failed = [...failedConclusions].map((c) => `'${c}'`).join(', ');
  const rows = db
    .prepare(
      `SELECT run_id, attempt, workflow, repository, status, conclusion, started_at, completed_at, classification FROM run_attempts
       WHERE run_id IN (SELECT run_id FROM run_attempts WHERE attempt = 1 AND conclusion IN (${failed}))
         AND run_id IN (SELECT run_id FROM run_attempts WHERE attempt = 2)
       ORDER BY run_id, attempt`,
    )
    .all() as AttemptRow[];
  const byRun = new Map<string, AttemptRow[]>();
  for (const r of rows) byRun.set(r.run_id, [...(byRun.get(r.run_id) ?? []), r]);

  const events: { ts: string; apply: () => void }[] = [];
  const stats: DemoRetryStats = { entries: 0, attempts: 0, recovered: 0, failed: 0 };
  const insertEntry = db.prepare(
    `INSERT INTO retry_queue (run_id, run_attempt, repository, workflow, state, phase, attempt, max_attempts, next_attempt_at, origin, reason, class,
       classification, last_error, last_http_status, watch_attempt, dispatched_at, idempotency_key, recovered_at, recovery_ms, created_at, updated_at)
     VALUES (?, 1, ?, ?, ?, 'verify', ?, ?, ?, 'auto', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO retry_attempts (entry_id, run_id, workflow, attempt, idempotency_key, owner, command, reason, started_at, finished_at, duration_ms,
       outcome, exit_code, run_attempt, run_conclusion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 900, ?, 0, ?, ?)`,
  );

  for (const [runId, attempts] of byRun) {
    const first = attempts[0]!;
    if (!first.classification || !first.completed_at) continue;
    const c = JSON.parse(first.classification) as Classification;
    const tuning = tuningFor(policy, first.workflow);
    if (!retries(tuning, c.class) || tuning.maxRetries === 0) continue;
    // Only finished re-runs, at most the policy's number.
    const reruns = attempts.slice(1, 1 + tuning.maxRetries).filter((a) => a.status === 'completed' && a.started_at && a.completed_at);
    if (!reruns.length || reruns.length !== Math.min(attempts.length - 1, tuning.maxRetries)) continue;
    const last = reruns.at(-1)!;
    const recovered = last.conclusion === 'success';
    const done = recovered || reruns.length >= tuning.maxRetries;
    if (!done) continue; // still being retried as far as the demo knows: leave it to auto-enqueue
    const end = last.completed_at!;
    const why = recovered ? null : `run attempt ${last.attempt} concluded ${last.conclusion}; gave up after ${reruns.length} of ${tuning.maxRetries} attempts`;
    const recoveryMs = recovered ? Date.parse(end) - Date.parse(first.completed_at) : null;
    const id = Number(
      insertEntry.run(
        runId,
        first.repository,
        first.workflow,
        recovered ? 'completed' : 'failed',
        reruns.length,
        tuning.maxRetries,
        end,
        `auto: ${c.class}: ${c.cause}`,
        c.class,
        first.classification,
        why,
        c.http_status,
        last.attempt,
        at(last.started_at!, -3000),
        `enqueue:${runId}:1`,
        recovered ? end : null,
        recoveryMs,
        first.completed_at,
        end,
      ).lastInsertRowid,
    );
    stats.entries++;
    stats[recovered ? 'recovered' : 'failed']++;
    events.push({ ts: first.completed_at, apply: () => audit(db, first.completed_at!, 'retry.enqueue', runId, id, `enqueue:${runId}:1`, { id, origin: 'auto', class: c.class }) });
    reruns.forEach((a, i) => {
      const key = executionKey(runId, i + 1);
      const outcome = a.conclusion === 'success' ? 'succeeded' : 'rerun_failed';
      insertAttempt.run(id, runId, first.workflow, i + 1, key, OWNER, JSON.stringify(['gh', 'run', 'rerun', runId, '--failed']), `auto: ${c.class}: ${c.cause}`, at(a.started_at!, -3000), at(a.started_at!, -2000), outcome, a.attempt, a.conclusion);
      stats.attempts++;
      events.push({ ts: at(a.started_at!, -2000), apply: () => audit(db, at(a.started_at!, -2000), 'retry.attempt', runId, id, key, { id, attempt: i + 1, outcome: 'dispatched' }) });
    });
    events.push({
      ts: end,
      apply: () =>
        recovered
          ? audit(db, end, 'retry.recovered', runId, id, null, { id, run_attempt: last.attempt, recovery_ms: recoveryMs })
          : audit(db, end, 'retry.failed', runId, id, null, { id, class: c.class, cause: c.cause, attempts: reruns.length, why }),
    });
  }

  // One emergency stop three days back, released 35 minutes later.
  const engagedAt = toIso(Math.floor((nowMs - 3 * 86_400_000 - 5 * 3_600_000) / 60_000) * 60_000);
  const operator = { name: 'oncall-sato', role: 'operator' };
  const request = { scope: 'E2E', now: engagedAt, actor: operator, idempotencyTtlSeconds: 86_400 };
  events.push({ ts: engagedAt, apply: () => void engage(db, { ...request, reason: 'retry storm on E2E: runner pool exhausted, re-runs piling up' }) });
  events.push({ ts: at(engagedAt, 35 * 60_000), apply: () => void release(db, { ...request, now: at(engagedAt, 35 * 60_000), reason: 'runner pool scaled up; E2E green again' }) });

  // The audit chain in time order, as a live workspace would have written it.
  events.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts)).forEach((e) => e.apply());
  return stats;
}

function audit(db: Ledger, ts: string, event: string, runId: string, id: number, key: string | null, payload: object) {
  appendAudit(db, { ts, actor: 'ops', role: 'system', event, run_id: runId, target_id: String(id), payload, idempotency_key: key });
}
