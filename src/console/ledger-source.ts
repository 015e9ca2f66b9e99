import { errorText } from '../cli/errors';
import type Database from 'better-sqlite3';
import { GLOBAL, isActive, type Engagement } from '../killswitch/state';
import type { Ledger } from '../ledger/open';
import { countAllRuns, listRuns, runAttempts } from '../runs/store';
import { getEntry, listEntries, queueSummary, retryHistory, toAttempt } from '../retry/queue';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { allTickets } from '../tickets/write';
import { alertsForReview } from '../detect/alerts';
import { DEFAULT_TIMEZONE } from '../time/zone';
import { toIso } from '../time/clock';
import { failedConclusions } from '../runs/types';
import type { KpiTargets } from '../kpi/status';
import type { ConsoleKpis, ConsoleSource, ConsoleTicket, LatestRollback, RunDetails, RunTally } from '../../views/source';
import { evidenceProbe } from './evidence-probe';
import { runFilter } from './run-filter';
import { watchStatus } from '../watch/state';

const DAY_MS = 24 * 60 * 60 * 1000;
const REPORTS_DIR_TTL_MS = 2_000;
const TICKET_FOLDERS_WATCHED = 64;

/** `fn`'s value, called again once it is `ms` old (wall-clock: this is about cost, not the console's clock). */
function cachedFor<T>(ms: number, fn: () => T): () => T {
  let value: T;
  let at = -Infinity;
  return () => {
    const now = performance.now();
    if (now - at >= ms) {
      value = fn();
      at = now;
    }
    return value;
  };
}

// Unreleased and unexpired, global first. Only a SELECT: the console never sweeps an expired
// engagement (that is a write, with its audit event); it just stops showing it.
const ACTIVE_KILLSWITCH = `
  SELECT id, scope, reason, actor, engaged_at, expires_at, released_at, released_by, release_reason, release_kind
  FROM killswitch_engagements
  WHERE released_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
  ORDER BY scope = @global DESC, engaged_at, id`;

// Distinct workflow names by skip-scan of runs_by_workflow: one seek per name instead of
// reading a million index entries.
const KNOWN_WORKFLOWS = `
  WITH RECURSIVE w(name) AS (
    SELECT MIN(workflow) FROM run_attempts WHERE is_latest = 1
    UNION ALL
    SELECT (SELECT MIN(workflow) FROM run_attempts WHERE is_latest = 1 AND workflow > w.name) FROM w WHERE w.name IS NOT NULL
  )
  SELECT name FROM w WHERE name IS NOT NULL`;

export interface LedgerSourceOptions {
  /**
   * OPS_TZ: the zone of ticket names and of the KPI trend's days. Without it, tickets are named
   * in Asia/Tokyo and the KPI days are config.json's `timezone` (as `ops kpi` counts them).
   */
  timeZone?: string;
  /** The reports root (evidence checks, the evidence folders watched); without it neither is done. */
  reportsDir?: () => string;
  /**
   * config.json's `kpiTargets` and `timezone` for the KPI panel. By default read, each time the
   * KPIs are computed, from the workspace the ledger sits in (`<workspace>/.ops/ledger.db`), as
   * `ops kpi` reads them; a ledger elsewhere gets no targets and the default zone.
   */
  kpiConfig?: () => Promise<{ kpiTargets: KpiTargets; timezone: string } | null>;
}

/**
 * The console's view of a ledger. Every read is an index range scan bounded by what is on
 * screen (listRuns with limit = visible rows), so the console stays responsive however
 * many runs the ledger holds; the exceptions are the counts (totals, capped filter counts)
 * and the KPIs, which the console calls only after its first frame or while their panel is
 * shown.
 */
export function ledgerSource(db: Ledger, o: LedgerSourceOptions = {}): ConsoleSource {
  // PRAGMA data_version changes only when *another* connection commits, which is exactly
  // "someone else wrote": a poll costs one integer read, no table access.
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const table = tableCheck(db);
  const hasKillswitch = table('killswitch_engagements');
  // Prepared once the table exists: a ledger older than migration 2 has none (until some
  // newer ops migrates it, which the next call then notices).
  let activeKillswitch: Database.Statement<{ now: string; global: string }, Engagement> | null = null;
  const hasRetryQueue = table('retry_queue');
  const hasSagas = table('sagas');
  const hasAlerts = table('alerts');
  const hasWatch = table('watch_lease');
  const hasRunTotal = table('run_total');
  const filter = runFilter(db);
  // The header's tally in one pass over the window's index entries: counting by status and
  // conclusion with GROUP BY sorted them in a temporary b-tree first (2-4× the time).
  const tallyWindow = db.prepare<[string, string], Omit<RunTally, 'other'>>(
    `SELECT COUNT(*) AS total,
       COUNT(*) FILTER (WHERE status IN ('queued', 'in_progress')) AS active,
       COUNT(*) FILTER (WHERE conclusion = 'success') AS success,
       COUNT(*) FILTER (WHERE conclusion IN (${[...failedConclusions].map((c) => `'${c}'`).join(', ')})) AS failed
     FROM run_attempts WHERE is_latest = 1 AND sort_at >= ? AND sort_at < ?`,
  );
  const timeZone = () => o.timeZone ?? DEFAULT_TIMEZONE;
  // The watched root is re-resolved every 2 s, not on each poll: the bin's reportsDir() reads
  // and validates config.json on every call (and answers the default until it has loaded the
  // config code, just after the first frame).
  const probe = o.reportsDir ? evidenceProbe(cachedFor(REPORTS_DIR_TTL_MS, o.reportsDir)) : null;
  const digests = digestCache();
  const kpiConfig = o.kpiConfig ?? (() => workspaceKpiConfig(db.name));
  return {
    latestRuns: (limit, offset, q) => (q ? filter.runs(q, limit, offset) : listRuns(db, { limit, offset })),
    // Before migration 9 the total is counted.
    totalRuns: () => (hasRunTotal() ? countAllRuns(db) : (db.prepare('SELECT COUNT(*) FROM run_attempts WHERE is_latest = 1').pluck().get() as number)),
    matchingRuns: (q, cap) => filter.count(q, cap),
    counts24h: (now) => {
      // Whole seconds: stored times are second-precision ISO text, compared as strings, and
      // "…00.500Z" sorts before "…00Z".
      const s = Math.floor(now / 1000) * 1000;
      const t = tallyWindow.get(toIso(s - DAY_MS), toIso(s + 1000))!;
      return { ...t, other: t.total - t.active - t.success - t.failed };
    },
    activeKillswitch: (nowIso) => {
      if (activeKillswitch === null) {
        if (!hasKillswitch()) return [];
        activeKillswitch = db.prepare<{ now: string; global: string }, Engagement>(ACTIVE_KILLSWITCH);
      }
      // isActive as well: the one definition of "in force" that the guard uses too.
      return activeKillswitch.all({ now: nowIso, global: GLOBAL }).filter((e) => isActive(e, nowIso));
    },
    retryQueue: (now) => {
      // Looked up until it exists: an older ledger gets the table when a newer ops migrates it.
      return hasRetryQueue() ? queueSummary(db, now) : null;
    },
    retryEntries: (limit, offset) => (hasRetryQueue() ? listEntries(db, { limit, offset }) : []),
    retryTotal: () => (hasRetryQueue() ? (db.prepare('SELECT COUNT(*) FROM retry_queue').pluck().get() as number) : 0),
    tickets: () => {
      if (!hasSagas()) return [];
      let root: string | undefined;
      try {
        root = o.reportsDir?.();
      } catch {
        // An invalid config.json: the tickets all the same, without whether their files exist.
      }
      const tickets = allTickets(db, timeZone());
      if (root === undefined) return tickets.reverse().map((t) => ({ ...t, files: null }));
      // The folders of the latest tickets are watched from now on (oldest first, so the latest
      // stay watched): a ticket written or removed there shows at the next poll.
      for (const t of tickets.slice(-TICKET_FOLDERS_WATCHED)) probe?.track(join(root, dirname(t.json_path)), false);
      return tickets.reverse().map((t): ConsoleTicket => {
        const n = Number(existsSync(join(root, t.json_path))) + Number(existsSync(join(root, t.md_path)));
        return { ...t, files: n === 2 ? 'written' : n === 1 ? 'partial' : 'missing' };
      });
    },
    runDetails: (runId) => ({
      attempts: runAttempts(db, runId),
      retries: hasRetryQueue() ? retryHistory(db, { runId, limit: 100 }) : [],
      evidence: evidenceOf(runId),
    }),
    retryDetails: (id) => {
      const entry = hasRetryQueue() ? getEntry(db, id) : undefined;
      if (!entry) return null;
      const attempts = (db.prepare('SELECT * FROM retry_attempts WHERE entry_id = ? ORDER BY attempt').all(id) as Parameters<typeof toAttempt>[0][]).map(toAttempt);
      return { entry, attempts, evidence: evidenceOf(entry.run_id) };
    },
    knownWorkflows: () => (db.prepare(KNOWN_WORKFLOWS).pluck().all() as string[]).sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })),
    // The header's `watch: alive 3 s ago · sync 41 s ago · 2 due`; null before migration 16.
    watch: (now) => (hasWatch() ? watchStatus(db, now) : null),
    alerts: (limit) => {
      // A ledger from before detection (migration 8), opened by an older ops: no alerts yet.
      return hasAlerts() ? alertsForReview(db, limit) : [];
    },
    latestRollback: () => {
      if (!hasSagas()) return null;
      return (db.prepare(`SELECT id, state, subject AS snapshot, actor, started_at FROM sagas WHERE kind = 'rollback' ORDER BY id DESC LIMIT 1`).get() as LatestRollback | undefined) ?? null;
    },
    dataVersion: () => dataVersion.get() as number,
    evidenceStamp: (now) => probe?.stamp(now) ?? '',
    kpis: async (now, days): Promise<ConsoleKpis> => {
      // Loaded on first use: none of it is on the way to the first frame.
      const [{ ledgerKpis }, { kpiStatus }] = await Promise.all([import('../kpi/ledger-kpis'), import('../kpi/status')]);
      let config: Awaited<ReturnType<typeof kpiConfig>> = null;
      let targetsError: string | null = null;
      try {
        config = await kpiConfig();
      } catch (err) {
        targetsError = errorText(err);
      }
      const kpis = ledgerKpis(db, { window: `${days}d`, windowMs: days * DAY_MS, now, workflow: null, timezone: o.timeZone ?? config?.timezone ?? DEFAULT_TIMEZONE });
      return { kpis, status: config ? kpiStatus(kpis, config.kpiTargets) : null, targetsError };
    },
  };

  /** A run's collected files, with whether each copy still has its recorded sha256. */
  function evidenceOf(runId: string): RunDetails['evidence'] {
    const files = db.prepare('SELECT name, path, bytes, sha256, status FROM evidence_artifacts WHERE run_id = ? ORDER BY attempt, name').all(runId) as (Omit<RunDetails['evidence'][number], 'status'> & {
      status: string;
    })[];
    const root = files.length && o.reportsDir ? o.reportsDir() : null;
    return files.map((f) => ({
      ...f,
      status: f.status !== 'collected' || !f.path || root === null ? ('not collected' as const) : checked(join(root, f.path), f.sha256),
    }));
  }

  /** The digest check of one collected file, watched from now on. */
  function checked(path: string, sha256: string | null) {
    probe?.track(path);
    return digests(path, sha256);
  }
}

/**
 * config.json of the workspace holding the ledger (`<workspace>/.ops/ledger.db`), the way
 * `ops kpi` reads it: absent means the defaults; invalid throws (the panel then says why and
 * shows no targets). null for a ledger outside a workspace's .ops folder.
 */
async function workspaceKpiConfig(ledgerPath: string): Promise<{ kpiTargets: KpiTargets; timezone: string } | null> {
  if (basename(dirname(ledgerPath)) !== '.ops') return null;
  const { loadConfig } = await import('../config/load');
  const { kpiTargets, timezone } = loadConfig(dirname(dirname(ledgerPath)), 'config.json').value;
  return { kpiTargets, timezone };
}

/**
 * Whether a collected copy still has its recorded sha256, hashed again only when the file's
 * size, time or inode changed: re-reading the details on every poll that noticed a change
 * does not re-hash every artifact.
 */
function digestCache() {
  const known = new Map<string, { stat: string; status: 'ok' | 'changed' | 'missing' }>();
  return (path: string, sha256: string | null): 'ok' | 'changed' | 'missing' => {
    const s = statSync(path, { throwIfNoEntry: false, bigint: true });
    if (!s) return 'missing';
    const stat = `${s.mtimeNs}:${s.size}:${s.ino}:${sha256}`;
    const hit = known.get(path);
    if (hit?.stat === stat) return hit.status;
    const status = digestStatus(path, sha256);
    if (known.size >= 1024) known.delete(known.keys().next().value!);
    known.set(path, { stat, status });
    return status;
  };
}

/**
 * Whether a table exists yet: a ledger of an older schema (opened by an older ops) lacks the
 * newer ones until a newer ops migrates it, which the next call then notices. Once seen, a
 * table is not looked up again.
 */
function tableCheck(db: Ledger) {
  const lookup = db.prepare<[string], number>(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck();
  return (name: string) => {
    let seen = false;
    return () => (seen ||= lookup.get(name) !== undefined);
  };
}

/** Whether a collected copy still has the digest recorded when it was written. */
function digestStatus(path: string, sha256: string | null): 'ok' | 'changed' | 'missing' {
  if (!existsSync(path)) return 'missing';
  return createHash('sha256').update(readFileSync(path)).digest('hex') === sha256 ? 'ok' : 'changed';
}
