import type { AuditEventHead } from '../events/chain';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { messageFor, type Message, type RunFacts, type Severity } from './message';
import { afterFailure, fallbackTypes, type ChannelType } from './schedule';

/**
 * The outbox (SPEC §1.7): a notification row is written by the notifications consumer
 * (src/consumers), in the transaction that advances its cursor past the event, so each
 * event has its notification exactly once. Deliveries to the
 * channels are rows of their own, created when `ops notify deliver` (or an opportunistic
 * delivery) first sees the notification, each with its schedule and attempt log.
 */

/** The event's notification, if it has one: written by the notifications consumer, with its cursor. */
export function recordNotification(db: Ledger, e: AuditEventHead, payload: unknown): void {
  const run = e.run_id ? ((prepared(db, 'SELECT workflow, repository, url FROM run_attempts WHERE run_id = ? AND is_latest = 1').get(e.run_id) as RunFacts | undefined) ?? null) : null;
  const m = messageFor({ event: e.event, actor: e.actor, run_id: e.run_id, target_id: e.target_id, payload, run });
  if (!m) return;
  prepared(db, 'INSERT OR IGNORE INTO notifications (audit_seq, event, severity, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    e.seq,
    e.event,
    m.severity,
    m.title,
    JSON.stringify({ text: m.text, fields: m.fields }),
    e.ts,
  );
}

export interface Notification extends Message {
  id: number;
  audit_seq: number;
  event: string;
  created_at: string;
}

export interface Delivery {
  id: number;
  notification_id: number;
  channel: string;
  channel_type: ChannelType;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  fallback_of: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

export interface DeliveryAttempt {
  delivery_id: number;
  n: number;
  request_id: string;
  at: string;
  http_status: number | null;
  duration_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

export interface ChannelRef {
  name: string;
  type: ChannelType;
  fallbackOnly?: boolean;
}

/** The channel every chain ends with, configured or not. */
export const LOG_CHANNEL: ChannelRef = { name: 'log', type: 'log' };

/**
 * Gives each new notification a delivery per configured channel, fallback-only ones aside
 * (the log when there is no other).
 * Inside an IMMEDIATE transaction, so two deliverers never fan out the same one twice.
 */
export function fanOut(db: Ledger, channels: readonly ChannelRef[], now: string): number {
  const first = channels.filter((c) => !c.fallbackOnly);
  const targets = first.length ? first : [LOG_CHANNEL];
  return db
    .transaction(() => {
      const ids = prepared(db, 'SELECT id FROM notifications WHERE fanned_out = 0 ORDER BY id', true).all() as number[];
      const insert = prepared(db, `INSERT OR IGNORE INTO notification_deliveries (notification_id, channel, channel_type, state, next_attempt_at) VALUES (?, ?, ?, 'pending', ?)`);
      for (const id of ids) for (const c of targets) insert.run(id, c.name, c.type, now);
      if (ids.length) prepared(db, 'UPDATE notifications SET fanned_out = 1 WHERE fanned_out = 0 AND id <= ?').run(ids[ids.length - 1]);
      return ids.length;
    })
    .immediate();
}

/** Pending deliveries due at `now` whose lease is free, leased to `owner` for leaseSeconds. */
export function claimDue(db: Ledger, now: string, leaseUntil: string, owner: string, limit: number): Delivery[] {
  return db
    .transaction(() => {
      const rows = prepared(db, 
        `SELECT * FROM notification_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
           AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY next_attempt_at, id LIMIT ?`,
      ).all(now, now, limit) as Delivery[];
      const lease = prepared(db, 'UPDATE notification_deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id = ?');
      for (const r of rows) lease.run(owner, leaseUntil, r.id);
      return rows;
    })
    .immediate();
}

export function getNotification(db: Ledger, id: number): Notification {
  const r = prepared(db, 'SELECT * FROM notifications WHERE id = ?').get(id) as { id: number; audit_seq: number; event: string; severity: Severity; title: string; body: string; created_at: string };
  const body = JSON.parse(r.body) as { text: string; fields: [string, string][] };
  return { id: r.id, audit_seq: r.audit_seq, event: r.event, severity: r.severity, title: r.title, created_at: r.created_at, text: body.text, fields: body.fields };
}

export type Outcome = { ok: true } | { ok: false; error: string };

export interface Settled {
  delivery: Delivery;
  state: Delivery['state'];
  /** Scheduled again at this time (pending), or null. */
  next: string | null;
  /** The delivery created to carry the notification instead, when this one failed for good. */
  fallback: Delivery | null;
}

/**
 * Records an attempt and what follows from it, in one transaction: delivered; pending again
 * on the retry schedule; or failed, with the next channel of the fallback chain queued now.
 */
export function settle(db: Ledger, d: Delivery, attempt: Omit<DeliveryAttempt, 'delivery_id' | 'n'>, ok: boolean, channels: readonly ChannelRef[], nowMs: number): Settled {
  return db
    .transaction((): Settled => {
      const n = d.attempts + 1;
      prepared(db, 
        `INSERT INTO delivery_attempts (delivery_id, n, request_id, at, http_status, duration_ms, error, response_excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(d.id, n, attempt.request_id, attempt.at, attempt.http_status, attempt.duration_ms, attempt.error, attempt.response_excerpt);
      const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (ok) {
        prepared(db, `UPDATE notification_deliveries SET state = 'delivered', attempts = ?, delivered_at = ?, next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL WHERE id = ?`).run(n, now, d.id);
        return { delivery: d, state: 'delivered', next: null, fallback: null };
      }
      const next = afterFailure(n, nowMs);
      if (next !== null) {
        prepared(db, `UPDATE notification_deliveries SET attempts = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, last_error = ? WHERE id = ?`).run(n, next, attempt.error, d.id);
        return { delivery: d, state: 'pending', next, fallback: null };
      }
      prepared(db, `UPDATE notification_deliveries SET state = 'failed', attempts = ?, next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, last_error = ? WHERE id = ?`).run(n, attempt.error, d.id);
      return { delivery: d, state: 'failed', next: null, fallback: queueFallback(db, d, channels, now) };
    })
    .immediate();
}

function queueFallback(db: Ledger, d: Delivery, channels: readonly ChannelRef[], now: string): Delivery | null {
  const used = new Set(prepared(db, 'SELECT channel FROM notification_deliveries WHERE notification_id = ?', true).all(d.notification_id) as string[]);
  for (const type of fallbackTypes(d.channel_type)) {
    const candidates = type === 'log' ? [...channels.filter((c) => c.type === 'log'), LOG_CHANNEL] : channels.filter((c) => c.type === type);
    const c = candidates.find((x) => !used.has(x.name));
    if (!c) continue;
    const id = Number(
      prepared(db, `INSERT INTO notification_deliveries (notification_id, channel, channel_type, state, next_attempt_at, fallback_of) VALUES (?, ?, ?, 'pending', ?, ?)`).run(d.notification_id, c.name, c.type, now, d.id)
        .lastInsertRowid,
    );
    return prepared(db, 'SELECT * FROM notification_deliveries WHERE id = ?').get(id) as Delivery;
  }
  return null;
}

export interface NotificationView extends Notification {
  deliveries: (Delivery & { log: DeliveryAttempt[] })[];
}

/** Newest first, with every delivery and its attempts. */
export function listNotifications(db: Ledger, o: { limit: number; state?: Delivery['state'] }): NotificationView[] {
  const ids = (
    o.state
      ? prepared(db, 'SELECT DISTINCT notification_id FROM notification_deliveries WHERE state = ? ORDER BY notification_id DESC LIMIT ?', true).all(o.state, o.limit)
      : prepared(db, 'SELECT id FROM notifications ORDER BY id DESC LIMIT ?', true).all(o.limit)
  ) as number[];
  return ids.map((id) => ({
    ...getNotification(db, id),
    deliveries: (prepared(db, 'SELECT * FROM notification_deliveries WHERE notification_id = ? ORDER BY id').all(id) as Delivery[]).map((d) => ({
      ...d,
      log: prepared(db, 'SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY n').all(d.id) as DeliveryAttempt[],
    })),
  }));
}

/** How many notifications `listNotifications` would return without a limit. */
export function countNotifications(db: Ledger, state?: Delivery['state']): number {
  return (
    state
      ? prepared(db, 'SELECT COUNT(DISTINCT notification_id) FROM notification_deliveries WHERE state = ?', true).get(state)
      : prepared(db, 'SELECT COUNT(*) FROM notifications', true).get()
  ) as number;
}

/** Deliveries waiting, and when the next falls due: `ops status` and the console. */
export function outboxSummary(db: Ledger): { pending: number; failed: number; next_attempt_at: string | null; undelivered: number } {
  const r = prepared(db, 
    `SELECT COUNT(*) FILTER (WHERE state = 'pending') AS pending, COUNT(*) FILTER (WHERE state = 'failed') AS failed,
            MIN(next_attempt_at) FILTER (WHERE state = 'pending') AS next_attempt_at FROM notification_deliveries`,
  ).get() as { pending: number; failed: number; next_attempt_at: string | null };
  const undelivered = prepared(db, 'SELECT COUNT(*) FROM notifications WHERE fanned_out = 0', true).get() as number;
  return { ...r, undelivered };
}
