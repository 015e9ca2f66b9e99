import { appendAudit } from '../audit/log';
import { idempotency } from '../idempotency/keys';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { GLOBAL, isActive, sameWorkflow, type Engagement } from './state';

export interface Actor {
  name: string;
  /** operator (a person at a terminal), ci (a workflow), system (ops itself, e.g. an expiry). */
  role: string;
}

export interface KillswitchRequest {
  scope: string;
  reason: string;
  now: string;
  actor: Actor;
  /** Engage only: when the engagement lapses by itself. */
  expiresAt?: string | null;
  idempotencyKey?: string;
  idempotencyTtlSeconds: number;
}

export type KillswitchAction = 'engaged' | 'already_engaged' | 'released' | 'not_engaged';

export interface KillswitchOutcome {
  action: KillswitchAction;
  scope: string;
  /** The engagement acted on or found; null when there was none. */
  engagement: Engagement | null;
  audit_seq: number | null;
  /** True when an earlier call with the same idempotency key already did this. */
  replayed: boolean;
  /** Engagements that had lapsed and were recorded as released by this call. */
  expired: Engagement[];
  /** What an engagement stops (SPEC §1.3): queued retries now held, running ones that will finish. */
  retries: { held: number; running: number };
}

const SELECT = 'SELECT id, scope, reason, actor, engaged_at, expires_at, released_at, released_by, release_reason, release_kind FROM killswitch_engagements';

/** Unreleased engagements as recorded (an expired one still shows until swept). */
export function unreleased(db: Ledger): Engagement[] {
  return db.prepare(`${SELECT} WHERE released_at IS NULL ORDER BY engaged_at, id`).all() as Engagement[];
}

/** Engagements in force at `now`: unreleased and not expired. */
export const activeEngagements = (db: Ledger, now: string): Engagement[] => unreleased(db).filter((e) => isActive(e, now));

/**
 * Records lapsed engagements as released at their expiry (SPEC: "counts as released,
 * recorded as such when first observed"), each with its audit event. Inside a transaction.
 */
export function sweepExpired(db: Ledger, now: string): Engagement[] {
  const lapsed = unreleased(db).filter((e) => !isActive(e, now));
  const close = db.prepare(
    `UPDATE killswitch_engagements SET released_at = ?, released_by = 'ops', release_reason = 'expired', release_kind = 'expired', release_audit = ? WHERE id = ?`,
  );
  return lapsed.map((e) => {
    const audit = appendAudit(db, {
      ts: now,
      actor: 'ops',
      role: 'system',
      event: 'killswitch.expire',
      target_id: String(e.id),
      payload: { id: e.id, scope: e.scope, expires_at: e.expires_at },
    });
    close.run(e.expires_at, audit.seq, e.id);
    return { ...e, released_at: e.expires_at, released_by: 'ops', release_reason: 'expired', release_kind: 'expired' as const };
  });
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

export interface HistoryEntry {
  at: string;
  action: 'engage' | 'release' | 'expire';
  scope: string;
  actor: string;
  reason: string;
  expires_at: string | null;
  engagement_id: number;
}

/** Every engage and release, oldest first. */
export function killswitchHistory(db: Ledger): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const e of db.prepare(`${SELECT} ORDER BY id`).all() as Engagement[]) {
    entries.push({ at: e.engaged_at, action: 'engage', scope: e.scope, actor: e.actor, reason: e.reason, expires_at: e.expires_at, engagement_id: e.id });
    if (e.released_at !== null) {
      entries.push({
        at: e.released_at,
        action: e.release_kind === 'expired' ? 'expire' : 'release',
        scope: e.scope,
        actor: e.released_by ?? 'ops',
        reason: e.release_reason ?? '',
        expires_at: e.expires_at,
        engagement_id: e.id,
      });
    }
  }
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.engagement_id - b.engagement_id));
}

export { GLOBAL };
