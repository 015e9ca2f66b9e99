import type { Client } from 'pg';
import { Exit, OpsError } from '../../base/errors';
import type { Ledger } from '../../ledger/open';
import { failpoint } from '../../testing/failpoint';
import { connectPg, pgError, type TlsOptions } from './connect';
import { ensureSchema } from './migrate';
import { eventColumns, runColumns } from './schema';
import { eventsAfterSeq, ledgerWorkspaceId, rowsToColumns, runsAfter, smallRows, smallTables, type ColumnBatch, type RunKey, type SmallTable } from './source';
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
  /** A connection already on its way (opened and closed as one of our own). */
  connecting?: Promise<Client>;
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
    client = o.client ?? (await (o.connecting ?? connectPg(o.target, o.tls)));
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
  await prepareSession(client);
  const migrated = await ensureSchema(client, o.schema);
  await client.query(
    `WITH w AS (INSERT INTO ${s}.workspaces (workspace_id, label) VALUES ($1, $2) ON CONFLICT (workspace_id) DO NOTHING RETURNING workspace_id)
     INSERT INTO ${s}.export_cursors (workspace_id, stream) SELECT workspace_id, stream FROM w, unnest(ARRAY['events', 'runs']) AS stream`,
    [ws, o.label ?? null],
  );
  // Waits while another exporter of this workspace runs; released with the session (kill -9 too).
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`ops-export:${o.schema}:${ws}`]);
  try {
    const cur = await readCursors(client, s, ws, false);
    if (!cur) throw new OpsError(Exit.failed, `${o.schema}.export_cursors`, `no cursors for workspace ${ws} (edited by hand?)`);
    let { eventsSeq, runKey } = cur;

    const rows: Record<string, number> = {};
    const count = (table: string, n: number) => (rows[table] = (rows[table] ?? 0) + n);
    const sent = { runs: 0, events: 0 };
    let batches = 0;
    // The small tables' cursors are the highest ids Postgres has; from then on kept here.
    const small = await smallState(client, s, ws);
    const smallMax = small.map((x) => x.max);
    let first = true;
    // Pipelined: while Postgres writes batch N, batch N+1 is read from the ledger and
    // serialised. Each batch is one transaction: its rows, then its cursors, moved only from
    // where the batch before left them. A batch of rows Postgres cannot have yet (the bulk of
    // a first export) goes to a second connection and is written while the batch before is
    // still being written (two cores instead of one); it moves its cursors and commits only
    // after that batch committed, and rolls back if that batch failed. A kill leaves a prefix
    // of the batches, each with its cursors.
    let helper: Promise<Client | null> | undefined;
    const busy = new Map<Client, Promise<void>>();
    const pending: Promise<void>[] = [];
    let previous: Promise<void> | undefined;
    let turn = 0;
    let readKey = runKey;
    let readSeq = eventsSeq;
    let lookupAll = false;
    try {
      for (;;) {
        // One ledger snapshot per batch: the runs, events and small rows agree with each other.
        const batch = o.db.transaction(() => {
          const runs = runsAfter(o.db, readKey, limit);
          const events = eventsAfterSeq(o.db, readSeq, limit);
          const smallBatch = smallTables.map((t, i) => ({ t, rows: smallRows(o.db, t, smallMax[i]!, limit, first ? small[i]!.open : [], events.runIds) }));
          return { runs, events, small: smallBatch };
        })();
        first = false;
        if (!batch.runs.n && !batch.events.n && !batch.small.some((b) => b.rows.length)) break;

        batch.small.forEach((b, i) => {
          for (const r of b.rows) if ((r[0] as number) > smallMax[i]!) smallMax[i] = r[0] as number;
        });
        // Rows that cannot be in Postgres yet are inserted without a lookup: run attempts first
        // written after the cursor, and events (appended, never changed) after theirs.
        const parts: Upsert[] = [];
        if (batch.runs.fresh.n) parts.push({ table: 'runs', columns: runColumns, key: ['run_id', 'attempt'], batch: batch.runs.fresh, fresh: true });
        if (batch.runs.known.n) parts.push({ table: 'runs', columns: runColumns, key: ['run_id', 'attempt'], batch: batch.runs.known, fresh: false });
        if (batch.events.n) parts.push({ table: 'audit_events', columns: eventColumns, key: ['seq'], batch: batch.events, fresh: true });
        for (const b of batch.small) if (b.rows.length) parts.push({ table: b.t.pg, columns: b.t.columns, key: ['id'], batch: rowsToColumns(b.rows, b.t.columns.length), fresh: false });
        const move: CursorMove = {
          from: { eventsSeq: readSeq, runKey: readKey },
          to: { eventsSeq: batch.events.last, runKey: batch.runs.last },
          label: o.label ?? null,
          touch: Boolean(batch.runs.n || batch.events.n),
        };
        readKey = move.to.runKey;
        readSeq = move.to.eventsSeq;
        const more = batch.runs.n === limit || batch.events.n === limit || batch.small.some((b) => b.rows.length >= limit);

        // Overlap only inserts of fresh rows, and only in a pass with more batches to come (a
        // small export opens one connection); a server out of connections gets one, and the
        // export goes on without overlapping.
        let overlap = !lookupAll && (more || helper !== undefined) && parts.every((p) => p.fresh);
        if (overlap) helper ??= connectPg(o.target, o.tls).then(async (c) => (await prepareSession(c), c)).catch(() => null);
        const other = overlap ? await helper! : null;
        overlap &&= other !== null;
        const conn = overlap && turn++ % 2 ? other! : client;
        const sendParts = lookupAll ? parts.map(asKnown) : parts;
        // Serialised now, while the batch before is being written.
        const statement = rowsStatement(s, ws, sendParts, overlap ? null : move);
        await busy.get(conn);
        if (!overlap) await previous;
        const after = overlap ? previous : undefined;
        const sentRuns = batch.runs.n;
        const sentEvents = batch.events.n;
        const tx = writeBatch({ conn, s, ws, parts: sendParts, statement, move, after }, async () => {
          // A "fresh" row Postgres has after all: the workspace's rows outlived its cursor (a
          // ledger restored from a backup under the same workspace id, cursors reset by hand).
          // It rolled back; it and the rest of this pass look every row up.
          lookupAll = true;
          await after?.catch(() => {});
        }).then((counts) => {
          parts.forEach((part, i) => count(part.table, counts[i]!));
          failpoint('export.postgres.after-commit');
          batches++;
          sent.runs += sentRuns;
          sent.events += sentEvents;
          // Batches commit in order, but their replies may be read out of order: keep the furthest.
          if (compareKeys(move.to.runKey, runKey) > 0) runKey = move.to.runKey;
          if (move.to.eventsSeq > eventsSeq) eventsSeq = move.to.eventsSeq;
          try {
            writeMirror(o.db, ws, eventsSeq, runKey, o.now());
          } catch {
            // Busy ledger: the mirror catches up after the next batch; Postgres holds the truth.
          }
        });
        // Never an unhandled rejection: each is awaited below or at a later round.
        tx.catch(() => {});
        busy.set(conn, tx);
        pending.push(tx);
        previous = tx;
        if (!more) break;
      }
      // In order, so the first failure is the one reported (a later batch then fails its cursor check).
      for (const tx of pending) await tx;
    } finally {
      await (await helper)?.end().catch(() => {});
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

interface Upsert {
  table: string;
  columns: readonly (readonly [string, string])[];
  key: readonly string[];
  batch: ColumnBatch;
  /** Not in Postgres yet: inserted without a lookup (a duplicate key fails the statement). */
  fresh: boolean;
}

const asKnown = (u: Upsert): Upsert => ({ ...u, fresh: false });

interface Cursors {
  eventsSeq: number;
  runKey: RunKey;
}

/** A batch's cursors: where the batch before left them, and where this one leaves them. */
interface CursorMove {
  from: Cursors;
  to: Cursors;
  label: string | null;
  /** Runs or events were sent: the workspace's last_export_at moves. */
  touch: boolean;
}

type Statement = { text: string; values: unknown[] };

const compareKeys = (a: RunKey, b: RunKey): number => a.seq - b.seq || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0) || a.attempt - b.attempt;

/** What every connection of an export sets first. */
async function prepareSession(client: Client): Promise<void> {
  // The batch statement joins a batch (up to 20 000 rows) to tables of millions on their
  // keys: it must be index probes. Left to itself the planner hashes the whole workspace's
  // rows for every batch (a 20 000-row batch against 100 000 runs: 540 ms, against 340 ms
  // probing, and growing with the table: quadratic over a full export), or, while the
  // table's statistics still say it is small (a first export), scans it once per batch row
  // (a 30 000-run export took a minute). This session only does such joins. work_mem: a
  // batch's looked-up rows stay in memory instead of a temporary file.
  await client.query("SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off; SET work_mem = '64MB'");
}

interface BatchWrite {
  conn: Client;
  s: string;
  ws: string;
  parts: readonly Upsert[];
  /** The parts as rowsStatement makes them: with the cursor update unless `after` is set. */
  statement: Statement;
  move: CursorMove;
  /** The batch before, still being written on the other connection: this one commits after it. */
  after: Promise<void> | undefined;
}

/**
 * Writes one batch as one transaction. Usually that is its one statement (rows and cursors).
 * Written alongside the batch before, it is rows first, then, once that batch committed, the
 * cursors, moved from where that batch left them (if it failed, so does this one). A
 * duplicate key among rows sent as fresh rolls back, and the batch is written again with
 * every row looked up, after `onDuplicate`.
 */
async function writeBatch(b: BatchWrite, onDuplicate: () => Promise<void>): Promise<number[]> {
  const { conn, s, ws, move, after } = b;
  let parts = b.parts;
  let statement = b.statement;
  const counts = (r: { rows: unknown[] }) => (r.rows[0] as (string | number)[]).map(Number);
  for (;;) {
    try {
      if (!after) return counts(await conn.query({ ...statement, rowMode: 'array' }));
      await conn.query('BEGIN');
      const r = await conn.query({ ...statement, rowMode: 'array' });
      await after;
      await moveCursors(conn, s, ws, move);
      await conn.query('COMMIT');
      return counts(r);
    } catch (err) {
      if (after) await conn.query('ROLLBACK').catch(() => {});
      if ((err as { code?: string })?.code !== '23505' || !parts.some((p) => p.fresh)) throw err;
      await onDuplicate();
      parts = parts.map(asKnown);
      statement = rowsStatement(s, ws, parts, after ? null : move);
    }
  }
}

/**
 * A batch's rows as ONE statement (one round trip): each table's multi-row insert or upsert
 * is a data-modifying CTE. Each takes its columns as Postgres array literals (serialised
 * here, while the previous batch runs) and unnest()s them into rows. Fresh rows are inserted;
 * the others are looked up and a row is rewritten only when it differs, so a repeated export
 * changes nothing (not even a row version). Its one result row: the rows written per part.
 */
function rowsStatement(s: string, ws: string, parts: readonly Upsert[], move: CursorMove | null): Statement {
  const values: unknown[] = [ws];
  const ctes = parts.flatMap((u, i) => {
    const names = u.columns.map(([n]) => n);
    const set = names.filter((n) => !u.key.includes(n));
    const params = u.columns.map(([, type], col) => {
      values.push(pgArrayLiteral(u.batch.columns[col]!));
      return `$${values.length}::${type}[]`;
    });
    const rows = `unnest(${params.join(', ')}) AS x(${names.join(', ')})`;
    if (u.fresh) return [`i${i} AS (INSERT INTO ${s}.${u.table} (workspace_id, ${names.join(', ')}) SELECT $1, x.* FROM ${rows})`];
    const sameKey = u.key.map((k) => `t.${k} = x.${k}`).join(' AND ');
    // Rows Postgres may have: one probe per row looks up its row (its ctid, and whether it
    // differs); then the changed rows are updated by ctid and the absent ones inserted.
    // LATERAL … LIMIT 1 keeps it a primary-key probe per row whatever the statistics say (a
    // plain join was planned, while a first export grew the table, as a scan of the whole
    // workspace per batch row). Not INSERT … ON CONFLICT: its speculative insertion costs
    // ~50 % more per row, and the export's advisory lock already rules out a racing writer.
    return [
      `s${i} AS MATERIALIZED (SELECT x.*, t.old_tid, t.changed
        FROM ${rows}
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
  if (move) ctes.push(...cursorCtes(s, values, move));
  // A fresh part inserts all its rows or fails the statement.
  const counts = parts.map((u, i) => (u.fresh ? String(u.batch.n) : `(SELECT count(*) FROM n${i}) + (SELECT count(*) FROM i${i})`));
  return { text: `WITH ${ctes.join(',\n')}\nSELECT ${counts.join(', ')}`, values };
}

/** The cursors that move, and the workspace's last export time, as CTEs (their parameters pushed onto `values`, whose $1 is the workspace). */
function cursorCtes(s: string, values: unknown[], m: CursorMove): string[] {
  const { events, runs } = moved(m);
  const $ = (v: unknown) => `$${values.push(v)}`;
  const ctes: string[] = [];
  if (events || runs) {
    ctes.push(`cur AS (UPDATE ${s}.export_cursors SET
        seq = CASE stream WHEN 'events' THEN ${$(m.to.eventsSeq)}::bigint ELSE ${$(m.to.runKey.seq)}::bigint END,
        key_run_id = CASE stream WHEN 'runs' THEN ${$(m.to.runKey.runId)}::text ELSE key_run_id END,
        key_attempt = CASE stream WHEN 'runs' THEN ${$(m.to.runKey.attempt)}::int ELSE key_attempt END,
        updated_at = now()
      WHERE workspace_id = $1 AND stream IN (${[events && `'events'`, runs && `'runs'`].filter(Boolean).join(', ')}))`);
  }
  if (m.touch) ctes.push(`ws AS (UPDATE ${s}.workspaces SET last_export_at = now(), label = COALESCE(${$(m.label)}::text, label) WHERE workspace_id = $1)`);
  return ctes;
}

/**
 * Moves the cursors that change, after checking they are where the batch before left them
 * (locked, so nothing moves them in between).
 */
async function moveCursors(conn: Client, s: string, ws: string, m: CursorMove): Promise<void> {
  const { events, runs } = moved(m);
  const at = await readCursors(conn, s, ws, true);
  if (!at || (events && at.eventsSeq !== m.from.eventsSeq) || (runs && compareKeys(at.runKey, m.from.runKey) !== 0)) {
    throw new OpsError(Exit.failed, `${s.replace(/"/g, '')}.export_cursors`, `the export cursor of workspace ${ws} is not where the previous batch left it (that batch failed, or another export of this workspace ran)`);
  }
  const values: unknown[] = [ws];
  const ctes = cursorCtes(s, values, m);
  if (ctes.length) await conn.query(`WITH ${ctes.join(',\n')}\nSELECT 1`, values);
}

/** Which of the cursors a batch moves. */
const moved = (m: CursorMove) => ({ events: m.to.eventsSeq !== m.from.eventsSeq, runs: compareKeys(m.to.runKey, m.from.runKey) !== 0 });

/** The workspace's cursors as Postgres has them (locked when `lock`); null when a stream's row is missing. */
async function readCursors(conn: Client, s: string, ws: string, lock: boolean): Promise<Cursors | null> {
  const rows = (await conn.query(`SELECT stream, seq, key_run_id, key_attempt FROM ${s}.export_cursors WHERE workspace_id = $1${lock ? ' FOR UPDATE' : ''}`, [ws])).rows as {
    stream: string;
    seq: string;
    key_run_id: string;
    key_attempt: number;
  }[];
  const ev = rows.find((c) => c.stream === 'events');
  const rc = rows.find((c) => c.stream === 'runs');
  return ev && rc ? { eventsSeq: Number(ev.seq), runKey: { seq: Number(rc.seq), runId: rc.key_run_id, attempt: rc.key_attempt } } : null;
}

const jsonEscapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function unicodeEscape(hex: string): string {
  const ch = String.fromCharCode(parseInt(hex, 16));
  return ch === '"' || ch === '\\' ? `\\${ch}` : ch;
}

/**
 * A JSON array of scalars as a Postgres array literal. The two are nearly one syntax: strings
 * in double quotes with \" and \\ escaped, numbers bare, and an unquoted null is NULL to
 * array_in. Only the other JSON escapes (\n, \u0001, …) differ, which Postgres reads as the
 * letter after the backslash: they become the characters they stand for (a quoted element may
 * hold any character but " and \). Booleans come as 1/0, which boolean input takes.
 */
export function pgArrayLiteral(json: string): string {
  if (json.includes('\\')) {
    json = json.replace(/\\(?:u([0-9a-fA-F]{4})|([^u]))/g, (_m, hex: string | undefined, c: string | undefined) => (hex ? unicodeEscape(hex) : jsonEscapes[c!]!));
  }
  return `{${json.slice(1, -1)}}`;
}

export { maskIn };
