import { appendAudit } from '../events/log';
import { prepared } from '../ledger/statements';
import type { Ledger } from '../ledger/open';
import { runWriter } from '../runs/store';
import { covering, type Engagement } from '../killswitch/state';
import { activeEngagements } from '../killswitch/store';
import type { Classification, RunInput } from '../runs/types';
import type { ClassifyResult } from './classify';
import { decideAfterFailure, type Tuning } from './policy';
import { executionKey, getEntry, isoCeil, isoFloor, lastAttemptOf, toAttempt, type RetryAttempt, type RetryEntry } from './queue';
import { retryStep } from './step';

/**
 * The replay's state changes, each one IMMEDIATE transaction with its audit event:
 * lease an entry, begin a re-run (the killswitch checked in the same transaction that
 * records the attempt), record what the re-run did, record what the run shows afterwards.
 *
 * Why leases: two replayers (two CI jobs, a cron and an operator) must never run the same
 * entry. A lease (owner + expiry) is taken in the transaction that picks the entry; one
 * left by a crashed replayer expires, and whoever picks the entry next first looks at the
 * run to learn whether the lost re-run went through, rather than re-running blind.
 */

export interface LeaseRequest {
  owner: string;
  nowMs: number;
  /** Long enough for one re-run, its timeout and the wait for its result. */
  leaseMs: number;
  /** Entries this replay already handled: it takes each entry at most once. */
  exclude: ReadonlySet<number>;
  budgetPerHour: number;
  /** Only this entry, whether or not its time has come. */
  only?: number;
}

export interface Held {
  entry: RetryEntry;
  engagement: Engagement;
  /** First time this engagement held this entry (it was recorded now). */
  recorded: boolean;
}

export interface LostLease {
  entry: RetryEntry;
  attempt: RetryAttempt | null;
  owner: string;
}

export interface LeaseResult {
  entry: RetryEntry | null;
  held: Held[];
  /** Due, but the workflow used up its retry budget for the hour. */
  deferred: RetryEntry[];
  /** Leases found expired and taken back by this call. */
  lost: LostLease[];
}

const HOUR = 3_600_000;
const BATCH = 32;


function retriesInLastHour(db: Ledger, workflow: string, nowMs: number): number {
  return prepared(db, 'SELECT COUNT(*) FROM retry_attempts WHERE workflow = ? AND started_at > ?', true).get(workflow, isoFloor(nowMs - HOUR)) as number;
}

/** Picks the next due entry and leases it to `owner`; records what it had to pass over. */
export function leaseNext(db: Ledger, req: LeaseRequest): LeaseResult {
  return db
    .transaction((): LeaseResult => {
      const now = isoFloor(req.nowMs);
      const lost = reclaimExpired(db, now);
      const engagements = activeEngagements(db, now);
      const held: Held[] = [];
      const deferred: RetryEntry[] = [];
      const skip = new Set(req.exclude);
      const overBudget = new Map<string, boolean>();
      const due = prepared(
        db,
        `SELECT id FROM retry_queue WHERE state = 'pending' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?))
         ORDER BY next_attempt_at, id LIMIT ${BATCH}`,
        true,
      );
      // An operator's "replay this one now" (the console's r): that entry, due or not.
      const chosen = prepared(db, `SELECT id FROM retry_queue WHERE state = 'pending' AND id = ? AND id NOT IN (SELECT value FROM json_each(?))`, true);
      for (;;) {
        const ids = (req.only === undefined ? due.all(now, JSON.stringify([...skip])) : chosen.all(req.only, JSON.stringify([...skip]))) as number[];
        for (const id of ids) {
          const e = getEntry(db, id)!;
          skip.add(id);
          // Looking at a run is not re-running it: verifications go on under the killswitch.
          if (e.phase === 'rerun') {
            const stop = covering(engagements, e.workflow, now);
            if (stop) {
              held.push(hold(db, e, stop, now));
              continue;
            }
            if (!overBudget.has(e.workflow)) overBudget.set(e.workflow, retriesInLastHour(db, e.workflow, req.nowMs) >= req.budgetPerHour);
            if (overBudget.get(e.workflow)) {
              // Recorded as it happens (once per replay: the replay excludes it afterwards), for its log line.
              const detail = `retry budget of workflow ${JSON.stringify(e.workflow)} used up (${req.budgetPerHour}/h)`;
              systemAudit(db, now, 'retry.deferred', e, { id: e.id, workflow: e.workflow, budget_per_hour: req.budgetPerHour, step: retryStep('DEFERRED', e, null, detail) });
              deferred.push(e);
              continue;
            }
          }
          prepared(db, 
            `UPDATE retry_queue SET state = 'processing', lease_owner = ?, lease_expires_at = ?, held_by = NULL, updated_at = ? WHERE id = ? AND state = 'pending'`,
          ).run(req.owner, isoCeil(req.nowMs + req.leaseMs), now, id);
          return { entry: getEntry(db, id)!, held, deferred, lost };
        }
        if (ids.length < BATCH) return { entry: null, held, deferred, lost };
      }
    })
    .immediate();
}

function hold(db: Ledger, e: RetryEntry, stop: Engagement, now: string): Held {
  if (e.held_by === stop.id) return { entry: e, engagement: stop, recorded: false };
  const entry = { ...e, held_by: stop.id };
  const detail = `killswitch ${stop.id} (${stop.scope === '*' ? 'global' : stop.scope}) by ${stop.actor}: ${stop.reason}`;
  systemAudit(db, now, 'retry.held', e, { id: e.id, killswitch: stop.id, scope: stop.scope, step: retryStep('HELD', entry, null, detail) });
  prepared(db, 'UPDATE retry_queue SET held_by = ?, updated_at = ? WHERE id = ?').run(stop.id, now, e.id);
  return { entry, engagement: stop, recorded: true };
}

/**
 * Leases whose holder is gone: the entry goes back to the queue. When a re-run was under
 * way its outcome is unknown, so it counts as an attempt ('lost') and the entry's next step
 * is to look at the run, not to re-run it.
 */
function reclaimExpired(db: Ledger, now: string): LostLease[] {
  const expired = prepared(db, `SELECT id FROM retry_queue WHERE state = 'processing' AND lease_expires_at <= ?`, true).all(now) as number[];
  return expired.map((id) => {
    const e = getEntry(db, id)!;
    const last = lastAttemptOf(db, id);
    const running = last?.outcome === 'running' ? last : null;
    const why = `lease of ${e.lease_owner} expired at ${e.lease_expires_at}${running ? ' while its re-run was under way: outcome unknown' : ''}`;
    if (running) {
      prepared(db, `UPDATE retry_attempts SET outcome = 'lost', finished_at = ?, error = ? WHERE id = ?`).run(now, why, running.id);
    }
    prepared(db, 
      `UPDATE retry_queue SET state = 'pending', phase = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?`,
    ).run(running ? 'verify' : e.phase, now, why, now, id);
    const entry = getEntry(db, id)!;
    const attempt = running && { ...running, outcome: 'lost' as const, error: why };
    systemAudit(db, now, 'retry.lease_expired', e, { id, owner: e.lease_owner, lease_expires_at: e.lease_expires_at, attempt: running?.attempt ?? null, step: retryStep('LOST', entry, attempt, why) });
    return { entry, attempt, owner: e.lease_owner ?? '' };
  });
}

export type Begin = { ok: true; entry: RetryEntry; attempt: RetryAttempt } | { ok: false; held: Held | null };

/**
 * Starts the entry's next re-run: checks the killswitch and records the attempt (with its
 * idempotency key) in one transaction. Once an engagement is committed, no re-run can
 * begin after it: a replayer that loses the race sees it here and holds the entry.
 */
export function beginRerun(db: Ledger, entryId: number, owner: string, nowMs: number, command: string[]): Begin {
  return db
    .transaction((): Begin => {
      const now = isoFloor(nowMs);
      const e = getEntry(db, entryId);
      if (!e || e.state !== 'processing' || e.lease_owner !== owner) return { ok: false, held: null };
      const stop = covering(activeEngagements(db, now), e.workflow, now);
      if (stop) {
        const held = hold(db, e, stop, now);
        release(db, e.id, { state: 'pending', phase: 'rerun', next: e.next_attempt_at, now });
        return { ok: false, held };
      }
      const n = 1 + (prepared(db, 'SELECT COUNT(*) FROM retry_attempts WHERE run_id = ?', true).get(e.run_id) as number);
      const watch = (prepared(db, 'SELECT MAX(attempt) FROM run_attempts WHERE run_id = ?', true).get(e.run_id) as number | null) ?? e.run_attempt;
      const id = Number(
        prepared(db, 
            `INSERT INTO retry_attempts (entry_id, run_id, workflow, attempt, idempotency_key, owner, command, reason, started_at, outcome)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')`,
          )
          .run(e.id, e.run_id, e.workflow, e.attempt + 1, executionKey(e.run_id, n), owner, JSON.stringify(command), e.reason, now).lastInsertRowid,
      );
      prepared(db, `UPDATE retry_queue SET attempt = attempt + 1, phase = 'rerun', watch_attempt = ?, updated_at = ? WHERE id = ?`).run(watch, now, e.id);
      return { ok: true, entry: getEntry(db, e.id)!, attempt: attemptById(db, id) };
    })
    .immediate();
}

/** The command could not be started at all (no such binary): as if the attempt never began. */
export function abortRerun(db: Ledger, begun: { entry: RetryEntry; attempt: RetryAttempt }, owner: string, nowMs: number, error: string): void {
  db.transaction(() => {
    const now = isoFloor(nowMs);
    prepared(db, `DELETE FROM retry_attempts WHERE id = ? AND outcome = 'running'`).run(begun.attempt.id);
    prepared(db, 
      `UPDATE retry_queue SET state = 'pending', attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ?
       WHERE id = ? AND state = 'processing' AND lease_owner = ?`,
    ).run(error, now, begun.entry.id, owner);
  }).immediate();
}

export interface RerunResult {
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** stderr/stdout excerpt, masked. */
  error: string | null;
  /** Of a failed re-run; null when it succeeded. */
  classification: ClassifyResult | null;
}

export type Transition =
  | { kind: 'dispatched' | 'completed' | 'failed' | 'rescheduled' | 'waiting' | 'rerun'; entry: RetryEntry; attempt: RetryAttempt | null; why?: string }
  | { kind: 'lease_lost'; entry: RetryEntry; attempt: RetryAttempt | null; why?: string };

/** Records a finished re-run and decides what comes next (SPEC §2.1 backoff, §2.3). */
export function finishRerun(db: Ledger, begun: { entry: RetryEntry; attempt: RetryAttempt }, owner: string, nowMs: number, r: RerunResult, tuning: Tuning, random?: number): Transition {
  return db
    .transaction((): Transition => {
      const now = isoFloor(nowMs);
      const outcome = r.exitCode === 0 && !r.timedOut ? 'dispatched' : r.timedOut ? 'timeout' : 'failed';
      prepared(db, 
        `UPDATE retry_attempts SET outcome = ?, finished_at = ?, duration_ms = ?, exit_code = ?, http_status = ?, error = ?, classification = ?
         WHERE id = ? AND outcome IN ('running', 'lost')`,
      ).run(outcome, now, Math.round(r.durationMs), r.exitCode, r.classification?.http_status ?? null, r.error, r.classification && JSON.stringify(r.classification), begun.attempt.id);
      const attempt = attemptById(db, begun.attempt.id);
      const e = getEntry(db, begun.entry.id)!;
      // The event is appended once the entry's next state is known: its step (the log line) shows it.
      const recorded = (step: ReturnType<typeof retryStep> | null) =>
        systemAudit(db, now, 'retry.attempt', e, { id: e.id, attempt: attempt.attempt, outcome, exit_code: r.exitCode, http_status: attempt.http_status, class: r.classification?.class ?? null, duration_ms: attempt.duration_ms, ...(step && { step }) }, attempt.idempotency_key);
      if (e.state !== 'processing' || e.lease_owner !== owner) {
        recorded(retryStep('ATTEMPT', e, attempt));
        return { kind: 'lease_lost', entry: e, attempt };
      }
      if (outcome === 'dispatched') {
        prepared(db, `UPDATE retry_queue SET phase = 'verify', dispatched_at = ?, updated_at = ? WHERE id = ?`).run(now, now, e.id);
        const entry = getEntry(db, e.id)!;
        recorded(retryStep('ATTEMPT', entry, attempt));
        return { kind: 'dispatched', entry, attempt };
      }
      const c = r.classification!;
      const decision = decideAfterFailure(tuning, c.class, e.attempt, e.max_attempts, c.retry_after_s, random);
      if (decision.next === 'fail') {
        // Its line is the retry.failed event's (FAILED, with this attempt).
        recorded(null);
        return finalFailure(db, e, attempt, `${c.class}: ${c.cause}; ${decision.why}`, c, now);
      }
      // A timed-out re-run may have reached GitHub: look at the run before re-running it.
      release(db, e.id, { state: 'pending', phase: r.timedOut ? 'verify' : 'rerun', next: isoCeil(nowMs + decision.delaySeconds * 1000), now, error: r.error ?? c.cause, httpStatus: c.http_status, classification: c });
      const entry = getEntry(db, e.id)!;
      recorded(retryStep('RESCHEDULE', entry, attempt));
      return { kind: 'rescheduled', entry, attempt };
    })
    .immediate();
}

export type View = { ok: true; run: RunInput } | { ok: false; error: string; classification: Classification };

export interface VerifyOptions {
  tuning: Tuning;
  maxWaitSeconds: number;
  random?: number;
}

/**
 * What the run shows after a re-run (SPEC §2.4): its new attempt succeeded (recovered),
 * failed (retry per policy, or give up), is still going ('waiting': nothing recorded; the
 * caller polls again or parks the entry), or never appeared after a re-run whose outcome
 * was unknown ('rerun': the caller re-runs it now, under the same lease).
 */
export function finishVerify(db: Ledger, entryId: number, owner: string, nowMs: number, view: View, opts: VerifyOptions): Transition {
  return db
    .transaction((): Transition => {
      const now = isoFloor(nowMs);
      const e = getEntry(db, entryId)!;
      const last = lastAttemptOf(db, e.id) ?? null;
      if (e.state !== 'processing' || e.lease_owner !== owner) return { kind: 'lease_lost', entry: e, attempt: last };
      const since = Date.parse(e.dispatched_at ?? last?.started_at ?? e.updated_at);
      const overdue = nowMs - since > opts.maxWaitSeconds * 1000;
      const giveUp = (why: string) => {
        if (last && ['dispatched', 'timeout', 'lost'].includes(last.outcome)) prepared(db, `UPDATE retry_attempts SET outcome = 'unverified' WHERE id = ?`).run(last.id);
        return finalFailure(db, e, last && attemptById(db, last.id), why, e.classification, now);
      };
      const waiting = (why: string): Transition =>
        overdue ? giveUp(`unverified: ${why}, still so ${opts.maxWaitSeconds} s after the re-run (config.json recovery.maxWaitSeconds)`) : { kind: 'waiting', entry: e, attempt: last, why };

      if (!view.ok) return waiting(`gh run view failed: ${view.error}`);
      const run = view.run;
      const watch = e.watch_attempt ?? e.run_attempt;
      if (run.attempt <= watch) {
        if (last && (last.outcome === 'lost' || last.outcome === 'timeout')) {
          // The re-run whose outcome was unknown never reached GitHub.
          if (e.attempt >= e.max_attempts) return giveUp(`gave up after ${e.attempt} of ${e.max_attempts} attempts; the last one (${last.outcome}) never reached the run`);
          prepared(db, `UPDATE retry_queue SET phase = 'rerun', updated_at = ? WHERE id = ?`).run(now, e.id);
          return { kind: 'rerun', entry: getEntry(db, e.id)!, attempt: last };
        }
        return waiting(`run ${e.run_id} shows no attempt after ${watch} yet`);
      }
      runWriter(db, now)({ ...run, repository: e.repository, classification: run.conclusion === 'success' ? null : (run.classification ?? e.classification) });
      if (last) {
        prepared(db, `UPDATE retry_attempts SET run_attempt = ?, run_conclusion = ?, outcome = CASE WHEN outcome IN ('lost', 'timeout') THEN 'dispatched' ELSE outcome END WHERE id = ?`).run(
          run.attempt,
          run.conclusion,
          last.id,
        );
      }
      if (run.status !== 'completed') return waiting(`run ${e.run_id} attempt ${run.attempt} is ${run.status}`);
      if (run.conclusion === 'success') {
        if (last) prepared(db, `UPDATE retry_attempts SET outcome = 'succeeded' WHERE id = ?`).run(last.id);
        const failedAt = prepared(db, 'SELECT completed_at FROM run_attempts WHERE run_id = ? AND attempt = ?', true).get(e.run_id, e.run_attempt) as string | null | undefined;
        const recoveryMs = Math.max(0, nowMs - Date.parse(failedAt ?? e.created_at));
        prepared(db, 
          `UPDATE retry_queue SET state = 'completed', recovered_at = ?, recovery_ms = ?, watch_attempt = ?, lease_owner = NULL, lease_expires_at = NULL,
             last_error = NULL, updated_at = ? WHERE id = ?`,
        ).run(now, recoveryMs, run.attempt, now, e.id);
        const entry = getEntry(db, e.id)!;
        const attempt = last && attemptById(db, last.id);
        systemAudit(db, now, 'retry.recovered', e, { id: e.id, run_attempt: run.attempt, attempts: e.attempt, recovery_ms: recoveryMs, step: retryStep('RECOVERED', entry, attempt) });
        return { kind: 'completed', entry, attempt };
      }
      // The re-run itself failed: the failure the entry was made for, most likely, again.
      if (last) prepared(db, `UPDATE retry_attempts SET outcome = 'rerun_failed' WHERE id = ?`).run(last.id);
      const why = `run attempt ${run.attempt} concluded ${run.conclusion}`;
      prepared(db, 'UPDATE retry_queue SET watch_attempt = ? WHERE id = ?').run(run.attempt, e.id);
      const decision = decideAfterFailure(opts.tuning, e.class, e.attempt, e.max_attempts, undefined, opts.random);
      if (decision.next === 'fail') return finalFailure(db, getEntry(db, e.id)!, last && attemptById(db, last.id), `${why}; ${decision.why}`, e.classification, now);
      release(db, e.id, { state: 'pending', phase: 'rerun', next: isoCeil(nowMs + decision.delaySeconds * 1000), now, error: why });
      const entry = getEntry(db, e.id)!;
      const attempt = last && attemptById(db, last.id);
      systemAudit(db, now, 'retry.rerun_failed', e, { id: e.id, run_attempt: run.attempt, conclusion: run.conclusion, step: retryStep('RESCHEDULE', entry, attempt) });
      return { kind: 'rescheduled', entry, attempt };
    })
    .immediate();
}

/**
 * Gives the entry back to the queue to be looked at again later (the run is still going),
 * with a `retry.waiting` event; `attempt` is the re-run as the caller last saw it (its line).
 */
export function parkForVerify(db: Ledger, entryId: number, owner: string, nowMs: number, next: number, why: string, attempt: RetryAttempt | null = null): RetryEntry | null {
  return db
    .transaction(() => {
      const e = getEntry(db, entryId)!;
      if (e.state !== 'processing' || e.lease_owner !== owner) return null;
      const now = isoFloor(nowMs);
      release(db, e.id, { state: 'pending', phase: 'verify', next: isoCeil(next), now, error: why });
      const entry = getEntry(db, e.id)!;
      systemAudit(db, now, 'retry.waiting', e, { id: e.id, next_attempt_at: entry.next_attempt_at, why, step: retryStep('WAITING', entry, attempt, why) });
      return entry;
    })
    .immediate();
}

interface Release {
  state: 'pending';
  phase: 'rerun' | 'verify';
  next: string;
  now: string;
  error?: string;
  httpStatus?: number | null;
  classification?: Classification | null;
}

function release(db: Ledger, id: number, r: Release): void {
  prepared(db, 
    `UPDATE retry_queue SET state = ?, phase = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
       last_error = COALESCE(?, last_error), last_http_status = CASE WHEN ? THEN ? ELSE last_http_status END,
       classification = COALESCE(?, classification), updated_at = ? WHERE id = ?`,
  ).run(r.state, r.phase, r.next, r.error ?? null, r.httpStatus === undefined ? 0 : 1, r.httpStatus ?? null, r.classification ? JSON.stringify(r.classification) : null, r.now, id);
}

/**
 * The entry is done for: state failed, and an audit event carrying the whole record an
 * audit ticket needs (class, cause, attempts, evidence paths).
 */
function finalFailure(db: Ledger, e: RetryEntry, attempt: RetryAttempt | null, why: string, c: Classification | null, now: string): Transition {
  const evidence = prepared(db, 'SELECT path FROM evidence_artifacts WHERE run_id = ? AND path IS NOT NULL ORDER BY path', true).all(e.run_id) as string[];
  prepared(db, 
    `UPDATE retry_queue SET state = 'failed', last_error = ?, last_http_status = COALESCE(?, last_http_status), classification = COALESCE(?, classification),
       lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?`,
  ).run(why, c?.http_status ?? null, c ? JSON.stringify(c) : null, now, e.id);
  const entry = getEntry(db, e.id)!;
  systemAudit(db, now, 'retry.failed', e, {
    id: e.id,
    run_attempt: e.run_attempt,
    class: c?.class ?? e.class,
    cause: c?.cause ?? null,
    http_status: c?.http_status ?? null,
    attempts: e.attempt,
    why,
    evidence,
    step: retryStep('FAILED', entry, attempt, why),
  });
  return { kind: 'failed', entry, attempt, why };
}

/** An event ops records on its own behalf (a replayer, not a person). */
function systemAudit(db: Ledger, now: string, event: string, e: RetryEntry, payload: object, idempotencyKey?: string) {
  return appendAudit(db, { ts: now, actor: 'ops', role: 'system', event, run_id: e.run_id, target_id: String(e.id), payload, idempotency_key: idempotencyKey ?? null });
}

function attemptById(db: Ledger, id: number): RetryAttempt {
  return toAttempt(prepared(db, 'SELECT * FROM retry_attempts WHERE id = ?').get(id) as Parameters<typeof toAttempt>[0]);
}
