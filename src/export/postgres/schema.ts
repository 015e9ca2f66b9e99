/**
 * The Postgres schema ops owns (issue 24): numbered, append-only migrations, like the
 * ledger's. Never edit a released one: add the next number. Every statement names the
 * schema (`ops` by default, config.json export.postgres.schema), so one database can hold
 * several ops schemas. Times are timestamptz (dashboards filter and bucket them); an audit
 * event also keeps its `ts` text exactly as the chain hashed it.
 */

export interface PgMigration {
  version: number;
  name: string;
  sql(schema: string): string;
}

/** The SQL-quoted form of a schema name already validated as a lower-case identifier. */
const q = (schema: string) => `"${schema}"`;

/** The run columns as the ledger has them, with their Postgres type (the export's unnest casts). */
export const runColumns = [
  ['run_id', 'text'],
  ['attempt', 'int'],
  ['repository', 'text'],
  ['workflow', 'text'],
  ['job', 'text'],
  ['event', 'text'],
  ['branch', 'text'],
  ['head_sha', 'text'],
  ['actor', 'text'],
  ['status', 'text'],
  ['conclusion', 'text'],
  ['started_at', 'timestamptz'],
  ['completed_at', 'timestamptz'],
  ['duration_ms', 'bigint'],
  ['url', 'text'],
  ['classification', 'jsonb'],
  ['is_latest', 'boolean'],
  ['sort_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
  ['recorded_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

export const eventColumns = [
  ['seq', 'bigint'],
  ['ts', 'text'],
  ['at', 'timestamptz'],
  ['actor', 'text'],
  ['role', 'text'],
  ['event', 'text'],
  ['run_id', 'text'],
  ['target_id', 'text'],
  ['payload_text', 'text'],
  ['payload_sha256', 'text'],
  ['idempotency_key', 'text'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const;

export const retryEntryColumns = [
  ['id', 'bigint'],
  ['run_id', 'text'],
  ['run_attempt', 'int'],
  ['repository', 'text'],
  ['workflow', 'text'],
  ['state', 'text'],
  ['phase', 'text'],
  ['attempt', 'int'],
  ['max_attempts', 'int'],
  ['next_attempt_at', 'timestamptz'],
  ['origin', 'text'],
  ['reason', 'text'],
  ['class', 'text'],
  ['classification', 'jsonb'],
  ['last_error', 'text'],
  ['last_http_status', 'int'],
  ['dispatched_at', 'timestamptz'],
  ['idempotency_key', 'text'],
  ['held_by', 'bigint'],
  ['recovered_at', 'timestamptz'],
  ['recovery_ms', 'bigint'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;

export const retryAttemptColumns = [
  ['id', 'bigint'],
  ['entry_id', 'bigint'],
  ['run_id', 'text'],
  ['workflow', 'text'],
  ['attempt', 'int'],
  ['idempotency_key', 'text'],
  ['owner', 'text'],
  ['command', 'jsonb'],
  ['reason', 'text'],
  ['started_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
  ['duration_ms', 'bigint'],
  ['outcome', 'text'],
  ['exit_code', 'int'],
  ['http_status', 'int'],
  ['error', 'text'],
  ['classification', 'jsonb'],
  ['run_attempt', 'int'],
  ['run_conclusion', 'text'],
] as const;

export const killswitchColumns = [
  ['id', 'bigint'],
  ['scope', 'text'],
  ['reason', 'text'],
  ['actor', 'text'],
  ['engaged_at', 'timestamptz'],
  ['expires_at', 'timestamptz'],
  ['released_at', 'timestamptz'],
  ['released_by', 'text'],
  ['release_reason', 'text'],
  ['release_kind', 'text'],
  ['engage_audit', 'bigint'],
  ['release_audit', 'bigint'],
] as const;

export const alertColumns = [
  ['id', 'bigint'],
  ['rule', 'text'],
  ['subject', 'text'],
  ['state', 'text'],
  ['severity', 'text'],
  ['summary', 'text'],
  ['facts', 'jsonb'],
  ['action', 'text'],
  ['action_result', 'text'],
  ['opened_at', 'timestamptz'],
  ['last_seen_at', 'timestamptz'],
  ['resolved_at', 'timestamptz'],
  ['open_audit', 'bigint'],
] as const;

export const deliveryColumns = [
  ['id', 'bigint'],
  ['notification_id', 'bigint'],
  ['audit_seq', 'bigint'],
  ['event', 'text'],
  ['severity', 'text'],
  ['title', 'text'],
  ['channel', 'text'],
  ['channel_type', 'text'],
  ['state', 'text'],
  ['attempts', 'int'],
  ['next_attempt_at', 'timestamptz'],
  ['last_error', 'text'],
  ['delivered_at', 'timestamptz'],
  ['created_at', 'timestamptz'],
] as const;

type Columns = readonly (readonly [string, string])[];
// Key and id-like text columns compare bytewise (COLLATE "C"): the b-tree of a million run
// ids is far cheaper to build than under a linguistic collation (a managed database's default).
const bytewise = new Set(['run_id', 'head_sha', 'idempotency_key', 'payload_sha256', 'prev_hash', 'hash']);
const defs = (cols: Columns, notNull: readonly string[] = []) =>
  cols.map(([c, t]) => `${c} ${t}${t === 'text' && bytewise.has(c) ? ' COLLATE "C"' : ''}${notNull.includes(c) ? ' NOT NULL' : ''}`).join(',\n  ');

/** Every table the export writes, readable by ops_reader and writable by ops_writer. */
export const exportedTables = ['workspaces', 'export_cursors', 'runs', 'audit_events', 'retry_entries', 'retry_attempts', 'killswitch_log', 'alerts', 'notification_deliveries'] as const;
const views = ['audit_chain', 'audit_chain_problems', 'kpi_24h', 'kpi_7d', 'kpi_30d'] as const;

export const pgMigrations: readonly PgMigration[] = [
  {
    version: 1,
    name: 'tables, indexes, audit chain check, KPI functions and views, roles and row-level security',
    sql: (schema) => {
      const s = q(schema);
      return `
-- One row per workspace that exports here (a CI runner, a laptop, the ops serve host).
CREATE TABLE ${s}.workspaces (
  workspace_id    text COLLATE "C" PRIMARY KEY,
  label           text,
  first_export_at timestamptz NOT NULL DEFAULT now(),
  last_export_at  timestamptz
);

-- How far each workspace's export got, committed in the transaction of the rows it covers:
-- stream 'events': seq = the last audit event exported; stream 'runs': the last run attempt
-- exported in the ledger's write order (seq = its change number, then run_id and attempt).
CREATE TABLE ${s}.export_cursors (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  stream       text NOT NULL CHECK (stream IN ('events', 'runs')),
  seq          bigint NOT NULL DEFAULT 0,
  key_run_id   text NOT NULL DEFAULT '',
  key_attempt  int NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, stream)
);

-- One row per run attempt; a run is its latest attempt (is_latest).
CREATE TABLE ${s}.runs (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(runColumns, ['run_id', 'attempt', 'repository', 'workflow', 'status', 'is_latest', 'sort_at', 'created_at', 'recorded_at', 'updated_at'])},
  PRIMARY KEY (workspace_id, run_id, attempt)
);
-- Dashboards and the KPI functions: latest runs by time (runs_kpi holds what the KPIs and a
-- per-workflow or per-outcome panel read, so their scans never visit the table), and the
-- earlier attempts of re-run runs (MTTR). Each index costs export speed (a million rows
-- each): no other until a query needs it.
CREATE INDEX runs_kpi                ON ${s}.runs (workspace_id, sort_at) INCLUDE (workflow, status, conclusion, duration_ms, attempt) WHERE is_latest;
CREATE INDEX runs_earlier_attempts   ON ${s}.runs (workspace_id, run_id, attempt) INCLUDE (conclusion, completed_at) WHERE NOT is_latest;

-- The hash-chained audit log: ts as the chain hashed it, at as a time; payload_text is the
-- canonical JSON whose sha256 is payload_sha256, payload the same as jsonb for queries.
CREATE TABLE ${s}.audit_events (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(eventColumns, ['seq', 'ts', 'at', 'actor', 'role', 'event', 'payload_sha256', 'prev_hash', 'hash'])},
  payload jsonb GENERATED ALWAYS AS (payload_text::jsonb) STORED,
  PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX audit_by_time  ON ${s}.audit_events (workspace_id, at DESC);
CREATE INDEX audit_by_event ON ${s}.audit_events (event, at DESC);
CREATE INDEX audit_by_run   ON ${s}.audit_events (workspace_id, run_id) WHERE run_id IS NOT NULL;

-- The retry queue (one entry per failed run attempt ops retries) and its history.
CREATE TABLE ${s}.retry_entries (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(retryEntryColumns, ['id', 'run_id', 'run_attempt', 'workflow', 'state', 'created_at', 'updated_at'])},
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX retry_entries_by_run       ON ${s}.retry_entries (workspace_id, run_id);
CREATE INDEX retry_entries_by_recovered ON ${s}.retry_entries (workspace_id, recovered_at) WHERE recovered_at IS NOT NULL;
-- The export re-reads the rows that may still change (its partial indexes below keep that cheap).
CREATE INDEX retry_entries_open ON ${s}.retry_entries (workspace_id, id) WHERE state IN ('pending', 'processing');
CREATE TABLE ${s}.retry_attempts (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(retryAttemptColumns, ['id', 'entry_id', 'run_id', 'workflow', 'attempt', 'outcome', 'started_at'])},
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX retry_attempts_by_time ON ${s}.retry_attempts (workspace_id, started_at);
CREATE INDEX retry_attempts_by_run  ON ${s}.retry_attempts (workspace_id, run_id);
CREATE INDEX retry_attempts_open    ON ${s}.retry_attempts (workspace_id, id) WHERE outcome IN ('running', 'dispatched', 'unverified');

-- Every killswitch engagement and its release.
CREATE TABLE ${s}.killswitch_log (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(killswitchColumns, ['id', 'scope', 'reason', 'actor', 'engaged_at'])},
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX killswitch_by_time ON ${s}.killswitch_log (workspace_id, engaged_at);
CREATE INDEX killswitch_open    ON ${s}.killswitch_log (workspace_id, id) WHERE released_at IS NULL;

CREATE TABLE ${s}.alerts (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(alertColumns, ['id', 'rule', 'subject', 'state', 'severity', 'opened_at'])},
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX alerts_open ON ${s}.alerts (workspace_id, id) WHERE state = 'open';

-- Each notification's delivery to each channel, with the notification's event and title.
CREATE TABLE ${s}.notification_deliveries (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces,
  ${defs(deliveryColumns, ['id', 'notification_id', 'channel', 'state', 'created_at'])},
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX deliveries_pending ON ${s}.notification_deliveries (workspace_id, id) WHERE state = 'pending';

-- An event's hash as ops computes it: sha256 of the JSON array of its fields (JSON.stringify's
-- text: no spaces, strings escaped as to_json escapes them).
CREATE FUNCTION ${s}.event_hash(seq bigint, ts text, actor text, role text, event text, run_id text, target_id text, payload_sha256 text, idempotency_key text, prev_hash text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to('[' || seq::text || ',' || concat_ws(',',
    to_json(ts)::text, to_json(actor)::text, to_json(role)::text, to_json(event)::text,
    COALESCE(to_json(run_id)::text, 'null'), COALESCE(to_json(target_id)::text, 'null'),
    to_json(payload_sha256)::text, COALESCE(to_json(idempotency_key)::text, 'null'), to_json(prev_hash)::text) || ']', 'UTF8')), 'hex')
$$;

-- Every event checked as ops audit verify checks it: in order, linked to the one before,
-- its hash matching its fields, its payload matching its payload_sha256.
CREATE VIEW ${s}.audit_chain WITH (security_invoker = true) AS
SELECT workspace_id, seq, event, at,
  seq = 1 + COALESCE(lag(seq) OVER w, 0) AS in_order,
  prev_hash = COALESCE(lag(hash) OVER w, repeat('0', 64)) AS linked,
  hash = ${s}.event_hash(seq, ts, actor, role, event, run_id, target_id, payload_sha256, idempotency_key, prev_hash) AS hash_ok,
  payload_text IS NULL OR encode(sha256(convert_to(payload_text, 'UTF8')), 'hex') = payload_sha256 AS payload_ok
FROM ${s}.audit_events
WINDOW w AS (PARTITION BY workspace_id ORDER BY seq);
CREATE VIEW ${s}.audit_chain_problems WITH (security_invoker = true) AS
SELECT * FROM ${s}.audit_chain WHERE NOT (in_order AND linked AND hash_ok AND payload_ok);

-- The KPIs of ops kpi (same definitions, same rounding) for a workspace and [since, until),
-- optionally one workflow (killswitch engagements: that workflow's and the global ones).
CREATE FUNCTION ${s}.kpi(p_workspace text, p_since timestamptz, p_until timestamptz, p_workflow text DEFAULT NULL)
RETURNS TABLE (
  workspace_id text, since timestamptz, until timestamptz, workflow text,
  runs bigint, succeeded bigint, failures bigint, success_rate numeric,
  duration_mean_ms bigint, duration_p50_ms bigint, duration_p95_ms bigint,
  retries_total bigint, failed_runs bigint, retries_per_failed_run numeric,
  retries_recovered bigint, retries_gave_up bigint, retry_success_rate numeric,
  recoveries bigint, recoveries_by_ops bigint, recoveries_by_rerun bigint, mttr_ms bigint,
  killswitch_engagements bigint
) LANGUAGE sql STABLE AS $$
WITH latest AS (
  SELECT r.* FROM ${s}.runs r
  WHERE r.workspace_id = p_workspace AND r.is_latest AND r.sort_at >= p_since AND r.sort_at < p_until
    AND (p_workflow IS NULL OR r.workflow = p_workflow)
), outcome AS (
  SELECT count(*) AS runs,
    count(*) FILTER (WHERE conclusion = 'success') AS succeeded,
    count(*) FILTER (WHERE conclusion IN ('failure', 'timed_out', 'startup_failure')) AS failures
  FROM latest
), durations AS (
  SELECT duration_ms, row_number() OVER (ORDER BY duration_ms) AS rn, count(*) OVER () AS n
  FROM latest WHERE status = 'completed' AND duration_ms IS NOT NULL
), dur AS (
  SELECT round(avg(duration_ms))::bigint AS mean,
    max(duration_ms) FILTER (WHERE rn = greatest(1, (50 * n + 99) / 100)) AS p50,
    max(duration_ms) FILTER (WHERE rn = greatest(1, (95 * n + 99) / 100)) AS p95
  FROM durations
), earlier AS (
  SELECT l.run_id, l.conclusion, l.sort_at, l.duration_ms,
    (SELECT COALESCE(e.completed_at::text, '') FROM ${s}.runs e
      WHERE e.workspace_id = l.workspace_id AND e.run_id = l.run_id AND NOT e.is_latest AND e.attempt < l.attempt
        AND e.conclusion IN ('failure', 'timed_out', 'startup_failure')
      ORDER BY e.attempt LIMIT 1) AS failed_at
  FROM latest l
  WHERE l.attempt > 1 AND (l.conclusion IS NULL OR l.conclusion NOT IN ('failure', 'timed_out', 'startup_failure'))
), rerun AS (
  SELECT count(*) AS runs, count(rec) AS recoveries, COALESCE(sum(rec), 0) AS rec_sum FROM (
    SELECT CASE WHEN f.conclusion = 'success' AND f.failed_at <> '' AND f.duration_ms IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${s}.retry_entries q WHERE q.workspace_id = p_workspace AND q.run_id = f.run_id AND q.recovered_at IS NOT NULL)
      THEN greatest(0, round(extract(epoch FROM (f.sort_at - f.failed_at::timestamptz)) * 1000)::bigint + f.duration_ms) END AS rec
    FROM earlier f WHERE f.failed_at IS NOT NULL
  ) x
), retries AS (
  SELECT count(*) AS n FROM ${s}.retry_attempts a
  WHERE a.workspace_id = p_workspace AND a.started_at >= p_since AND a.started_at < p_until AND (p_workflow IS NULL OR a.workflow = p_workflow)
), finished AS (
  SELECT count(*) FILTER (WHERE state = 'completed') AS recovered, count(*) FILTER (WHERE state = 'failed') AS gave_up FROM (
    SELECT q.state, CASE q.state WHEN 'completed' THEN COALESCE(q.recovered_at, q.updated_at) ELSE q.updated_at END AS finished_at
    FROM ${s}.retry_entries q
    WHERE q.workspace_id = p_workspace AND q.state IN ('completed', 'failed') AND (p_workflow IS NULL OR q.workflow = p_workflow)
  ) x WHERE finished_at >= p_since AND finished_at < p_until
), by_ops AS (
  SELECT count(*) AS recoveries, COALESCE(sum(recovery_ms), 0) AS rec_sum FROM ${s}.retry_entries q
  WHERE q.workspace_id = p_workspace AND q.recovered_at >= p_since AND q.recovered_at < p_until AND q.recovery_ms IS NOT NULL
    AND (p_workflow IS NULL OR q.workflow = p_workflow)
), ks AS (
  SELECT count(*) AS n FROM ${s}.killswitch_log k
  WHERE k.workspace_id = p_workspace AND k.engaged_at >= p_since AND k.engaged_at < p_until
    AND (p_workflow IS NULL OR k.scope = '*' OR lower(k.scope) = lower(p_workflow))
)
SELECT p_workspace, p_since, p_until, p_workflow,
  o.runs, o.succeeded, o.failures,
  CASE WHEN o.succeeded + o.failures > 0 THEN round(o.succeeded::numeric / (o.succeeded + o.failures), 4) END,
  d.mean, d.p50, d.p95,
  rt.n, o.failures + rr.runs,
  CASE WHEN o.failures + rr.runs > 0 THEN round(rt.n::numeric / (o.failures + rr.runs), 4) END,
  fi.recovered, fi.gave_up,
  CASE WHEN fi.recovered + fi.gave_up > 0 THEN round(fi.recovered::numeric / (fi.recovered + fi.gave_up), 4) END,
  bo.recoveries + rr.recoveries, bo.recoveries, rr.recoveries,
  CASE WHEN bo.recoveries + rr.recoveries > 0 THEN round((bo.rec_sum + rr.rec_sum)::numeric / (bo.recoveries + rr.recoveries))::bigint END,
  ks.n
FROM outcome o, dur d, rerun rr, retries rt, finished fi, by_ops bo, ks
$$;

-- The KPIs of the window ending now, per workspace, for dashboards.
CREATE VIEW ${s}.kpi_24h WITH (security_invoker = true) AS
  SELECT k.* FROM ${s}.workspaces w, LATERAL ${s}.kpi(w.workspace_id, date_trunc('second', now()) - interval '24 hours', date_trunc('second', now())) k;
CREATE VIEW ${s}.kpi_7d WITH (security_invoker = true) AS
  SELECT k.* FROM ${s}.workspaces w, LATERAL ${s}.kpi(w.workspace_id, date_trunc('second', now()) - interval '7 days', date_trunc('second', now())) k;
CREATE VIEW ${s}.kpi_30d WITH (security_invoker = true) AS
  SELECT k.* FROM ${s}.workspaces w, LATERAL ${s}.kpi(w.workspace_id, date_trunc('second', now()) - interval '30 days', date_trunc('second', now())) k;

-- Row-level security: nobody but the tables' owner sees a row without a policy (Supabase's
-- anon and authenticated roles see nothing). ops_reader reads everything, ops_writer (the
-- role an exporter logs in as, when it is not the owner) writes. apply_roles() creates the
-- roles when this login may (CREATEROLE), grants and makes the policies; a DBA who creates
-- the roles later runs SELECT ${schema}.apply_roles(); again.
${tables().map((t) => `ALTER TABLE ${s}.${t} ENABLE ROW LEVEL SECURITY;`).join('\n')}
CREATE FUNCTION ${s}.apply_roles() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  t text;
  made text := '';
BEGIN
  FOREACH r IN ARRAY ARRAY['ops_reader', 'ops_writer'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        made := made || r || ' created; ';
      EXCEPTION WHEN insufficient_privilege THEN
        made := made || r || ' missing (no CREATEROLE: a DBA creates it, then runs SELECT ${schema}.apply_roles()); ';
        CONTINUE;
      END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA ${s} TO %I', r);
    FOREACH t IN ARRAY ARRAY[${tables().map((x) => `'${x}'`).join(', ')}] LOOP
      IF r = 'ops_reader' THEN
        EXECUTE format('GRANT SELECT ON ${s}.%I TO %I', t, r);
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = '${schema}' AND tablename = t AND policyname = 'ops_reader_read') THEN
          EXECUTE format('CREATE POLICY ops_reader_read ON ${s}.%I FOR SELECT TO ops_reader USING (true)', t);
        END IF;
      ELSE
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON ${s}.%I TO %I', t, r);
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = '${schema}' AND tablename = t AND policyname = 'ops_writer_all') THEN
          EXECUTE format('CREATE POLICY ops_writer_all ON ${s}.%I FOR ALL TO ops_writer USING (true) WITH CHECK (true)', t);
        END IF;
      END IF;
    END LOOP;
    ${viewGrants(s)}
  END LOOP;
  RETURN made;
END
$$;
SELECT ${s}.apply_roles();
`;
    },
  },
  {
    version: 2,
    name: 'bulk export speed: no per-row foreign key check on runs and audit events, a narrower runs_kpi index',
    // A million-run export spent ~15 % of its Postgres time in the foreign-key trigger (one
    // lookup of the workspace per inserted row) and ~20 % maintaining runs_kpi's INCLUDE
    // columns, which no query read without visiting the table anyway (ops.kpi reads the row).
    // The export creates a workspace's row before any of its rows, in the same session; the
    // small tables keep their foreign key.
    sql: (schema) => {
      const s = q(schema);
      return `
ALTER TABLE ${s}.runs DROP CONSTRAINT IF EXISTS runs_workspace_id_fkey;
ALTER TABLE ${s}.audit_events DROP CONSTRAINT IF EXISTS audit_events_workspace_id_fkey;
DROP INDEX ${s}.runs_kpi;
CREATE INDEX runs_kpi ON ${s}.runs (workspace_id, sort_at) WHERE is_latest;
`;
    },
  },
];

function tables(): readonly string[] {
  return exportedTables;
}

function viewGrants(s: string): string {
  return `EXECUTE format('GRANT SELECT ON ${views.map((v) => `${s}.${v}`).join(', ')} TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION ${s}.kpi(text, timestamptz, timestamptz, text), ${s}.event_hash(bigint, text, text, text, text, text, text, text, text, text) TO %I', r);`;
}

/** The lock every migrating exporter takes (per schema), so two never migrate at once. */
export const migrationLockSql = (schema: string) => `SELECT pg_advisory_xact_lock(hashtext('ops-migrations:' || '${schema}'))`;

export const migrationsTableSql = (schema: string) =>
  `CREATE SCHEMA IF NOT EXISTS ${q(schema)};
CREATE TABLE IF NOT EXISTS ${q(schema)}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`;

export const latestPgVersion = pgMigrations.at(-1)!.version;

/** Every migration as one script a DBA can run by hand (psql -f): what the export applies itself. */
export function printableSql(schema: string): string {
  const parts = [
    `-- ops: the Postgres schema "${schema}" (migrations 1-${latestPgVersion}), as ops export postgres applies it.`,
    `-- Run it as the role that will own the tables; it skips the migrations already applied.`,
    'BEGIN;',
    `${migrationLockSql(schema)};`,
    migrationsTableSql(schema),
  ];
  for (const m of pgMigrations) {
    parts.push(
      `-- migration ${m.version}: ${m.name}`,
      `DO $ops_migration$ BEGIN\nIF NOT EXISTS (SELECT 1 FROM ${q(schema)}.schema_migrations WHERE version = ${m.version}) THEN\nEXECUTE ${dollarQuote(m.sql(schema))};\nINSERT INTO ${q(schema)}.schema_migrations (version, name) VALUES (${m.version}, ${literal(m.name)});\nEND IF;\nEND $ops_migration$;`,
    );
  }
  parts.push('COMMIT;', '');
  return parts.join('\n');
}

const dollarQuote = (text: string) => `$ops_sql$${text}$ops_sql$`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
