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
  let client: Client | undefined;
  try {
    client = o.client ?? (await connectPg(o.target, o.tls));
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
    if (!o.client) await client?.end().catch(() => {});
  }
}

async function run(client: Client, o: PostgresExportOptions, ws: string, started: number): Promise<PostgresExportResult> {
  const s = `"${o.schema}"`;
  const limit = o.batchRows ?? DEFAULT_BATCH;
  // The batch statement joins a batch (up to 20 000 rows) to tables of millions on their
  // keys: it must be index probes. Left to itself the planner hashes the whole workspace's
  // rows for every batch (a 20 000-row batch against 100 000 runs: 540 ms, against 340 ms
  // probing, and growing with the table: quadratic over a full export), or, while the
  // table's statistics still say it is small (a first export), scans it once per batch row
  // (a 30 000-run export took a minute). This session only does such joins.
  await client.query('SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off');
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
    // The small tables' cursors are the highest ids Postgres has; from then on kept here.
    const small = await smallState(client, s, ws);
    const smallMax = small.map((x) => x.max);
    let first = true;
    // Pipelined: while Postgres runs batch N's transaction, the next batch is read from the
    // ledger and serialised. The client sends queries in order, so transactions still commit
    // one after the other, each with its own cursors: a kill leaves a prefix of them.
    let inFlight: Promise<void> | undefined;
    let readKey = runKey;
    let readSeq = eventsSeq;
    for (;;) {
      // One ledger snapshot per batch: the runs, events and small rows agree with each other.
      const batch = o.db.transaction(() => {
        const runs = runsAfter(o.db, readKey, limit);
        const events = eventsAfterSeq(o.db, readSeq, limit);
        const runIds = [...new Set(events.map((e) => e[6] as string | null).filter((r): r is string => r !== null))];
        const smallBatch = smallTables.map((t, i) => ({ t, rows: smallRows(o.db, t, smallMax[i]!, limit, first ? small[i]!.open : [], runIds) }));
        return { runs, events, small: smallBatch };
      })();
      first = false;
      if (!batch.runs.length && !batch.events.length && !batch.small.some((b) => b.rows.length)) break;

      const lastRun = batch.runs.at(-1);
      const nextRunKey: RunKey = lastRun ? { seq: lastRun[runColumns.length] as number, runId: lastRun[0] as string, attempt: lastRun[1] as number } : readKey;
      const nextEventsSeq = batch.events.length ? (batch.events.at(-1)![0] as number) : readSeq;
      batch.small.forEach((b, i) => {
        for (const r of b.rows) if ((r[0] as number) > smallMax[i]!) smallMax[i] = r[0] as number;
      });
      const parts: Upsert[] = [];
      if (batch.runs.length) parts.push({ table: 'runs', columns: runColumns, key: ['run_id', 'attempt'], rows: batch.runs });
      if (batch.events.length) parts.push({ table: 'audit_events', columns: eventColumns, key: ['seq'], rows: batch.events });
      for (const b of batch.small) if (b.rows.length) parts.push({ table: b.t.pg, columns: b.t.columns, key: ['id'], rows: b.rows });
      const statement = batchStatement(s, ws, parts, { eventsSeq: nextEventsSeq, runKey: nextRunKey, label: o.label ?? null, touch: Boolean(batch.runs.length || batch.events.length) });
      readKey = nextRunKey;
      readSeq = nextEventsSeq;

      // Only now wait for the previous batch: its statement ran while this one was read and serialised.
      if (inFlight) await inFlight;
      const sentRuns = batch.runs.length;
      const sentEvents = batch.events.length;
      const tx = client.query({ text: statement.text, values: statement.values, rowMode: 'array' }).then((r) => {
        const counts = r.rows[0] as (string | number)[];
        parts.forEach((part, i) => count(part.table, Number(counts[i])));
        failpoint('export.postgres.after-commit');
        batches++;
        sent.runs += sentRuns;
        sent.events += sentEvents;
        runKey = nextRunKey;
        eventsSeq = nextEventsSeq;
        try {
          writeMirror(o.db, ws, eventsSeq, runKey, o.now());
        } catch {
          // Busy ledger: the mirror catches up after the next batch; Postgres holds the truth.
        }
      });
      // Never an unhandled rejection: it is awaited below (or at the next round).
      tx.catch(() => {});
      inFlight = tx;
      const more = batch.runs.length === limit || batch.events.length === limit || batch.small.some((b) => b.rows.length >= limit);
      if (!more) break;
    }
    if (inFlight) await inFlight;
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

interface Upsert {
  table: string;
  columns: readonly (readonly [string, string])[];
  key: readonly string[];
  rows: readonly Row[];
}

/**
 * A whole batch as ONE statement, so one round trip and atomic by itself: each table's
 * multi-row upsert and the cursor update are data-modifying CTEs. Each upsert takes its
 * columns as Postgres array literals (serialised here, while the previous batch runs) and
 * unnest()s them into rows; a row is rewritten only when it differs, so a repeated export
 * changes nothing (not even a row version). Its one result row: the rows written per upsert.
 */
function batchStatement(s: string, ws: string, parts: readonly Upsert[], c: { eventsSeq: number; runKey: RunKey; label: string | null; touch: boolean }): { text: string; values: unknown[] } {
  const values: unknown[] = [ws, c.eventsSeq, c.runKey.seq, c.runKey.runId, c.runKey.attempt, c.label];
  const ctes = parts.flatMap((u, i) => {
    const names = u.columns.map(([n]) => n);
    const set = names.filter((n) => !u.key.includes(n));
    const params = u.columns.map(([, type], col) => {
      values.push(arrayLiteral(u.rows, col, type === 'boolean'));
      return `$${values.length}::${type}[]`;
    });
    const sameKey = u.key.map((k) => `t.${k} = x.${k}`).join(' AND ');
    // One probe per row: each batch row looks up its row in Postgres (its ctid, and whether
    // it differs); then the changed rows are updated by ctid and the absent ones inserted.
    // LATERAL … LIMIT 1 keeps it a primary-key probe per row whatever the statistics say (a
    // plain join was planned, while a first export grew the table, as a scan of the whole
    // workspace per batch row). Not INSERT … ON CONFLICT: its speculative insertion costs
    // ~50 % more per row, and the export's advisory lock already rules out a racing writer.
    return [
      `s${i} AS MATERIALIZED (SELECT x.*, t.old_tid, t.changed
        FROM unnest(${params.join(', ')}) AS x(${names.join(', ')})
        LEFT JOIN LATERAL (SELECT t.ctid AS old_tid,
            (${set.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${set.map((n) => `x.${n}`).join(', ')}) AS changed
          FROM ${s}.${u.table} t WHERE t.workspace_id = $1 AND ${sameKey} LIMIT 1) t ON true)`,
      `n${i} AS (UPDATE ${s}.${u.table} AS t SET ${set.map((n) => `${n} = x.${n}`).join(', ')} FROM s${i} x
        WHERE x.old_tid IS NOT NULL AND x.changed AND t.ctid = x.old_tid
        RETURNING 1)`,
      `i${i} AS (INSERT INTO ${s}.${u.table} (workspace_id, ${names.join(', ')}) SELECT $1, ${names.map((n) => `x.${n}`).join(', ')} FROM s${i} x
        WHERE x.old_tid IS NULL
        RETURNING 1)`,
    ];
  });
  ctes.push(`cur AS (UPDATE ${s}.export_cursors SET
      seq = CASE stream WHEN 'events' THEN $2::bigint ELSE $3::bigint END,
      key_run_id = CASE stream WHEN 'runs' THEN $4::text ELSE key_run_id END,
      key_attempt = CASE stream WHEN 'runs' THEN $5::int ELSE key_attempt END,
      updated_at = now()
    WHERE workspace_id = $1 AND (stream = 'events' AND seq <> $2::bigint OR stream = 'runs' AND (seq, key_run_id, key_attempt) <> ($3::bigint, $4::text, $5::int)))`);
  ctes.push(`ws AS (UPDATE ${s}.workspaces SET last_export_at = now(), label = COALESCE($6::text, label) WHERE workspace_id = $1 AND ${c.touch ? 'true' : 'false'})`);
  const counts = parts.map((_u, i) => `(SELECT count(*) FROM n${i}) + (SELECT count(*) FROM i${i})`);
  return { text: `WITH ${ctes.join(',\n')}\nSELECT ${counts.length ? counts.join(', ') : '0'}`, values };
}

/** Column `c` of the rows as a Postgres array literal: {"a","b",NULL,…} (numbers bare, booleans t/f). */
function arrayLiteral(rows: readonly Row[], c: number, boolean: boolean): string {
  const parts = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]![c];
    if (v === null || v === undefined) parts[r] = 'NULL';
    else if (boolean) parts[r] = v === 1 || v === true ? 't' : 'f';
    else if (typeof v === 'number' || typeof v === 'bigint') parts[r] = String(v);
    else {
      const text = String(v);
      parts[r] = /["\\]/.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
    }
  }
  return `{${parts.join(',')}}`;
}

export { maskIn };
