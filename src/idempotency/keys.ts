import { toIso } from '../time/clock';
import type { Ledger } from '../ledger/open';

/** SPEC §1.6: how long a key is remembered unless config says otherwise. */
export const DEFAULT_TTL_SECONDS = 86_400;

export interface Recorded<T> {
  result: T;
  /** The audit event of the first call. */
  audit_seq: number | null;
  created_at: string;
}

/**
 * Idempotency keys: the first call's result is recorded under its key (in the same
 * transaction as the work); a repeated key within the TTL gets that result back instead of
 * doing the work again. Callers namespace keys by action (`killswitch.engage:<key>`).
 */
export function idempotency(db: Ledger, now: string) {
  return {
    /** The recorded result for `key`, or undefined (unknown or expired). */
    recall<T>(key: string): Recorded<T> | undefined {
      const row = db
        .prepare('SELECT result, audit_seq, created_at FROM idempotency_keys WHERE key = ? AND expires_at > ?')
        .get(key, now) as { result: string; audit_seq: number | null; created_at: string } | undefined;
      return row && { result: JSON.parse(row.result) as T, audit_seq: row.audit_seq, created_at: row.created_at };
    },
    remember(key: string, result: unknown, auditSeq: number | null, ttlSeconds: number): void {
      const expires = toIso(Date.parse(now) + ttlSeconds * 1000);
      db.prepare(
        `INSERT INTO idempotency_keys (key, result, audit_seq, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET result = excluded.result, audit_seq = excluded.audit_seq,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
      ).run(key, JSON.stringify(result), auditSeq, now, expires);
    },
    /** Forgets expired keys; returns how many. */
    purge(): number {
      return db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?').run(now).changes;
    },
  };
}
