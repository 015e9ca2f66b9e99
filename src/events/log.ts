import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { canonicalJson, eventHash, GENESIS, sha256, type AuditFields } from './chain';
import { maskPayload } from './payload';

export interface AuditEvent extends AuditFields {
  hash: string;
  /** The canonical JSON of what happened (sanitized); null for events recorded before ops stored payloads. */
  payload: string | null;
}

export interface NewAuditEvent {
  ts: string;
  actor: string;
  role: string;
  event: string;
  run_id?: string | null;
  target_id?: string | null;
  /** What the action did and why: masked, stored as canonical JSON next to its sha256. */
  payload: unknown;
  idempotency_key?: string | null;
}

/** The meta row holding the chain's head, so deleting the newest events is detected too. */
const HEAD_KEY = 'audit_head';

/**
 * Appends one event, with its payload, to the chain. Call it inside the transaction of the
 * change it records: the change and its event commit together or not at all. What follows
 * from the event (its notification, log line, ticket) is done by the consumers (src/consumers),
 * each from its own cursor, after the commit.
 */
export function appendAudit(db: Ledger, e: NewAuditEvent): AuditEvent {
  if (!db.inTransaction) throw new Error('appendAudit must run inside the transaction of the change it records');
  const last = prepared(db, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  // Masked before it is hashed: the stored payload is what the hash covers, and no secret is in it.
  const payload = canonicalJson(maskPayload(e.payload ?? null));
  const fields: AuditFields = {
    seq: (last?.seq ?? 0) + 1,
    ts: e.ts,
    actor: e.actor,
    role: e.role,
    event: e.event,
    run_id: e.run_id ?? null,
    target_id: e.target_id ?? null,
    payload_sha256: sha256(payload),
    idempotency_key: e.idempotency_key ?? null,
    prev_hash: last?.hash ?? GENESIS,
  };
  const event: AuditEvent = { ...fields, hash: eventHash(fields), payload };
  prepared(db, 
    `INSERT INTO audit_events (seq, ts, actor, role, event, run_id, target_id, payload_sha256, idempotency_key, prev_hash, hash, payload)
     VALUES (@seq, @ts, @actor, @role, @event, @run_id, @target_id, @payload_sha256, @idempotency_key, @prev_hash, @hash, @payload)`,
  ).run(event);
  prepared(db, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(
    HEAD_KEY,
    JSON.stringify({ seq: event.seq, hash: event.hash }),
  );
  return event;
}

/** The newest events first. */
export function listAudit(db: Ledger, limit: number): AuditEvent[] {
  return prepared(db, 'SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?').all(limit) as AuditEvent[];
}

/** How many events the audit log holds. */
export function countAudit(db: Ledger): number {
  return prepared(db, 'SELECT COUNT(*) FROM audit_events', true).get() as number;
}

export type VerifyResult = { ok: true; events: number; head: string } | { ok: false; events: number; seq: number; problem: string };

/**
 * Recomputes the chain from the first event. Names the first event that does not hold:
 * edited (its hash no longer matches its fields), deleted or reordered (it does not follow
 * the event before it), or a missing tail (the recorded head is gone).
 */
export function verifyAudit(db: Ledger): VerifyResult {
  let prev: AuditEvent | undefined;
  let count = 0;
  for (const row of prepared(db, 'SELECT * FROM audit_events ORDER BY rowid').iterate() as IterableIterator<AuditEvent>) {
    count++;
    const expectedSeq = (prev?.seq ?? 0) + 1;
    if (row.seq !== expectedSeq) {
      return fail(count, expectedSeq, row.seq < expectedSeq ? `out of order: event ${row.seq} stands after event ${prev?.seq}` : `missing: the chain jumps from event ${prev?.seq ?? 0} to ${row.seq} (deleted)`);
    }
    if (row.prev_hash !== (prev?.hash ?? GENESIS)) return fail(count, row.seq, `does not follow event ${prev?.seq ?? 0} (its prev_hash differs: an earlier event was edited, deleted or reordered)`);
    if (eventHash(row) !== row.hash) return fail(count, row.seq, 'edited: its hash no longer matches its fields');
    if (row.payload !== null && sha256(row.payload) !== row.payload_sha256) return fail(count, row.seq, 'edited: its payload no longer matches its payload_sha256');
    prev = row;
  }
  const head = prepared(db, 'SELECT value FROM meta WHERE key = ?', true).get(HEAD_KEY) as string | undefined;
  if (head !== undefined) {
    const h = JSON.parse(head) as { seq: number; hash: string };
    if (!prev || prev.seq < h.seq) return fail(count, (prev?.seq ?? 0) + 1, `missing: the log ends at event ${prev?.seq ?? 0} but event ${h.seq} was recorded (deleted)`);
    if (prev.seq === h.seq && prev.hash !== h.hash) return fail(count, prev.seq, 'edited: it differs from the recorded head of the chain');
    if (prev.seq > h.seq) return fail(count, h.seq + 1, `not written by ops: the recorded chain ends at event ${h.seq}`);
  } else if (prev) {
    return fail(count, prev.seq, 'the recorded head of the chain is missing');
  }
  return { ok: true, events: count, head: prev?.hash ?? GENESIS };
}

const fail = (events: number, seq: number, problem: string): VerifyResult => ({ ok: false, events, seq, problem });
