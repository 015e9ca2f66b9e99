import { appendAudit } from '../events/log';
import type { Ledger } from '../ledger/open';
import { GLOBAL, isActive, type Engagement } from './state';

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

export const SELECT = 'SELECT id, scope, reason, actor, engaged_at, expires_at, released_at, released_by, release_reason, release_kind FROM killswitch_engagements';

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
