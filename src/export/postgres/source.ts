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

const runSelect = runColumns.map(([c]) => (c === 'is_latest' ? 'is_latest = 1' : c)).join(', ');

/** Up to `limit` run attempts written after `after`, oldest change first; each row ends with its change_seq. */
export function runsAfter(db: Ledger, after: RunKey, limit: number): Row[] {
  return prepared(
    db,
    `SELECT ${runSelect}, change_seq FROM run_attempts INDEXED BY runs_by_change
     WHERE (change_seq, run_id, attempt) > (?, ?, ?) ORDER BY change_seq, run_id, attempt LIMIT ?`,
  )
    .raw()
    .all(after.seq, after.runId, after.attempt, limit) as Row[];
}

/** How many run attempts are written after `after` (the export's runs lag). */
export function runsBehind(db: Ledger, after: RunKey): number {
  return prepared(db, `SELECT COUNT(*) FROM run_attempts INDEXED BY runs_by_change WHERE (change_seq, run_id, attempt) > (?, ?, ?)`, true).get(after.seq, after.runId, after.attempt) as number;
}

const eventSelect = eventColumns.map(([c]) => (c === 'at' ? 'ts' : c === 'payload_text' ? 'payload' : c)).join(', ');

export function eventsAfterSeq(db: Ledger, seq: number, limit: number): Row[] {
  return prepared(db, `SELECT ${eventSelect} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`).raw().all(seq, limit) as Row[];
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
