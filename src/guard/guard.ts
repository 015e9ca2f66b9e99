import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Exit } from '../cli/errors';
import { covering, describeEngagement, type Engagement } from '../killswitch/state';
import { toIso } from '../time/clock';

/**
 * `ops guard`, the first step of every workflow: may runs proceed? Reads the ledger
 * read-only, with no migrations and no config unless a rule needs it, because it runs
 * thousands of times a day and must cost little more than starting node.
 */

export interface GuardVerdict {
  ok: boolean;
  /** 0 proceed, 3 killswitch, 4 a guard rule. */
  code: number;
  reasons: string[];
  /** The ledger the verdict was read from; null when there is none (nothing was checked). */
  source: string | null;
}

/** A guard rule other than the killswitch: returns why the run must not proceed, or null. */
export interface GuardRule {
  name: string;
  check(db: Database.Database, q: GuardQuery): Promise<string | null>;
}

export interface GuardQuery {
  workflow: string | undefined;
  now: number;
  nowIso: string;
  /** Loads `.ops/retry-policy.json` (validated) only when a rule asks for it. */
  retryPolicy(): Promise<{ budget: { maxRetriesPerWorkflowPerHour: number } }>;
}

const HOUR = 3_600_000;

/** Retry budget (SPEC §4): a workflow re-run more often than the policy allows in an hour is a runaway loop. */
export const retryBudget: GuardRule = {
  name: 'retry-budget',
  async check(db, q) {
    if (q.workflow === undefined || !hasColumn(db, 'run_attempts', 'is_latest')) return null;
    const since = toIso(q.now - HOUR);
    // Re-runs are attempts after the first; a run's latest attempt says how many it had.
    const runReruns = db
      .prepare(`SELECT COALESCE(SUM(attempt - 1), 0) FROM run_attempts WHERE is_latest = 1 AND workflow = ? COLLATE NOCASE AND sort_at >= ? AND attempt > 1`)
      .pluck()
      .get(q.workflow, since) as number;
    // ops's own re-runs, counted when they start (the new attempts may not be imported yet).
    const opsRetries = hasTable(db, 'retry_attempts')
      ? (db.prepare('SELECT COUNT(*) FROM retry_attempts WHERE workflow = ? COLLATE NOCASE AND started_at > ?').pluck().get(q.workflow, since) as number)
      : 0;
    // The two overlap (an ops re-run becomes a new attempt): the larger is the count.
    const reruns = Math.max(runReruns, opsRetries);
    if (reruns === 0) return null; // the budget is at least 1: no need to read the policy
    const budget = (await q.retryPolicy()).budget.maxRetriesPerWorkflowPerHour;
    return reruns > budget
      ? `retry budget exceeded: ${reruns} re-runs of workflow ${JSON.stringify(q.workflow)} in the last hour, budget ${budget} (.ops/retry-policy.json budget.maxRetriesPerWorkflowPerHour)`
      : null;
  },
};

export const guardRules: readonly GuardRule[] = [retryBudget];

export async function evaluateGuard(ledgerPath: string, q: GuardQuery, rules: readonly GuardRule[] = guardRules): Promise<GuardVerdict> {
  // No ledger here: nothing to check. Proceed (a guard must not block on its own), but the
  // caller says that nothing was checked.
  if (!existsSync(ledgerPath)) return { ok: true, code: Exit.ok, reasons: [], source: null };
  const db = new Database(ledgerPath, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const stop = killswitchFor(db, q.workflow, q.nowIso);
    if (stop) return { ok: false, code: Exit.blocked, reasons: [describeEngagement(stop)], source: ledgerPath };
    const reasons: string[] = [];
    for (const rule of rules) {
      const why = await rule.check(db, q);
      if (why) reasons.push(why);
    }
    return reasons.length ? { ok: false, code: Exit.check, reasons, source: ledgerPath } : { ok: true, code: Exit.ok, reasons: [], source: ledgerPath };
  } finally {
    db.close();
  }
}

function killswitchFor(db: Database.Database, workflow: string | undefined, now: string): Engagement | undefined {
  if (!hasTable(db, 'killswitch_engagements')) return undefined;
  const rows = db
    .prepare(
      `SELECT id, scope, reason, actor, engaged_at, expires_at, released_at, released_by, release_reason, release_kind
       FROM killswitch_engagements WHERE released_at IS NULL`,
    )
    // A handful of rows: covering() matches the scope, case ignored. (Not in SQL: SQLite turns
    // `scope = ? OR scope = ? COLLATE NOCASE` into an IN over the BINARY index and misses.)
    .all() as Engagement[];
  return covering(rows, workflow, now);
}

const hasTable = (db: Database.Database, name: string) =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;

const hasColumn = (db: Database.Database, table: string, column: string) =>
  db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) !== undefined;
