import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import type { AuditEvent } from './log';

/**
 * Consumer cursors (issue 20): everything that reacts to events (notifications, audit
 * tickets, log lines) has a name and the seq of the last event it handled. It reads the
 * events after its cursor, does its work and advances the cursor in the transaction of its
 * own ledger writes, so every event is handled once per consumer, also after a kill -9.
 * This module only keeps the cursors: what each consumer does lives above (src/consumers).
 */

export interface ConsumerState {
  name: string;
  cursor: number;
  last_error: string | null;
  last_error_at: string | null;
  failures: number;
  updated_at: string | null;
}

/** The newest event's seq (0 for an empty log). */
export function headSeq(db: Ledger): number {
  return (prepared(db, 'SELECT COALESCE(MAX(seq), 0) FROM audit_events', true).get() as number) ?? 0;
}

/** The cursor of a consumer, registering it at 0 (it will read the whole log) when new. */
export function consumerCursor(db: Ledger, name: string): number {
  const c = prepared(db, 'SELECT cursor FROM event_consumers WHERE name = ?', true).get(name) as number | undefined;
  if (c !== undefined) return c;
  prepared(db, 'INSERT OR IGNORE INTO event_consumers (name, cursor) VALUES (?, 0)').run(name);
  return 0;
}

/** Events after `cursor`, oldest first. */
export function eventsAfter(db: Ledger, cursor: number, limit: number): AuditEvent[] {
  return prepared(db, 'SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(cursor, limit) as AuditEvent[];
}

/** Moves the cursor forward (never back) and clears the error. Inside the consumer's transaction. */
export function advanceCursor(db: Ledger, name: string, seq: number, now: string): void {
  if (!db.inTransaction) throw new Error('advanceCursor must run inside the transaction of the consumer’s own writes');
  prepared(db, 'UPDATE event_consumers SET cursor = ?, last_error = NULL, last_error_at = NULL, failures = 0, updated_at = ? WHERE name = ? AND cursor < ?').run(seq, now, name, seq);
}

/** Records why a consumer could not go on; it is tried again by the next process. */
export function recordConsumerError(db: Ledger, name: string, error: string, now: string): void {
  prepared(db, 'UPDATE event_consumers SET last_error = ?, last_error_at = ?, failures = failures + 1, updated_at = ? WHERE name = ?').run(error, now, now, name);
}

/** Every consumer with its lag (events after its cursor). */
export function listConsumers(db: Ledger): (ConsumerState & { head: number; lag: number })[] {
  const head = headSeq(db);
  return (prepared(db, 'SELECT * FROM event_consumers ORDER BY name').all() as ConsumerState[]).map((c) => ({ ...c, head, lag: Math.max(0, head - c.cursor) }));
}

/** True when some consumer has events to read: one indexed read, the cheap check every process makes. */
export function consumersBehind(db: Ledger): boolean {
  return Boolean(prepared(db, 'SELECT EXISTS (SELECT 1 FROM event_consumers WHERE cursor < (SELECT COALESCE(MAX(seq), 0) FROM audit_events))', true).get());
}

/**
 * History, not news: every consumer skips the events written so far (the demo writes weeks of
 * history nobody should be paged about). Inside the transaction that wrote them.
 */
export function skipToHead(db: Ledger, now: string): void {
  prepared(db, 'UPDATE event_consumers SET cursor = (SELECT COALESCE(MAX(seq), 0) FROM audit_events), updated_at = ?').run(now);
}
