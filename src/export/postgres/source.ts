import type { Ledger } from '../../ledger/open';
import { prepared } from '../../ledger/statements';
import { alertColumns, deliveryColumns, eventColumns, killswitchColumns, retryAttemptColumns, retryEntryColumns, runColumns } from './schema';

/**
 * What the export reads from the ledger. Runs in the order they were written (change_seq,
 * migration 18) after a key; events after a seq; the small tables (retry queue and history,
 * killswitch log, alerts, deliveries) by id. Rows come as arrays in the column order of
 * ./schema, ready to be transposed into the unnest arrays of an upsert.
 */

export interface RunKey {
  seq: number;
  runId: string;
  attempt: number;
}

export type Row = unknown[];

/** The ledger's workspace id (migration 18 made it). */
export function ledgerWorkspaceId(db: Ledger): string {
  return prepared(db, `SELECT value FROM meta WHERE key = 'workspace_id'`, true).get() as string;
}

/**
 * A batch as columns: each one SQLite's JSON array of that column's values (json_group_array:
 * built in C, so a million-run export makes 20 strings a batch, not 20 million), in the
 * column order of ./schema. The aggregates see the rows in one pass, so the columns line up.
 */
export interface ColumnBatch {
  n: number;
  /** JSON arrays, one per column. */
  columns: string[];
}

function columnBatch(db: Ledger, select: string, width: number, params: readonly unknown[]): ColumnBatch {
  const cols = Array.from({ length: width }, (_, i) => `json_group_array(c${i})`).join(', ');
  const r = prepared(db, `SELECT count(*), ${cols} FROM (${select})`).raw().get(...params) as [number, ...string[]];
  return { n: r[0], columns: r.slice(1) as string[] };
}

const aliased = (exprs: readonly string[]) => exprs.map((e, i) => `${e} AS c${i}`).join(', ');

export interface RunBatch {
  n: number;
  /** Attempts first written after `after`: never exported, so Postgres cannot have them. */
  fresh: ColumnBatch;
  /** The others: Postgres may have an older version of them. */
  known: ColumnBatch;
  /** The greatest key of the batch (the next `after`). */
  last: RunKey;
}

const runExprs = runColumns.map(([c]) => (c === 'is_latest' ? 'is_latest = 1' : c));

/** Up to `limit` run attempts written after `after`, split by whether Postgres may have them. */
export function runsAfter(db: Ledger, after: RunKey, limit: number): RunBatch {
  // One pass, each column aggregated twice (FILTER): the fresh attempts' and the others'.
  const width = runExprs.length + 1;
  const half = (fresh: boolean) => Array.from({ length: width }, (_, i) => `json_group_array(c${i}) FILTER (WHERE ${fresh ? '' : 'NOT '}fresh)`);
  const r = prepared(
    db,
    `SELECT count(*) FILTER (WHERE fresh), count(*) FILTER (WHERE NOT fresh), ${[...half(true), ...half(false)].join(', ')}
     FROM (SELECT ${aliased([...runExprs, 'change_seq'])}, created_seq > ? AS fresh FROM run_attempts INDEXED BY runs_by_change
           WHERE (change_seq, run_id, attempt) > (?, ?, ?) ORDER BY change_seq, run_id, attempt LIMIT ?)`,
  )
    .raw()
    .get(after.seq, after.seq, after.runId, after.attempt, limit) as [number, number, ...(string | null)[]];
  // An empty FILTER aggregate is NULL, not [].
  const cols = (from: number) => Array.from({ length: width }, (_, i) => (r[2 + from + i] as string | null) ?? '[]');
  const fresh = { n: r[0], columns: cols(0) };
  const known = { n: r[1], columns: cols(width) };
  const last = greatestKey(after, fresh, known);
  return { n: fresh.n + known.n, fresh, known, last };
}

/** The greatest (change_seq, run_id, attempt) of the batches, popping their change_seq column. */
function greatestKey(after: RunKey, ...batches: ColumnBatch[]): RunKey {
  let last = after;
  for (const b of batches) {
    const seqs = JSON.parse(b.columns.pop()!) as number[];
    const ids = JSON.parse(b.columns[0]!) as string[];
    const attempts = JSON.parse(b.columns[1]!) as number[];
    for (let i = 0; i < b.n; i++) {
      const d = seqs[i]! - last.seq || (ids[i]! < last.runId ? -1 : ids[i]! > last.runId ? 1 : 0) || attempts[i]! - last.attempt;
      if (d > 0) last = { seq: seqs[i]!, runId: ids[i]!, attempt: attempts[i]! };
    }
  }
  return last;
}

/** How many run attempts are written after `after` (the export's runs lag). */
export function runsBehind(db: Ledger, after: RunKey): number {
  return prepared(db, `SELECT COUNT(*) FROM run_attempts INDEXED BY runs_by_change WHERE (change_seq, run_id, attempt) > (?, ?, ?)`, true).get(after.seq, after.runId, after.attempt) as number;
}

/** Up to `limit` audit events after `seq`, the last seq, and the runs they name. */
export function eventsAfterSeq(db: Ledger, seq: number, limit: number): ColumnBatch & { last: number; runIds: string[] } {
  const exprs = eventColumns.map(([c]) => (c === 'at' ? 'ts' : c === 'payload_text' ? 'payload' : c));
  const b = columnBatch(db, `SELECT ${aliased(exprs)} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, exprs.length, [seq, limit]);
  const seqs = JSON.parse(b.columns[0]!) as number[];
  const runIds = JSON.parse(b.columns[eventColumns.findIndex(([c]) => c === 'run_id')]!) as (string | null)[];
  return { ...b, last: seqs.reduce((a, x) => Math.max(a, x), seq), runIds: [...new Set(runIds.filter((r): r is string => r !== null))] };
}

/** Rows as a ColumnBatch (the small tables, read as rows to merge the re-read ones). */
export function rowsToColumns(rows: readonly Row[], width: number): ColumnBatch {
  return { n: rows.length, columns: Array.from({ length: width }, (_, c) => JSON.stringify(rows.map((r) => r[c] ?? null))) };
}

/** A small table of the ledger and the Postgres table it becomes. */
export interface SmallTable {
  pg: string;
  columns: readonly (readonly [string, string])[];
  /** SELECT … (the columns, in order) FROM … ; WHERE clauses are appended with the alias `t`. */
  from: string;
  /** Rows of it in Postgres that may still change: re-read on every pass. */
  open: string;
  /** Its rows about a run (re-read when an event of that run is exported). */
  byRun?: boolean;
}

const sel = (cols: readonly (readonly [string, string])[], alias = 't') => cols.map(([c]) => `${alias}.${c}`).join(', ');

export const smallTables: readonly SmallTable[] = [
  { pg: 'retry_entries', columns: retryEntryColumns, from: `SELECT ${sel(retryEntryColumns)} FROM retry_queue t`, open: `state IN ('pending', 'processing')`, byRun: true },
  { pg: 'retry_attempts', columns: retryAttemptColumns, from: `SELECT ${sel(retryAttemptColumns)} FROM retry_attempts t`, open: `outcome IN ('running', 'dispatched', 'unverified')`, byRun: true },
  { pg: 'killswitch_log', columns: killswitchColumns, from: `SELECT ${sel(killswitchColumns)} FROM killswitch_engagements t`, open: 'released_at IS NULL' },
  { pg: 'alerts', columns: alertColumns, from: `SELECT ${sel(alertColumns)} FROM alerts t`, open: `state = 'open'` },
  {
    pg: 'notification_deliveries',
    columns: deliveryColumns,
    from: `SELECT t.id, t.notification_id, n.audit_seq, n.event, n.severity, n.title, t.channel, t.channel_type, t.state, t.attempts, t.next_attempt_at, t.last_error, t.delivered_at, n.created_at
           FROM notification_deliveries t JOIN notifications n ON n.id = t.notification_id`,
    open: `state = 'pending'`,
  },
];

/** Rows of a small table: id above `afterId` (up to `limit`), or one of `ids`, or about one of `runIds`. */
export function smallRows(db: Ledger, t: SmallTable, afterId: number, limit: number, ids: readonly number[], runIds: readonly string[]): Row[] {
  const rows = prepared(db, `${t.from} WHERE t.id > ? ORDER BY t.id LIMIT ?`).raw().all(afterId, limit) as Row[];
  const seen = new Set(rows.map((r) => r[0] as number));
  const more = (where: string, values: readonly unknown[]) => {
    // In chunks: SQLite takes at most 32 766 parameters.
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      for (const r of db.prepare(`${t.from} WHERE ${where} IN (${chunk.map(() => '?').join(', ')})`).raw().all(...chunk) as Row[]) {
        if (!seen.has(r[0] as number)) {
          seen.add(r[0] as number);
          rows.push(r);
        }
      }
    }
  };
  more('t.id', ids);
  if (t.byRun) more('t.run_id', runIds);
  return rows;
}
