import { appendAudit } from '../events/log';
import { retryStep } from './step';
import { prepared } from '../ledger/statements';
import type { RetryPolicy } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { failedConclusions, type Classification, type FailureClass, type Run, type RunInput } from '../runs/types';
import { toIso } from '../time/clock';
import { retries, tuningFor } from './policy';

/**
 * The retry queue in the ledger (SPEC §1.2): entries, their executed attempts, and the
 * changes that are not part of a replay (enqueue, cancel). Every change commits with its
 * audit event. Leasing and replay transitions are in ./lease.
 */

export const retryStates = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type RetryState = (typeof retryStates)[number];
export type RetryPhase = 'rerun' | 'verify';

export interface Actor {
  name: string;
  role: string;
}

export interface RetryEntry {
  id: number;
  run_id: string;
  run_attempt: number;
  repository: string;
  workflow: string;
  state: RetryState;
  phase: RetryPhase;
  attempt: number;
  max_attempts: number;
  next_attempt_at: string;
  origin: 'auto' | 'manual';
  reason: string | null;
  class: FailureClass;
  classification: Classification | null;
  last_error: string | null;
  last_http_status: number | null;
  watch_attempt: number | null;
  dispatched_at: string | null;
  idempotency_key: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  held_by: number | null;
  recovered_at: string | null;
  recovery_ms: number | null;
  created_at: string;
  updated_at: string;
}

export type AttemptOutcome = 'running' | 'dispatched' | 'succeeded' | 'rerun_failed' | 'failed' | 'timeout' | 'lost' | 'unverified';

export interface RetryAttempt {
  id: number;
  entry_id: number;
  run_id: string;
  workflow: string;
  attempt: number;
  idempotency_key: string;
  owner: string;
  command: string[];
  reason: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  outcome: AttemptOutcome;
  exit_code: number | null;
  http_status: number | null;
  error: string | null;
  classification: Classification | null;
  run_attempt: number | null;
  run_conclusion: string | null;
}

type Row<T, K extends keyof T> = Omit<T, K> & { [P in K]: string | null };

export function toEntry(row: Row<RetryEntry, 'classification'>): RetryEntry {
  return { ...row, classification: row.classification === null ? null : JSON.parse(row.classification) } as RetryEntry;
}

export function toAttempt(row: Row<RetryAttempt, 'classification' | 'command'>): RetryAttempt {
  return {
    ...row,
    command: JSON.parse(row.command ?? '[]'),
    classification: row.classification === null ? null : JSON.parse(row.classification),
  } as RetryAttempt;
}

/** SPEC §10.4 retry entry: its keys first, in that order, then the rest. */
export function entryJson(e: RetryEntry) {
  return {
    id: e.id,
    run_id: e.run_id,
    state: e.state,
    attempt: e.attempt,
    max_attempts: e.max_attempts,
    next_attempt_at: e.next_attempt_at,
    last_error: e.last_error,
    last_http_status: e.last_http_status,
    idempotency_key: e.idempotency_key,
    run_attempt: e.run_attempt,
    repository: e.repository,
    workflow: e.workflow,
    phase: e.phase,
    origin: e.origin,
    reason: e.reason,
    class: e.class,
    classification: e.classification,
    lease_owner: e.lease_owner,
    lease_expires_at: e.lease_expires_at,
    held_by_killswitch: e.held_by,
    recovered_at: e.recovered_at,
    recovery_ms: e.recovery_ms,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

/** Times in the queue are whole seconds: they are compared as text, and "…05.5Z" sorts before "…05Z". */
export const isoFloor = (ms: number) => toIso(Math.floor(ms / 1000) * 1000);
export const isoCeil = (ms: number) => toIso(Math.ceil(ms / 1000) * 1000);

/** The idempotency key of an execution: the n-th re-run ops makes of a run, ever. */
export const executionKey = (runId: string, n: number) => `retry:${runId}:${n}`;
const entryKey = (runId: string, runAttempt: number) => `enqueue:${runId}:${runAttempt}`;

export const getEntry = (db: Ledger, id: number): RetryEntry | undefined => {
  const row = prepared(db, 'SELECT * FROM retry_queue WHERE id = ?').get(id) as Row<RetryEntry, 'classification'> | undefined;
  return row && toEntry(row);
};

export const lastAttemptOf = (db: Ledger, entryId: number): RetryAttempt | undefined => {
  const row = prepared(db, 'SELECT * FROM retry_attempts WHERE entry_id = ? ORDER BY attempt DESC LIMIT 1').get(entryId) as
    | Row<RetryAttempt, 'classification' | 'command'>
    | undefined;
  return row && toAttempt(row);
};

export interface EnqueueRequest {
  run: Run;
  classification: Classification;
  origin: 'auto' | 'manual';
  reason: string | null;
  maxAttempts: number;
  now: string;
  actor: Actor;
}

export interface EnqueueOutcome {
  /** enqueued: new; rearmed: a finished entry of this run attempt queued again by hand; queued: already waiting or running. */
  action: 'enqueued' | 'rearmed' | 'queued' | 'finished';
  entry: RetryEntry;
  audit_seq: number | null;
}

/**
 * Queues a retry of a failed run attempt, once: one entry per (run, attempt). An active
 * entry is reported, not doubled. By hand (`manual`) a finished entry is armed again with
 * a fresh allowance of attempts; automatically it is left alone. Inside a transaction.
 */
export function enqueue(db: Ledger, req: EnqueueRequest): EnqueueOutcome {
  const { run } = req;
  const now = isoFloor(Date.parse(req.now));
  const existing = prepared(db, 'SELECT id FROM retry_queue WHERE run_id = ? AND run_attempt = ?', true).get(run.run_id, run.attempt) as number | undefined;
  if (existing !== undefined) {
    const entry = getEntry(db, existing)!;
    if (entry.state === 'pending' || entry.state === 'processing') return { action: 'queued', entry, audit_seq: null };
    if (req.origin === 'auto') return { action: 'finished', entry, audit_seq: null };
    prepared(db, 
      `UPDATE retry_queue SET state = 'pending', phase = 'rerun', max_attempts = ?, next_attempt_at = ?, origin = 'manual', reason = ?,
         held_by = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
    ).run(entry.attempt + req.maxAttempts, now, req.reason, now, entry.id);
    const rearmed = getEntry(db, entry.id)!;
    const audit = auditEnqueue(db, req, rearmed, { rearmed_from: entry.state, max_attempts: entry.attempt + req.maxAttempts });
    return { action: 'rearmed', entry: rearmed, audit_seq: audit.seq };
  }
  const key = entryKey(run.run_id, run.attempt);
  const id = Number(
    prepared(db, 
        `INSERT INTO retry_queue (run_id, run_attempt, repository, workflow, state, phase, attempt, max_attempts, next_attempt_at,
           origin, reason, class, classification, last_error, last_http_status, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', 'rerun', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.run_id,
        run.attempt,
        run.repository,
        run.workflow,
        req.maxAttempts,
        now,
        req.origin,
        req.reason,
        req.classification.class,
        JSON.stringify(req.classification),
        req.classification.cause,
        req.classification.http_status,
        key,
        now,
        now,
      ).lastInsertRowid,
  );
  const entry = getEntry(db, id)!;
  const audit = auditEnqueue(db, req, entry, { run_attempt: run.attempt, origin: req.origin, class: req.classification.class, max_attempts: req.maxAttempts });
  return { action: 'enqueued', entry, audit_seq: audit.seq };
}

/** The entry's `retry.enqueue` event, once it is written (its step is the ENQUEUE log line). */
function auditEnqueue(db: Ledger, req: EnqueueRequest, entry: RetryEntry, details: object) {
  return appendAudit(db, {
    ts: req.now,
    actor: req.actor.name,
    role: req.actor.role,
    event: 'retry.enqueue',
    run_id: req.run.run_id,
    target_id: String(entry.id),
    payload: { id: entry.id, reason: req.reason, ...details, step: retryStep('ENQUEUE', entry, null, entry.reason) },
    idempotency_key: entry.idempotency_key,
  });
}

/** What a run's failure is when nothing says more (gh run JSON carries no logs). */
export const UNCLASSIFIED: Classification = {
  http_status: null,
  class: 'unknown',
  cause: 'no error text recorded for this run',
  retryable: false,
  risk: 'low',
  action: 'inspect the logs',
};

/**
 * Auto-enqueue (SPEC §2, `autoEnqueue`): the failed runs among those just written that the
 * policy retries. Skipped: old failures (history, not incidents), attempts that are
 * ops's own re-runs of an entry (their outcome belongs to that entry, or a failing run
 * would queue itself forever), and runs whose latest attempt is another one.
 * Inside the transaction that wrote the runs.
 */
export function autoEnqueue(db: Ledger, runs: Iterable<RunInput>, policy: RetryPolicy, nowMs: number, actor: Actor): EnqueueOutcome[] {
  if (!policy.autoEnqueue) return [];
  const now = isoFloor(nowMs);
  const oldest = nowMs - policy.autoEnqueueMaxAgeHours * 3_600_000;
  const isLatest = prepared(db, 'SELECT is_latest FROM run_attempts WHERE run_id = ? AND attempt = ?', true);
  // An entry for an earlier attempt that is still working on the run, or whose re-runs made this attempt.
  const ownedByEntry = prepared(db, 
    `SELECT 1 FROM retry_queue WHERE run_id = ? AND run_attempt < ? AND (state IN ('pending', 'processing') OR run_attempt + attempt >= ?) LIMIT 1`,
  );
  const out: EnqueueOutcome[] = [];
  for (const run of runs) {
    if (run.status !== 'completed' || !failedConclusions.has(run.conclusion ?? '')) continue;
    const at = Date.parse(run.completed_at ?? run.started_at ?? run.created_at ?? now);
    if (at < oldest) continue;
    const classification = run.classification ?? UNCLASSIFIED;
    const tuning = tuningFor(policy, run.workflow);
    if (tuning.maxRetries === 0 || !retries(tuning, classification.class)) continue;
    if (isLatest.get(run.run_id, run.attempt) !== 1) continue;
    if (ownedByEntry.get(run.run_id, run.attempt, run.attempt)) continue;
    const o = enqueue(db, { run, classification, origin: 'auto', reason: `auto: ${classification.class}: ${classification.cause}`, maxAttempts: tuning.maxRetries, now, actor });
    if (o.action === 'enqueued') out.push(o);
  }
  return out;
}

export interface EntryFilter {
  state?: RetryState;
  runId?: string;
  limit: number;
  offset?: number;
}

function entryWhere(f: Omit<EntryFilter, 'limit' | 'offset'>): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.state) {
    where.push('state = ?');
    params.push(f.state);
  }
  if (f.runId) {
    where.push('run_id = ?');
    params.push(f.runId);
  }
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** Waiting and running entries first (soonest due first), then finished ones, newest first. */
export function listEntries(db: Ledger, f: EntryFilter): RetryEntry[] {
  const { where, params } = entryWhere(f);
  const rows = prepared(db, 
      `SELECT * FROM retry_queue ${where}
       ORDER BY state IN ('pending', 'processing') DESC,
                CASE WHEN state IN ('pending', 'processing') THEN next_attempt_at END,
                CASE WHEN state IN ('pending', 'processing') THEN id END,
                updated_at DESC, id DESC
       LIMIT ? OFFSET ?`,
    )
    .all(...params, f.limit, f.offset ?? 0) as Row<RetryEntry, 'classification'>[];
  return rows.map(toEntry);
}

/** How many entries `listEntries` would return without a limit. */
export function countEntries(db: Ledger, f: Omit<EntryFilter, 'limit' | 'offset'>): number {
  const { where, params } = entryWhere(f);
  return prepared(db, `SELECT COUNT(*) FROM retry_queue ${where}`, true).get(...params) as number;
}

/** Executed attempts, oldest first: the latest `limit` of one run, or of every run. */
export function retryHistory(db: Ledger, opts: { runId?: string; limit: number }): RetryAttempt[] {
  const rows = (
    opts.runId === undefined
      ? prepared(db, 'SELECT * FROM (SELECT * FROM retry_attempts ORDER BY id DESC LIMIT ?) ORDER BY id').all(opts.limit)
      : prepared(db, 'SELECT * FROM (SELECT * FROM retry_attempts WHERE run_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id').all(opts.runId, opts.limit)
  ) as Row<RetryAttempt, 'classification' | 'command'>[];
  return rows.map(toAttempt);
}

export interface QueueSummary {
  by_state: Record<RetryState, number>;
  /** Pending entries whose time has come. */
  due: number;
  /** The soonest next_attempt_at among pending entries. */
  next_due_at: string | null;
  /** Pending entries the killswitch is holding back. */
  held: number;
}

/** Counts for `ops status` and the console: index-only reads of retry_due. */
export function queueSummary(db: Ledger, nowMs: number): QueueSummary {
  const by_state = Object.fromEntries(retryStates.map((s) => [s, 0])) as Record<RetryState, number>;
  for (const r of prepared(db, 'SELECT state, COUNT(*) AS n FROM retry_queue GROUP BY state').all() as { state: RetryState; n: number }[]) by_state[r.state] = r.n;
  const pending = prepared(db, `SELECT MIN(next_attempt_at) AS next, SUM(next_attempt_at <= ?) AS due, SUM(held_by IS NOT NULL) AS held FROM retry_queue WHERE state = 'pending'`)
    .get(isoFloor(nowMs)) as { next: string | null; due: number | null; held: number | null };
  return { by_state, due: pending.due ?? 0, next_due_at: pending.next, held: pending.held ?? 0 };
}

export interface CancelOutcome {
  action: 'cancelled' | 'finished';
  entry: RetryEntry;
  audit_seq: number | null;
}

/**
 * Cancels a waiting or running entry. A re-run already under way finishes (it cannot be
 * called back), but nothing is scheduled after it. Inside a transaction.
 */
export function cancelEntry(db: Ledger, id: number, reason: string, now: string, actor: Actor): CancelOutcome | undefined {
  const entry = getEntry(db, id);
  if (!entry) return undefined;
  if (entry.state !== 'pending' && entry.state !== 'processing') return { action: 'finished', entry, audit_seq: null };
  prepared(db, `UPDATE retry_queue SET state = 'cancelled', last_error = ?, held_by = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`).run(`cancelled by ${actor.name}: ${reason}`, now, id);
  const cancelled = getEntry(db, id)!;
  const audit = appendAudit(db, {
    ts: now,
    actor: actor.name,
    role: actor.role,
    event: 'retry.cancel',
    run_id: entry.run_id,
    target_id: String(id),
    payload: { id, reason, was: entry.state, attempt: entry.attempt, step: retryStep('CANCEL', cancelled, null, reason) },
  });
  return { action: 'cancelled', entry: cancelled, audit_seq: audit.seq };
}

/** How many attempts `retryHistory` would return without a limit. */
export function countRetryAttempts(db: Ledger, runId?: string): number {
  return (
    runId === undefined
      ? prepared(db, 'SELECT COUNT(*) FROM retry_attempts', true).get()
      : prepared(db, 'SELECT COUNT(*) FROM retry_attempts WHERE run_id = ?', true).get(runId)
  ) as number;
}
