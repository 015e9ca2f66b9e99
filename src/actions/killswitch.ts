import { appendAudit } from '../events/log';
import { idempotency } from '../idempotency/keys';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { sameWorkflow, type Engagement } from '../killswitch/state';
import { SELECT, sweepExpired, unreleased, type KillswitchOutcome, type KillswitchRequest } from '../killswitch/store';
import { GLOBAL } from '../killswitch/state';
import { checkedScope } from '../runs/workflows';

export type { KillswitchOutcome, KillswitchRequest } from '../killswitch/store';

/**
 * The user actions on the killswitch (application layer): engage and release write the
 * engagement and append its event in one transaction, and nothing else. Its log line,
 * ticket and notification are consumers' work (src/consumers).
 */

/**
 * The scope a user typed, checked: a typo must not engage a stop that stops nothing (or
 * release nothing). A workflow the ledger has seen (case ignored, stored in its spelling),
 * a scope engaged now (one engaged with --force is released by name), or `force`.
 */
export function checkedKillswitchScope(db: Ledger, typed: string, force: boolean): string {
  const engaged = unreleased(db).map((e) => e.scope).filter((s) => s !== GLOBAL);
  return checkedScope(db, typed.trim(), force, engaged);
}

/** Engages the killswitch for a scope, once: an engaged scope is reported, not engaged twice. */
export function engage(db: Ledger, req: KillswitchRequest): KillswitchOutcome {
  return inTransaction(db, req, 'killswitch.engage', (expired) => {
    const current = unreleased(db).find((e) => sameWorkflow(e.scope, req.scope));
    if (current) return { action: 'already_engaged', scope: req.scope, engagement: current, audit_seq: null, replayed: false, expired, retries: retriesIn(db, req.scope) };
    const audit = appendAudit(db, {
      ts: req.now,
      actor: req.actor.name,
      role: req.actor.role,
      event: 'killswitch.engage',
      target_id: req.scope,
      payload: { scope: req.scope, reason: req.reason, expires_at: req.expiresAt ?? null },
      idempotency_key: req.idempotencyKey ?? null,
    });
    const id = Number(
      db
        .prepare(`INSERT INTO killswitch_engagements (scope, reason, actor, engaged_at, expires_at, engage_audit) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(req.scope, req.reason, req.actor.name, req.now, req.expiresAt ?? null, audit.seq).lastInsertRowid,
    );
    const engagement = db.prepare(`${SELECT} WHERE id = ?`).get(id) as Engagement;
    return { action: 'engaged', scope: req.scope, engagement, audit_seq: audit.seq, replayed: false, expired, retries: retriesIn(db, req.scope) };
  });
}

/** Releases a scope's engagement; releasing what is not engaged is reported, not an error. */
export function release(db: Ledger, req: KillswitchRequest): KillswitchOutcome {
  return inTransaction(db, req, 'killswitch.release', (expired) => {
    const current = unreleased(db).find((e) => sameWorkflow(e.scope, req.scope));
    if (!current) return { action: 'not_engaged', scope: req.scope, engagement: null, audit_seq: null, replayed: false, expired, retries: NONE };
    const audit = appendAudit(db, {
      ts: req.now,
      actor: req.actor.name,
      role: req.actor.role,
      event: 'killswitch.release',
      target_id: req.scope,
      payload: { id: current.id, scope: req.scope, reason: req.reason },
      idempotency_key: req.idempotencyKey ?? null,
    });
    db.prepare(
      `UPDATE killswitch_engagements SET released_at = ?, released_by = ?, release_reason = ?, release_kind = 'manual', release_audit = ? WHERE id = ?`,
    ).run(req.now, req.actor.name, req.reason, audit.seq, current.id);
    const engagement = db.prepare(`${SELECT} WHERE id = ?`).get(current.id) as Engagement;
    // Held entries are free again: the next replay runs them.
    prepared(db, `UPDATE retry_queue SET held_by = NULL WHERE held_by = ?`).run(current.id);
    return { action: 'released', scope: req.scope, engagement, audit_seq: audit.seq, replayed: false, expired, retries: NONE };
  });
}

/**
 * One IMMEDIATE transaction: concurrent killswitch processes queue on the write lock, so
 * each sees what the one before it did (and the partial unique index backs that up).
 */
function inTransaction(db: Ledger, req: KillswitchRequest, action: string, work: (expired: Engagement[]) => KillswitchOutcome): KillswitchOutcome {
  return db
    .transaction(() => {
      const keys = idempotency(db, req.now);
      keys.purge();
      const key = req.idempotencyKey === undefined ? undefined : `${action}:${req.idempotencyKey}`;
      if (key !== undefined) {
        const first = keys.recall<KillswitchOutcome>(key);
        if (first) return { ...first.result, replayed: true, expired: [] };
      }
      const outcome = work(sweepExpired(db, req.now));
      // Only a call that changed something is remembered: a no-op has nothing to replay.
      if (key !== undefined && outcome.audit_seq !== null) keys.remember(key, outcome, outcome.audit_seq, req.idempotencyTtlSeconds);
      return outcome;
    })
    .immediate();
}

const NONE = { held: 0, running: 0 };

function retriesIn(db: Ledger, scope: string): { held: number; running: number } {
  const r = prepared(
    db,
    `SELECT COALESCE(SUM(state = 'pending'), 0) AS held, COALESCE(SUM(state = 'processing'), 0) AS running
     FROM retry_queue WHERE state IN ('pending', 'processing') AND (? = '*' OR workflow = ? COLLATE NOCASE)`,
  ).get(scope, scope) as { held: number; running: number };
  return { held: r.held, running: r.running };
}

