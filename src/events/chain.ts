import { createHash } from 'node:crypto';

/** The fields of an audit event that its hash covers, in hashing order. */
export interface AuditFields {
  seq: number;
  ts: string;
  actor: string;
  role: string;
  event: string;
  run_id: string | null;
  target_id: string | null;
  payload_sha256: string;
  idempotency_key: string | null;
  prev_hash: string;
}

/** Who did what to which run or target, and when: an event without its hashing fields. */
export type AuditEventHead = Pick<AuditFields, 'seq' | 'ts' | 'actor' | 'event' | 'run_id' | 'target_id'>;

/** The chain's anchor: the prev_hash of the first event. */
export const GENESIS = '0'.repeat(64);

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted, so the same payload always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * An event's hash: sha256 over its fields as a JSON array (unambiguous, unlike joining
 * strings) — seq included, so moving a row breaks the chain as surely as editing it.
 */
export function eventHash(f: AuditFields): string {
  return sha256(JSON.stringify([f.seq, f.ts, f.actor, f.role, f.event, f.run_id, f.target_id, f.payload_sha256, f.idempotency_key, f.prev_hash]));
}
