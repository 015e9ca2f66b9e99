import type { Ledger } from '../../ledger/open';
import { prepared } from '../../ledger/statements';
import { headSeq } from '../../events/cursors';
import { runsBehind, type RunKey } from './source';

/**
 * The ledger's mirror of the Postgres export's progress (export_state, migration 18): written
 * after each Postgres commit, so it is at most one batch behind the cursor in Postgres (which
 * is what the export resumes from). Status and `ops events consumers` read the lag here,
 * without connecting.
 */

export interface ExportMirror {
  workspace_id: string;
  events_seq: number;
  runs: RunKey;
  exported_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

const TARGET = 'postgres';

export function readMirror(db: Ledger): ExportMirror | null {
  const r = prepared(db, 'SELECT * FROM export_state WHERE target = ?').get(TARGET) as
    | { workspace_id: string; events_seq: number; runs_change: number; runs_run_id: string; runs_attempt: number; exported_at: string | null; last_error: string | null; last_error_at: string | null }
    | undefined;
  if (!r) return null;
  return { workspace_id: r.workspace_id, events_seq: r.events_seq, runs: { seq: r.runs_change, runId: r.runs_run_id, attempt: r.runs_attempt }, exported_at: r.exported_at, last_error: r.last_error, last_error_at: r.last_error_at };
}

/** Records how far the export got (after its Postgres commit), clearing the last error. */
export function writeMirror(db: Ledger, workspaceId: string, eventsSeq: number, runs: RunKey, now: string): void {
  prepared(
    db,
    `INSERT INTO export_state (target, workspace_id, events_seq, runs_change, runs_run_id, runs_attempt, exported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (target) DO UPDATE SET workspace_id = excluded.workspace_id, events_seq = excluded.events_seq, runs_change = excluded.runs_change,
       runs_run_id = excluded.runs_run_id, runs_attempt = excluded.runs_attempt, exported_at = excluded.exported_at, last_error = NULL, last_error_at = NULL`,
  ).run(TARGET, workspaceId, eventsSeq, runs.seq, runs.runId, runs.attempt, now);
}

/** Records why the export failed (masked by the caller). */
export function writeMirrorError(db: Ledger, workspaceId: string, error: string, now: string): void {
  prepared(
    db,
    `INSERT INTO export_state (target, workspace_id, last_error, last_error_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (target) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
  ).run(TARGET, workspaceId, error, now);
}

export interface ExportLag {
  /** Events not exported yet (the log's head minus the exported seq). */
  events: number;
  /** Run attempts written since the last exported one. */
  runs: number;
  events_seq: number;
  head: number;
  exported_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

/** The export's lag as the mirror sees it; everything behind when it never ran. */
export function exportLag(db: Ledger): ExportLag {
  const m = readMirror(db);
  const head = headSeq(db);
  const seq = m?.events_seq ?? 0;
  return {
    events: Math.max(0, head - seq),
    runs: runsBehind(db, m?.runs ?? { seq: -1, runId: '', attempt: 0 }),
    events_seq: seq,
    head,
    exported_at: m?.exported_at ?? null,
    last_error: m?.last_error ?? null,
    last_error_at: m?.last_error_at ?? null,
  };
}

/**
 * The export's lag for `ops status` and `ops events consumers`: when it is configured
 * (config.json export.postgres) or has run here before; null otherwise. Read from the
 * ledger's mirror only: showing it never connects to Postgres.
 */
export function postgresExportLag(db: Ledger, configured: boolean): ExportLag | null {
  if (!configured && !readMirror(db)) return null;
  return exportLag(db);
}

/** One line for ops status. */
export function describeLag(l: ExportLag): string {
  const behind = l.events || l.runs ? `${l.events} event${l.events === 1 ? '' : 's'} and ${l.runs} run attempt${l.runs === 1 ? '' : 's'} behind` : 'up to date';
  const when = l.exported_at ? `last export ${l.exported_at}` : 'never exported';
  return `postgres export: ${behind} (${when})${l.last_error ? `; last error ${l.last_error_at}: ${l.last_error}` : ''}`;
}
