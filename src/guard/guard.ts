import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Exit } from '../cli/errors';
import { covering, describeEngagement, type Engagement } from '../killswitch/state';
import { toIso } from '../time/clock';
import type { ServerOptions } from './server';
import { lookUpWithGh, readVariable, VARIABLE, type SourceReport, type VariableVerdict } from './sources';

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

/** The verdict over every killswitch source (issue 21 part 3). */
export interface FullVerdict extends GuardVerdict {
  /** Every source that answered: the ledger, OPS_KILLSWITCH, gh variable get. Empty: nothing was checked. */
  sources: SourceReport[];
  /** Why a source could not be asked (gh missing, unauthenticated, slow): warnings. */
  problems: string[];
}

/**
 * The ledger when there is one, and the `OPS_KILLSWITCH` variable when the environment
 * carries it (a workflow passes `${{ vars.OPS_KILLSWITCH }}`), both read when both are there:
 * either one engaged blocks (a ledger released locally does not override GitHub's variable,
 * nor the other way round). Only with neither is `gh variable get` asked (a network call).
 * With `world.server` (`--server`, OPS_SERVER) the server's killswitch takes the ledger's
 * place and gh is not asked.
 * A variable that cannot be read blocks (exit 3): an emergency signal must not pass by
 * being malformed.
 */
export async function guardEverywhere(
  ledgerPath: string,
  q: GuardQuery,
  world: { env: NodeJS.ProcessEnv; workspace: string; server?: ServerOptions },
  rules: readonly GuardRule[] = guardRules,
): Promise<FullVerdict> {
  const sources: SourceReport[] = [];
  const problems: string[] = [];
  const blocks: string[] = [];
  // With a server, it is the ledger: the local one (if any) and gh are not asked, and the
  // rules that read a ledger (the retry budget) are the server's business.
  const ledger: GuardVerdict = world.server ? { ok: true, code: Exit.ok, reasons: [], source: null } : await evaluateGuard(ledgerPath, q, rules);
  if (world.server) {
    const { askServer } = await import('./server');
    const s = await askServer(world.server, q.workflow);
    sources.push(s.source);
    if (s.verdict.state !== 'not-engaged') blocks.push(s.verdict.reason);
  }
  if (ledger.source !== null) {
    sources.push({ kind: 'ledger', name: ledger.source, state: ledger.code === Exit.blocked ? 'engaged' : 'not-engaged' });
    if (ledger.code === Exit.blocked) blocks.push(...ledger.reasons);
  }
  const take = (s: SourceReport, v: VariableVerdict) => {
    sources.push(s);
    if (v.state !== 'not-engaged') blocks.push(v.reason);
  };
  const raw = world.env[VARIABLE];
  if (raw !== undefined && raw.trim() !== '') {
    const v = readVariable(raw.trim(), VARIABLE, q.workflow, q.nowIso);
    take({ kind: 'env', name: VARIABLE, state: v.state }, v);
  } else if (ledger.source === null && !world.server) {
    const gh = await lookUpWithGh(world.env, world.workspace, q.workflow, q.nowIso);
    if (gh.source && gh.verdict) take(gh.source, gh.verdict);
    if (gh.problem) problems.push(gh.problem);
  }
  const source = sources.find((s) => s.state !== 'not-engaged')?.name ?? sources[0]?.name ?? null;
  if (blocks.length) return { ok: false, code: Exit.blocked, reasons: blocks, source, sources, problems };
  return { ...ledger, source, sources, problems };
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
