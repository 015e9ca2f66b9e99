import type { DetectionRules, KillswitchRules } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { toIso } from '../time/clock';
import { misfired, subjectOf, type Facts, type RecentRun, type Streak } from './rules';

/**
 * What the rules look at, read from the ledger with index range scans only (the time,
 * workflow and active-run indexes, and retry_attempts by time), so detection after every
 * import stays cheap on a ledger of a million runs.
 */

const MIN = 60_000;
const FAILED = `('failure', 'timed_out', 'startup_failure')`;
// Cancelled, skipped and neutral runs neither break nor extend a streak of failures.
const COUNTED = `('success', 'failure', 'timed_out', 'startup_failure', 'action_required', 'stale')`;

export function gatherFacts(db: Ledger, now: number, rules: DetectionRules, ks: KillswitchRules): Facts {
  const end = toIso(now + 1000);
  const since = (minutes: number) => toIso(now - minutes * MIN);

  const failureWindow = prepared(db, 
    `SELECT repository, workflow, COUNT(*) AS completed, SUM(conclusion IN ${FAILED}) AS failed FROM run_attempts INDEXED BY runs_by_time
     WHERE is_latest = 1 AND sort_at >= ? AND sort_at < ? AND status = 'completed' GROUP BY repository, workflow ORDER BY repository, workflow`,
  ).all(since(rules.failureRate.windowMinutes), end) as Facts['failureWindow'];

  // A streak is looked at for workflows that failed recently, and for those with an open
  // alert (which stays open until a run of the workflow succeeds).
  const cf = rules.consecutiveFailures;
  const candidates = new Map<string, { repository: string; workflow: string }>();
  const recentFailures = prepared(db, 
    `SELECT DISTINCT repository, workflow FROM run_attempts INDEXED BY runs_by_time WHERE is_latest = 1 AND sort_at >= ? AND sort_at < ? AND conclusion IN ${FAILED}`,
  ).all(toIso(now - cf.withinHours * 60 * MIN), end) as { repository: string; workflow: string }[];
  const alerted = prepared(db, `SELECT facts FROM alerts WHERE state = 'open' AND rule = 'consecutive_failures'`, true).all() as string[];
  for (const w of [...recentFailures, ...alerted.map((f) => JSON.parse(f) as { repository: string; workflow: string })]) candidates.set(subjectOf(w), { repository: w.repository, workflow: w.workflow });
  const latest = prepared(db, 
    `SELECT run_id, conclusion, sort_at AS at FROM run_attempts INDEXED BY runs_by_workflow
     WHERE is_latest = 1 AND workflow = ? AND repository = ? AND sort_at < ? AND status = 'completed' AND conclusion IN ${COUNTED}
     ORDER BY sort_at DESC, run_id DESC LIMIT ?`,
  );
  const streaks: Streak[] = [...candidates.keys()].sort().map((k) => {
    const w = candidates.get(k)!;
    return { ...w, latest: latest.all(w.workflow, w.repository, end, cf.count) as Streak['latest'] };
  });

  const retriesSince = (minutes: number, scope?: string) =>
    (scope && scope !== '*'
      ? prepared(db, 'SELECT COUNT(*) FROM retry_attempts a JOIN retry_queue q ON q.id = a.entry_id WHERE a.started_at >= ? AND a.started_at < ? AND q.workflow = ? COLLATE NOCASE', true).get(since(minutes), end, scope)
      : prepared(db, 'SELECT COUNT(*) FROM retry_attempts WHERE started_at >= ? AND started_at < ?', true).get(since(minutes), end)) as number;

  const stale = prepared(db, 
    `SELECT run_id, repository, workflow, status, sort_at AS since FROM run_attempts INDEXED BY runs_active
     WHERE is_latest = 1 AND status != 'completed' AND sort_at < ? ORDER BY sort_at LIMIT 1000`,
  ).all(since(rules.staleRun.minutes)) as Facts['stale'];

  const killswitch: Facts['killswitch'] = {};
  for (const r of ks.rules) {
    const window = r.windowMinutes ?? (r.condition === 'misfire' ? 60 : 10);
    const scoped = r.scope && r.scope !== '*' ? r.scope : null;
    if (r.condition === 'runaway_retry') killswitch[r.name] = { retries: retriesSince(window, r.scope) };
    if (r.condition === 'resource') {
      killswitch[r.name] = {
        active: prepared(db, `SELECT COUNT(*) FROM run_attempts INDEXED BY runs_active WHERE is_latest = 1 AND status != 'completed' AND (? IS NULL OR workflow = ? COLLATE NOCASE)`, true).get(scoped, scoped) as number,
      };
    }
    if (r.condition === 'misfire') {
      const recent = prepared(db, 
        `SELECT run_id, workflow, branch, event FROM run_attempts INDEXED BY runs_by_time
         WHERE is_latest = 1 AND sort_at >= ? AND sort_at < ? AND (? IS NULL OR workflow = ? COLLATE NOCASE) ORDER BY sort_at DESC LIMIT 10000`,
      ).all(since(window), end, scoped, scoped) as RecentRun[];
      killswitch[r.name] = { misfires: recent.filter((run) => misfired(r, run)) };
    }
  }

  return { now, failureWindow, streaks, retries: retriesSince(rules.retryStorm.windowMinutes), stale, killswitch };
}

/** ops's re-runs in the retry-storm window: the cheap check replay makes after each re-run. */
export function retriesInWindow(db: Ledger, now: number, windowMinutes: number): number {
  return prepared(db, 'SELECT COUNT(*) FROM retry_attempts WHERE started_at >= ? AND started_at < ?', true).get(toIso(now - windowMinutes * MIN), toIso(now + 1000)) as number;
}
