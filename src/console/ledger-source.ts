import type Database from 'better-sqlite3';
import { GLOBAL, isActive, type Engagement } from '../killswitch/state';
import type { Ledger } from '../ledger/open';
import { countAllRuns, countRuns, listRuns, runAttempts } from '../ledger/runs';
import { listEntries, queueSummary, retryHistory } from '../retry/queue';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTickets } from '../tickets/write';
import { DEFAULT_TIMEZONE } from '../time/zone';
import { toIso } from '../time/clock';
import { failedConclusions } from '../runs/types';
import type { ConsoleSource, LatestRollback, RunDetails, RunTally } from '../../views/source';

const DAY_MS = 24 * 60 * 60 * 1000;

// Unreleased and unexpired, global first. Only a SELECT: the console never sweeps an expired
// engagement (that is a write, with its audit event); it just stops showing it.
const ACTIVE_KILLSWITCH = `
  SELECT id, scope, reason, actor, engaged_at, expires_at, released_at, released_by, release_reason, release_kind
  FROM killswitch_engagements
  WHERE released_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
  ORDER BY scope = @global DESC, engaged_at, id`;

/**
 * The console's view of a ledger. Every read is an index range scan bounded by what is on
 * screen (listRuns with limit = visible rows), so the console stays responsive however
 * many runs the ledger holds.
 */
export function ledgerSource(db: Ledger, o: { timeZone?: string; reportsDir?: () => string } = {}): ConsoleSource {
  // PRAGMA data_version changes only when *another* connection commits, which is exactly
  // "someone else wrote": a poll costs one integer read, no table access.
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const killswitchTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'killswitch_engagements'`).pluck();
  // Prepared once the table exists: a ledger older than migration 2 has none (until some
  // newer ops migrates it, which the next call then notices).
  let activeKillswitch: Database.Statement<{ now: string; global: string }, Engagement> | null = null;
  const retryTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'retry_queue'`).pluck();
  let hasRetryQueue = false;
  const sagaTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sagas'`).pluck();
  let hasSagas = false;
  return {
    latestRuns: (limit, offset) => listRuns(db, { limit, offset }),
    totalRuns: () => countAllRuns(db),
    counts24h: (now) => {
      // Whole seconds: stored times are second-precision ISO text, compared as strings, and
      // "…00.500Z" sorts before "…00Z".
      const s = Math.floor(now / 1000) * 1000;
      return tally(countRuns(db, toIso(s - DAY_MS), toIso(s + 1000)));
    },
    activeKillswitch: (nowIso) => {
      if (activeKillswitch === null) {
        if (killswitchTable.get() === undefined) return [];
        activeKillswitch = db.prepare<{ now: string; global: string }, Engagement>(ACTIVE_KILLSWITCH);
      }
      // isActive as well: the one definition of "in force" that the guard uses too.
      return activeKillswitch.all({ now: nowIso, global: GLOBAL }).filter((e) => isActive(e, nowIso));
    },
    retryQueue: (now) => {
      // Looked up until it exists: an older ledger gets the table when a newer ops migrates it.
      if (!hasRetryQueue) hasRetryQueue = retryTable.get() !== undefined;
      return hasRetryQueue ? queueSummary(db, now) : null;
    },
    retryEntries: (limit, offset) => (hasRetryQueue || retryTable.get() !== undefined ? listEntries(db, { limit, offset }) : []),
    retryTotal: () => (hasRetryQueue || retryTable.get() !== undefined ? (db.prepare('SELECT COUNT(*) FROM retry_queue').pluck().get() as number) : 0),
    tickets: () => (sagaTable.get() !== undefined ? allTickets(db, o.timeZone ?? DEFAULT_TIMEZONE).reverse() : []),
    runDetails: (runId) => ({
      attempts: runAttempts(db, runId),
      retries: hasRetryQueue || retryTable.get() !== undefined ? retryHistory(db, { runId, limit: 100 }) : [],
      evidence: (
        db.prepare('SELECT name, path, bytes, sha256, status FROM evidence_artifacts WHERE run_id = ? ORDER BY attempt, name').all(runId) as (Omit<RunDetails['evidence'][number], 'status'> & { status: string })[]
      ).map((f) => ({
        ...f,
        status: f.status !== 'collected' || !f.path || !o.reportsDir ? ('not collected' as const) : digestStatus(join(o.reportsDir(), f.path), f.sha256),
      })),
    }),
    latestRollback: () => {
      if (!hasSagas) hasSagas = sagaTable.get() !== undefined;
      if (!hasSagas) return null;
      return (db.prepare(`SELECT id, state, subject AS snapshot, actor, started_at FROM sagas WHERE kind = 'rollback' ORDER BY id DESC LIMIT 1`).get() as LatestRollback | undefined) ?? null;
    },
    dataVersion: () => dataVersion.get() as number,
  };
}

function tally(counts: ReturnType<typeof countRuns>): RunTally {
  const active = (counts.by_status.queued ?? 0) + (counts.by_status.in_progress ?? 0);
  const success = counts.by_conclusion.success ?? 0;
  let failed = 0;
  for (const [conclusion, n] of Object.entries(counts.by_conclusion)) if (failedConclusions.has(conclusion)) failed += n;
  return { total: counts.total, success, failed, active, other: counts.total - active - success - failed };
}

/** Whether a collected copy still has the digest recorded when it was written. */
function digestStatus(path: string, sha256: string | null): 'ok' | 'changed' | 'missing' {
  if (!existsSync(path)) return 'missing';
  return createHash('sha256').update(readFileSync(path)).digest('hex') === sha256 ? 'ok' : 'changed';
}
