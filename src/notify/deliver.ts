import type { Channel } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { toIso } from '../time/clock';
import { claimDue, fanOut, getNotification, LOG_CHANNEL, settle, type Delivery, type Settled } from './outbox';
import { send, type AttemptResult, type SendEnv } from './send';
import { DELIVERY_TIMEOUT_MS } from './schedule';

export interface DeliverOptions {
  channels: readonly Channel[];
  sender: SendEnv;
  /** "Now" in epoch ms: what is due, and the retry schedule. */
  now: () => number;
  /** Who holds the leases (host:pid): a second deliverer skips what this one is sending. */
  owner: string;
  /** At most this many attempts in one call (an opportunistic delivery stays short). */
  limit: number;
  /** Masks URLs, secrets and tokens in what an attempt recorded. */
  redact: (text: string) => string;
}

export interface DeliveredAttempt {
  notification_id: number;
  title: string;
  channel: string;
  attempt: number;
  result: AttemptResult;
  /** delivered; pending (scheduled again at next); failed (and fallback carries it on, if any). */
  state: Settled['state'];
  next: string | null;
  fallback: string | null;
}

export interface DeliverReport {
  fanned_out: number;
  attempts: DeliveredAttempt[];
}

const implicitLog: Channel = { ...LOG_CHANNEL, labels: [], fallbackOnly: false };

/**
 * Fans new notifications out to the channels, then sends what is due, a batch at a time in
 * parallel (one slow endpoint costs one timeout, not one per notification). A channel that
 * failed for good hands the notification to the next in the fallback chain, due at once, so
 * the loop takes it in the same call.
 */
export async function deliverDue(db: Ledger, o: DeliverOptions): Promise<DeliverReport> {
  const report: DeliverReport = { fanned_out: fanOut(db, o.channels, toIso(o.now())), attempts: [] };
  const byName = new Map(o.channels.map((c) => [c.name, c]));
  while (report.attempts.length < o.limit) {
    const nowMs = o.now();
    // The lease outlives the slowest attempt (the HTTP timeout or gh's), so no one else takes it meanwhile.
    const leaseUntil = toIso(nowMs + Math.max(DELIVERY_TIMEOUT_MS, o.sender.ghTimeoutMs) + 30_000);
    const due = claimDue(db, toIso(nowMs), leaseUntil, o.owner, o.limit - report.attempts.length);
    if (!due.length) break;
    const done = await Promise.all(due.map((d) => attempt(db, d, byName.get(d.channel) ?? (d.channel === LOG_CHANNEL.name ? implicitLog : null), o)));
    report.attempts.push(...done);
  }
  return report;
}

async function attempt(db: Ledger, d: Delivery, channel: Channel | null, o: DeliverOptions): Promise<DeliveredAttempt> {
  const n = getNotification(db, d.notification_id);
  const raw: AttemptResult = channel
    ? await send(channel, n, o.sender)
    : { ok: false, request_id: '-', http_status: null, duration_ms: 0, error: `channel ${d.channel} is no longer configured (config.json notifications.channels)`, response_excerpt: null };
  const result: AttemptResult = {
    ...raw,
    error: raw.error === null ? null : o.redact(raw.error),
    response_excerpt: raw.response_excerpt === null ? null : o.redact(raw.response_excerpt),
  };
  const nowMs = o.now();
  const s = settle(db, d, { request_id: result.request_id, at: toIso(nowMs), http_status: result.http_status, duration_ms: result.duration_ms, error: result.error, response_excerpt: result.response_excerpt }, result.ok, o.channels, nowMs);
  return { notification_id: n.id, title: n.title, channel: d.channel, attempt: d.attempts + 1, result, state: s.state, next: s.next, fallback: s.fallback?.channel ?? null };
}
