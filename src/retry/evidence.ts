import { join } from 'node:path';
import { writeFileIfChanged } from '../evidence/atomic';
import type { Ledger } from '../ledger/open';
import { zonedDayBounds } from '../time/zone';
import { entryJson, toAttempt, toEntry, type RetryAttempt, type RetryEntry } from './queue';

/**
 * The retry engine's evidence (SPEC §3.1): `logs/retry_log_YYYYMMDD.log` lines (written by
 * the retry-log consumer from each step's event, src/consumers/retry-log, src/retry/step.ts), and `AUTO_RETRY_MANIFEST.json`, the retry history of a date,
 * regenerated from the ledger (deterministic: the same ledger gives the same bytes).
 * A date is the calendar date (JST by default) of the attempt's start, or of the
 * entry's creation for an entry with no attempt yet.
 */

export interface RetryManifest {
  date: string;
  timezone: string;
  totals: { entries: number; attempts: number; recovered: number; failed: number };
  entries: (ReturnType<typeof entryJson> & { attempts: ReturnType<typeof attemptJson>[] })[];
}

export function attemptJson(a: RetryAttempt) {
  return {
    attempt: a.attempt,
    idempotency_key: a.idempotency_key,
    started_at: a.started_at,
    finished_at: a.finished_at,
    duration_ms: a.duration_ms,
    outcome: a.outcome,
    exit_code: a.exit_code,
    http_status: a.http_status,
    error: a.error,
    classification: a.classification,
    run_attempt: a.run_attempt,
    run_conclusion: a.run_conclusion,
    command: a.command,
    reason: a.reason,
    owner: a.owner,
  };
}

export function buildRetryManifest(db: Ledger, date: string, timeZone: string): RetryManifest {
  const [from, to] = zonedDayBounds(date, timeZone);
  const attempts = (db.prepare('SELECT * FROM retry_attempts WHERE started_at >= ? AND started_at < ? ORDER BY entry_id, attempt').all(from, to) as Parameters<typeof toAttempt>[0][]).map(toAttempt);
  const ids = new Set(attempts.map((a) => a.entry_id));
  for (const id of db.prepare('SELECT id FROM retry_queue WHERE created_at >= ? AND created_at < ?').pluck().all(from, to) as number[]) ids.add(id);
  const entries = (db.prepare('SELECT * FROM retry_queue WHERE id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id').all(JSON.stringify([...ids])) as Parameters<typeof toEntry>[0][]).map(toEntry);
  return {
    date,
    timezone: timeZone,
    totals: {
      entries: entries.length,
      attempts: attempts.length,
      recovered: entries.filter((e) => e.state === 'completed').length,
      failed: entries.filter((e) => e.state === 'failed').length,
    },
    entries: entries.map((e) => ({ ...entryJson(e), attempts: attempts.filter((a) => a.entry_id === e.id).map(attemptJson) })),
  };
}

/** AUTO_RETRY_MANIFEST.json of one date; returns it when written. */
export function writeRetryManifest(db: Ledger, reportsDir: string, date: string, timeZone: string): string[] {
  const path = join(reportsDir, date, 'AUTO_RETRY_MANIFEST.json');
  return writeFileIfChanged(path, JSON.stringify(buildRetryManifest(db, date, timeZone), null, 2) + '\n') ? [path] : [];
}
