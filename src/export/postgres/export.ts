import type { Client } from 'pg';
import { Exit, OpsError } from '../../base/errors';
import type { Ledger } from '../../ledger/open';
import { failpoint } from '../../testing/failpoint';
import { connectPg, pgError, type TlsOptions } from './connect';
import { ensureSchema } from './migrate';
import { eventColumns, runColumns } from './schema';
import { eventsAfterSeq, ledgerWorkspaceId, runsAfter, smallRows, smallTables, type Row, type RunKey, type SmallTable } from './source';
import { writeMirror, writeMirrorError } from './state';
import { maskIn, type PgTarget } from './url';

/**
 * `ops export postgres` (issue 24): the ledger's runs, audit events, retry history,
 * killswitch log, alerts and deliveries into one Postgres database that many workspaces
 * share, exactly once and resumable.
 *
 * - Runs: in the order the ledger wrote them (change_seq), after the key in the runs cursor.
 * - Events: after the seq in the events cursor.
 * - Small tables: the rows whose id is above the highest one Postgres has (that maximum is
 *   their cursor, committed with them), the rows Postgres still has in a state that may change
 *   (a pending retry, an open alert, …), and the retry rows of every run an exported event
 *   names (a finished retry entry armed again). These are upserts of the row as the ledger
 *   has it now: doing one twice changes nothing.
 *
 * Each batch is ONE Postgres transaction: the rows (multi-row upserts of unnest arrays, a row
 * rewritten only when it differs) and both cursors. A kill -9 anywhere rolls back the batch
 * being written; the next export starts from the cursors of the last commit, so nothing is
 * lost and nothing is written twice. A session advisory lock per workspace keeps two
 * exporters of one workspace from interleaving (the second waits).
 */

export interface PostgresExportOptions {
  db: Ledger;
  target: PgTarget;
  tls: TlsOptions;
  schema: string;
  /** Default: the ledger's (meta workspace_id). */
  workspaceId?: string;
  /** Shown in the workspaces table (the workspace folder). */
  label?: string;
  /** Rows per transaction (default 20 000). */
  batchRows?: number;
  now(): string;
  /** A connected client to reuse (a follower's); else one is opened and closed. */
  client?: Client;
}

export interface PostgresExportResult {
  workspace_id: string;
  schema: string;
  target: string;
  /** Rows written (inserted or changed) per table; an unchanged row is not counted. */
  rows: Record<string, number>;
  /** Rows read from the ledger and sent (runs and events: each once). */
  sent: { runs: number; events: number };
  batches: number;
  migrated: number[];
  cursor: { events_seq: number; runs: RunKey };
  ms: number;
}

const DEFAULT_BATCH = 20_000;

export async function exportPostgresOnce(o: PostgresExportOptions): Promise<PostgresExportResult> {
  const started = performance.now();
  const workspaceId = o.workspaceId ?? ledgerWorkspaceId(o.db);
  const client = o.client ?? (await connectPg(o.target, o.tls));
  try {
    return await run(client, o, workspaceId, started);
  } catch (err) {
    const e = pgError(err, o.target);
    try {
      writeMirrorError(o.db, workspaceId, e.message, o.now());
    } catch {
      // The mirror is a convenience: a busy ledger must not hide the real error.
    }
    throw e;
  } finally {
    if (!o.client) await client.end().catch(() => {});
  }
}

async function run(client: Client, o: PostgresExportOptions, ws: string, started: number): Promise<PostgresExportResult> {
  const s = `"${o.schema}"`;
  const limit = o.batchRows ?? DEFAULT_BATCH;
  const migrated = await ensureSchema(client, o.schema);
  await client.query(
    `WITH w AS (INSERT INTO ${s}.workspaces (workspace_id, label) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING RETURNING workspace_id)
     INSERT INTO ${s}.export_cursors (workspace_id, stream) SELECT workspace_id, stream FROM w, unnest(ARRAY['events', 'runs']) AS stream`,
    [ws, o.label ?? null],
  );
  // Waits while another exporter of this workspace runs; released with the session (kill -9 too).
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`ops-export:${o.schema}:${ws}`]);
  try {
    const cur = (await client.query(`SELECT stream, seq, key_run_id, key_attempt FROM ${s}.export_cursors WHERE workspace_id = $1`, [ws])).rows as {
      stream: string;
      seq: string;
      key_run_id: string;
      key_attempt: number;
    }[];
    const ev = cur.find((c) => c.stream === 'events');
    const rc = cur.find((c) => c.stream === 'runs');
    if (!ev || !rc) throw new OpsError(Exit.failed, `${o.schema}.export_cursors`, `no cursors for workspace ${ws} (edited by hand?)`);
    let eventsSeq = Number(ev.seq);
    let runKey: RunKey = { seq: Number(rc.seq), runId: rc.key_run_id, attempt: rc.key_attempt };

    const rows: Record<string, number> = {};
    const count = (table: string, n: number) => (rows[table] = (rows[table] ?? 0) + n);
    const sent = { runs: 0, events: 0 };
    let batches = 0;
    let firstSmall = true;
    for (;;) {
      const small = await smallState(client, s, ws);
      // One ledger snapshot per batch: the runs, events and small rows agree with each other.
      const batch = o.db.transaction(() => {
        const runs = runsAfter(o.db, runKey, limit);
        const events = eventsAfterSeq(o.db, eventsSeq, limit);
        const runIds = [...new Set(events.map((e) => e[6] as string | null).filter((r): r is string => r !== null))];
        const smallBatch = smallTables.map((t, i) => ({ t, rows: smallRows(o.db, t, small[i]!.max, limit, firstSmall ? small[i]!.open : [], runIds) }));
        return { runs, events, small: smallBatch };
      })();
      firstSmall = false;
      const anySmall = batch.small.some((b) => b.rows.length);
      if (!batch.runs.length && !batch.events.length && !anySmall) break;

      const lastRun = batch.runs.at(-1);
      const nextRunKey: RunKey = lastRun ? { seq: lastRun[runColumns.length] as number, runId: lastRun[0] as string, attempt: lastRun[1] as number } : runKey;
      const nextEventsSeq = batch.events.length ? (batch.events.at(-1)![0] as number) : eventsSeq;

      await client.query('BEGIN');
      try {
        if (batch.runs.length) count('runs', await upsert(client, s, 'runs', runColumns, ['run_id', 'attempt'], ws, batch.runs));
        if (batch.events.length) count('audit_events', await upsert(client, s, 'audit_events', eventColumns, ['seq'], ws, batch.events));
        for (const b of batch.small) if (b.rows.length) count(b.t.pg, await upsert(client, s, b.t.pg, b.t.columns, ['id'], ws, b.rows));
        failpoint('export.postgres.before-cursor');
        await client.query(
          `UPDATE ${s}.export_cursors SET
             seq = CASE stream WHEN 'events' THEN $2 ELSE $3 END,
             key_run_id = CASE stream WHEN 'runs' THEN $4 ELSE key_run_id END,
             key_attempt = CASE stream WHEN 'runs' THEN $5 ELSE key_attempt END,
             updated_at = now()
           WHERE workspace_id = $1 AND (stream = 'events' AND seq <> $2 OR stream = 'runs' AND (seq, key_run_id, key_attempt) <> ($3, $4, $5))`,
          [ws, nextEventsSeq, nextRunKey.seq, nextRunKey.runId, nextRunKey.attempt],
        );
        if (batch.runs.length || batch.events.length) await client.query(`UPDATE ${s}.workspaces SET last_export_at = now(), label = COALESCE($2, label) WHERE workspace_id = $1`, [ws, o.label ?? null]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      failpoint('export.postgres.after-commit');
      batches++;
      sent.runs += batch.runs.length;
      sent.events += batch.events.length;
      runKey = nextRunKey;
      eventsSeq = nextEventsSeq;
      try {
        writeMirror(o.db, ws, eventsSeq, runKey, o.now());
      } catch {
        // Busy ledger: the mirror catches up after the next batch; Postgres holds the truth.
      }
      const more = batch.runs.length === limit || batch.events.length === limit || batch.small.some((b) => b.rows.length >= limit);
      if (!more) break;
    }
    if (!batches) {
      try {
        writeMirror(o.db, ws, eventsSeq, runKey, o.now());
      } catch {
        // as above
      }
    }
    return {
      workspace_id: ws,
      schema: o.schema,
      target: o.target.masked,
      rows,
      sent,
      batches,
      migrated,
      cursor: { events_seq: eventsSeq, runs: runKey },
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`ops-export:${o.schema}:${ws}`]).catch(() => {});
  }
}

/** Per small table: the highest id Postgres has for this workspace, and the ids of rows that may still change. */
async function smallState(client: Client, s: string, ws: string): Promise<{ max: number; open: number[] }[]> {
  const cols = smallTables.map((t: SmallTable, i) => `(SELECT COALESCE(max(id), 0) FROM ${s}.${t.pg} WHERE workspace_id = $1) AS m${i}, (SELECT COALESCE(array_agg(id), '{}') FROM ${s}.${t.pg} WHERE workspace_id = $1 AND ${t.open}) AS o${i}`);
  const r = (await client.query({ text: `SELECT ${cols.join(', ')}`, values: [ws], rowMode: 'array' })).rows[0] as unknown[];
  return smallTables.map((_t, i) => ({ max: Number(r[2 * i]), open: (r[2 * i + 1] as string[]).map(Number) }));
}

/**
 * One multi-row upsert: each column as an array, unnest()ed into rows. A row is rewritten
 * only when it differs, so a repeated export changes nothing (not even a row version).
 * Returns the rows inserted or changed.
 */
async function upsert(client: Client, s: string, table: string, columns: readonly (readonly [string, string])[], key: readonly string[], ws: string, rows: readonly Row[]): Promise<number> {
  const names = columns.map(([c]) => c);
  const arrays: unknown[][] = columns.map(() => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < columns.length; c++) {
      const v = row[c];
      arrays[c]![r] = columns[c]![1] === 'boolean' ? v === 1 || v === true : v;
    }
  }
  const set = names.filter((n) => !key.includes(n));
  const text = `INSERT INTO ${s}.${table} AS t (workspace_id, ${names.join(', ')})
    SELECT $1, * FROM unnest(${columns.map(([, type], i) => `$${i + 2}::${type}[]`).join(', ')})
    ON CONFLICT (workspace_id, ${key.join(', ')}) DO UPDATE SET ${set.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
    WHERE (${set.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${set.map((n) => `EXCLUDED.${n}`).join(', ')})`;
  const r = await client.query(text, [ws, ...arrays]);
  return r.rowCount ?? 0;
}

export { maskIn };
