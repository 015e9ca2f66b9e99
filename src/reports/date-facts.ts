import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { failedConclusions } from '../runs/types';
import { zonedDayBounds } from '../time/zone';

/**
 * What the ledger knows about one calendar date (in the report zone), read with indexed
 * SQL, for the date's human-readable reports. Runs are those of RUNS_SUMMARY.json: created
 * on that date, counted by their latest attempt.
 */

export interface DateFacts {
  date: string;
  from: string;
  to: string;
  runs: { total: number; by_conclusion: Record<string, number>; failed: number };
  failures: { class: string; cause: string; http_status: number | null; runs: number }[];
  retries: { attempts: number; by_outcome: Record<string, number>; entries_recovered: number; entries_failed: number };
  killswitch: { at: string; action: string; scope: string; actor: string; reason: string }[];
  sanitization: { rule: string; files: number; count: number }[];
}

export function dateFacts(db: Ledger, date: string, timeZone: string): DateFacts {
  const [from, to] = zonedDayBounds(date, timeZone);
  const latest = prepared(db, 'SELECT conclusion, status, classification FROM run_attempts WHERE is_latest = 1 AND created_at >= ? AND created_at < ?').all(from, to) as {
    conclusion: string | null;
    status: string;
    classification: string | null;
  }[];
  const byConclusion: Record<string, number> = {};
  const failures = new Map<string, DateFacts['failures'][number]>();
  let failed = 0;
  for (const r of latest) {
    const k = r.status === 'completed' ? (r.conclusion ?? 'completed') : r.status;
    byConclusion[k] = (byConclusion[k] ?? 0) + 1;
    if (!failedConclusions.has(r.conclusion ?? '')) continue;
    failed++;
    const c = r.classification ? (JSON.parse(r.classification) as { class: string; cause: string; http_status: number | null }) : { class: 'unknown', cause: 'not classified', http_status: null };
    const key = `${c.class}\u0000${c.cause}\u0000${c.http_status}`;
    const f = failures.get(key) ?? { class: c.class, cause: c.cause, http_status: c.http_status, runs: 0 };
    f.runs++;
    failures.set(key, f);
  }
  const byOutcome: Record<string, number> = {};
  let attempts = 0;
  for (const r of prepared(db, 'SELECT outcome, COUNT(*) AS n FROM retry_attempts WHERE started_at >= ? AND started_at < ? GROUP BY outcome ORDER BY outcome').all(from, to) as { outcome: string; n: number }[]) {
    byOutcome[r.outcome] = r.n;
    attempts += r.n;
  }
  const finished = prepared(
    db,
    `SELECT COALESCE(SUM(state = 'completed'), 0) AS recovered, COALESCE(SUM(state = 'failed'), 0) AS failed FROM retry_queue
     WHERE state IN ('completed', 'failed') AND updated_at >= ? AND updated_at < ?`,
  ).get(from, to) as { recovered: number; failed: number };
  const killswitch: DateFacts['killswitch'] = [];
  for (const k of prepared(db, 'SELECT * FROM killswitch_engagements WHERE (engaged_at >= ? AND engaged_at < ?) OR (released_at >= ? AND released_at < ?) ORDER BY id').all(from, to, from, to) as {
    scope: string;
    reason: string;
    actor: string;
    engaged_at: string;
    released_at: string | null;
    released_by: string | null;
    release_reason: string | null;
    release_kind: string | null;
  }[]) {
    if (k.engaged_at >= from && k.engaged_at < to) killswitch.push({ at: k.engaged_at, action: 'engage', scope: k.scope, actor: k.actor, reason: k.reason });
    if (k.released_at && k.released_at >= from && k.released_at < to) {
      killswitch.push({ at: k.released_at, action: k.release_kind === 'expired' ? 'expire' : 'release', scope: k.scope, actor: k.released_by ?? 'ops', reason: k.release_reason ?? '' });
    }
  }
  killswitch.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const sanitization = prepared(
    db,
    'SELECT rule, COUNT(DISTINCT file) AS files, SUM(count) AS count FROM sanitization_history WHERE ts >= ? AND ts < ? GROUP BY rule ORDER BY rule',
  ).all(from, to) as DateFacts['sanitization'];
  return {
    date,
    from,
    to,
    runs: { total: latest.length, by_conclusion: sortKeys(byConclusion), failed },
    failures: [...failures.values()].sort((a, b) => b.runs - a.runs || a.class.localeCompare(b.class) || a.cause.localeCompare(b.cause)),
    retries: { attempts, by_outcome: byOutcome, entries_recovered: finished.recovered, entries_failed: finished.failed },
    killswitch,
    sanitization,
  };
}

const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
