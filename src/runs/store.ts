import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { mergeAttempt } from './merge';
import { failedConclusions, runKeys, type Run, type RunInput, type RunConclusion, type RunStatus } from './types';

/** A run_attempts row as stored: classification is JSON text. */
type AttemptRow = Omit<Run, 'classification'> & { classification: string | null };
type StoredRow = AttemptRow & { created_at: string };

const columns = runKeys.join(', ');
/** The run (latest attempt) rows that the partial indexes cover: keep this literal in every run query. */
const LATEST = 'is_latest = 1';
/**
 * Every written attempt takes the next change number (migration 18): an export reads the
 * attempts changed since its last key from the runs_by_change index. One index seek: the
 * writer holds the write lock, so MAX + 1 is unique and in commit order. An inserted attempt
 * also keeps it as created_seq (migration 20), which later writes leave alone.
 */
const NEXT_CHANGE = '(COALESCE((SELECT MAX(change_seq) FROM run_attempts), 0) + 1)';

export function rowToRun(row: AttemptRow): Run {
  const run = {} as Record<string, unknown>;
  for (const k of runKeys) run[k] = row[k];
  run.classification = row.classification === null ? null : JSON.parse(row.classification);
  return run as unknown as Run;
}

function runToRow(run: Run): AttemptRow {
  return { ...run, classification: run.classification === null ? null : JSON.stringify(run.classification) };
}

/** The row's values in `columns` order, for positional binding. */
const rowValues = (row: AttemptRow): unknown[] => runKeys.map((k) => row[k]);

function sameRow(a: AttemptRow, b: AttemptRow): boolean {
  for (const k of runKeys) if (a[k] !== b[k]) return false;
  return true;
}

export type WriteOutcome = 'inserted' | 'updated' | 'unchanged';

/**
 * Upserts run attempts by (run_id, attempt). The caller owns the transaction, so a whole
 * input is written or nothing is. An attempt whose merged content equals what is stored
 * is not written at all: importing the same data twice leaves the ledger byte-identical.
 */
export function runWriter(db: Ledger, now: string) {
  const attemptsOf = prepared<[string], StoredRow>(db, `SELECT ${columns}, created_at FROM run_attempts WHERE run_id = ?`);
  // Positional parameters: binding arrays is measurably faster than named objects on bulk imports.
  const insert = prepared(db, 
    `INSERT INTO run_attempts (${columns}, is_latest, sort_at, created_at, recorded_at, updated_at, change_seq, created_seq)
     VALUES (${runKeys.map(() => '?').join(', ')}, ?, ?, ?, ?, ?, ${NEXT_CHANGE}, ${NEXT_CHANGE})`,
  );
  const update = prepared(db, 
    `UPDATE run_attempts SET (${columns}, sort_at, updated_at, change_seq) = (${runKeys.map(() => '?').join(', ')}, ?, ?, ${NEXT_CHANGE})
     WHERE run_id = ? AND attempt = ?`,
  );
  const demote = prepared(db, `UPDATE run_attempts SET is_latest = 0, change_seq = ${NEXT_CHANGE} WHERE run_id = ? AND ${LATEST}`);
  const countRun = prepared(db, 'UPDATE run_total SET runs = runs + 1 WHERE id = 1');

  return (input: RunInput): WriteOutcome => {
    const stored = attemptsOf.all(input.run_id);
    const existingRow = stored.find((r) => r.attempt === input.attempt);
    const merged = runToRow(existingRow ? mergeAttempt(rowToRun(existingRow), input) : input);
    if (existingRow && sameRow(existingRow, merged)) return 'unchanged';
    const createdAt = stored[0]?.created_at ?? input.created_at ?? merged.started_at ?? now;
    const sortAt = merged.started_at ?? createdAt;
    const values = rowValues(merged);
    if (existingRow) {
      update.run([...values, sortAt, now, input.run_id, input.attempt]);
      return 'updated';
    }
    const isLatest = stored.every((r) => r.attempt < input.attempt);
    if (isLatest && stored.length) demote.run(input.run_id);
    values.push(isLatest ? 1 : 0, sortAt, createdAt, now, now);
    insert.run(values);
    // A new run; a later attempt of a known one replaces its latest (demoted above).
    if (!stored.length) countRun.run();
    return 'inserted';
  };
}

export interface RunFilter {
  workflow?: string;
  conclusion?: RunConclusion;
  status?: RunStatus;
  repository?: string;
  branch?: string;
  /** Only runs whose latest attempt failed (failure, timed_out, startup_failure). */
  failed?: boolean;
  /** Only runs whose latest attempt started at/after this UTC ISO time. */
  since?: string;
  limit: number;
  offset?: number;
}

/** The WHERE clause and parameters of a run filter (the latest attempt of each run). */
function runWhere(filter: Omit<RunFilter, 'limit' | 'offset'>): { where: string; params: Record<string, unknown> } {
  const where = [LATEST];
  const params: Record<string, unknown> = {};
  for (const key of ['workflow', 'conclusion', 'status', 'repository', 'branch'] as const) {
    if (filter[key] !== undefined) {
      where.push(`${key} = @${key}`);
      params[key] = filter[key];
    }
  }
  if (filter.failed) where.push(`conclusion IN (${[...failedConclusions].map((c) => `'${c}'`).join(', ')})`);
  if (filter.since !== undefined) {
    where.push('sort_at >= @since');
    params.since = filter.since;
  }
  return { where: where.join(' AND '), params };
}

/** Latest attempt of each run, latest first: an index range scan whatever the filter. */
export function listRuns(db: Ledger, filter: RunFilter): Run[] {
  const { where, params } = runWhere(filter);
  return db
    .prepare<Record<string, unknown>, AttemptRow>(
      `SELECT ${columns} FROM run_attempts WHERE ${where}
       ORDER BY sort_at DESC, run_id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: filter.limit, offset: filter.offset ?? 0 })
    .map(rowToRun);
}

/** How many runs `listRuns` would return without a limit (`ops runs list`'s "N of M shown"). */
export function countListedRuns(db: Ledger, filter: Omit<RunFilter, 'limit' | 'offset'>): number {
  const { where, params } = runWhere(filter);
  // No filter: the kept total, not a count over a million index entries.
  if (where === LATEST) return countAllRuns(db);
  return db.prepare<Record<string, unknown>, number>(`SELECT COUNT(*) FROM run_attempts WHERE ${where}`).pluck().get(params) as number;
}

/** Every attempt of a run, oldest first; empty when the ledger does not know it. */
export function runAttempts(db: Ledger, runId: string): Run[] {
  return db
    .prepare<[string], AttemptRow>(`SELECT ${columns} FROM run_attempts WHERE run_id = ? ORDER BY attempt`)
    .all(runId)
    .map(rowToRun);
}

export interface RunCounts {
  total: number;
  by_status: Record<string, number>;
  by_conclusion: Record<string, number>;
}

/** Runs whose latest attempt started in [since, until): counted by status and conclusion. */
export function countRuns(db: Ledger, since: string, until: string): RunCounts {
  const rows = db
    .prepare<[string, string], { status: string; conclusion: string | null; n: number }>(
      `SELECT status, conclusion, COUNT(*) AS n FROM run_attempts
       WHERE ${LATEST} AND sort_at >= ? AND sort_at < ? GROUP BY status, conclusion ORDER BY status, conclusion`,
    )
    .all(since, until);
  const counts: RunCounts = { total: 0, by_status: {}, by_conclusion: {} };
  for (const r of rows) {
    counts.total += r.n;
    counts.by_status[r.status] = (counts.by_status[r.status] ?? 0) + r.n;
    if (r.conclusion !== null) counts.by_conclusion[r.conclusion] = (counts.by_conclusion[r.conclusion] ?? 0) + r.n;
  }
  return counts;
}

/** How many runs the ledger holds. */
export function countAllRuns(db: Ledger): number {
  // Kept by runWriter (migration 9): one row read, not a million index entries counted.
  return prepared(db, 'SELECT runs FROM run_total WHERE id = 1', true).get() as number;
}

/** Where a page of runs ended: the last run's (sort_at, run_id), the listing's order. */
export interface RunPageKey {
  sort_at: string;
  run_id: string;
}

/**
 * One page of `listRuns`'s listing after `after` (keyset pagination: the same index range
 * scan however deep the page; an OFFSET would read every row before it). Returns one row
 * more than asked when there is a next page, and each row's key.
 */
export function listRunsPage(db: Ledger, filter: Omit<RunFilter, 'offset'>, after: RunPageKey | null): { runs: Run[]; next: RunPageKey | null } {
  const { where, params } = runWhere(filter);
  const keyset = after ? ' AND (sort_at < @after_sort OR (sort_at = @after_sort AND run_id < @after_run))' : '';
  // Kept prepared (per filter shape): an API serves this page many times a second.
  const rows = prepared<Record<string, unknown>, AttemptRow & { sort_at: string }>(
    db,
    `SELECT ${columns}, sort_at FROM run_attempts WHERE ${where}${keyset}
       ORDER BY sort_at DESC, run_id DESC LIMIT @limit`,
  ).all({ ...params, ...(after ? { after_sort: after.sort_at, after_run: after.run_id } : {}), limit: filter.limit + 1 });
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  const last = page.at(-1);
  return { runs: page.map(rowToRun), next: more && last ? { sort_at: last.sort_at, run_id: last.run_id } : null };
}
