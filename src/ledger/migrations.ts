/**
 * Numbered, append-only schema migrations. Never edit a released one: add the next number.
 * All pending ones run in one transaction when the ledger is opened.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const conclusions = `'success','failure','cancelled','timed_out','skipped','neutral','action_required','startup_failure','stale'`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'runs and run attempts',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- One row per (run_id, attempt): every attempt is kept (SPEC §1.1). A run is its
      -- latest attempt (is_latest = 1); the partial indexes below hold only those rows, so
      -- the console's windowed queries are index range scans over runs, not attempts:
      -- latest first and by date (a sort_at range), by workflow, by conclusion. Each index
      -- costs ~8 % of import speed, so there is no other until a query needs it.
      CREATE TABLE run_attempts (
        run_id         TEXT    NOT NULL,
        attempt        INTEGER NOT NULL CHECK (attempt >= 1),
        repository     TEXT    NOT NULL,
        workflow       TEXT    NOT NULL,
        job            TEXT,
        event          TEXT,
        branch         TEXT,
        head_sha       TEXT,
        actor          TEXT,
        status         TEXT    NOT NULL CHECK (status IN ('queued','in_progress','completed')),
        conclusion     TEXT    CHECK (conclusion IN (${conclusions})),
        started_at     TEXT,
        completed_at   TEXT,
        duration_ms    INTEGER CHECK (duration_ms >= 0),
        url            TEXT,
        classification TEXT,             -- JSON of the SPEC §2.2 object
        is_latest      INTEGER NOT NULL CHECK (is_latest IN (0, 1)),
        -- the attempt's start, or before it starts the run's creation: "latest first"
        sort_at        TEXT    NOT NULL,
        -- when the run was created (GitHub createdAt, else its first start, else when ops
        -- first saw it): decides its JST report folder (SPEC §1); the same on every attempt
        -- and fixed once recorded, so later writes go to the same folder
        created_at     TEXT    NOT NULL,
        recorded_at    TEXT    NOT NULL, -- first time the ledger saw this attempt
        updated_at     TEXT    NOT NULL, -- last time its content changed
        PRIMARY KEY (run_id, attempt)
      ) WITHOUT ROWID;
      -- status and conclusion ride along so the "last 24 h by outcome" counts read only the index
      CREATE INDEX runs_by_time       ON run_attempts (sort_at DESC, run_id DESC, status, conclusion) WHERE is_latest = 1;
      CREATE INDEX runs_by_workflow   ON run_attempts (workflow, sort_at DESC, run_id DESC) WHERE is_latest = 1;
      CREATE INDEX runs_by_conclusion ON run_attempts (conclusion, sort_at DESC, run_id DESC) WHERE is_latest = 1;
    `,
  },
  {
    version: 2,
    name: 'audit log, killswitch, idempotency keys',
    sql: `
      -- Append-only, hash-chained (SPEC §1.5): hash = sha256 over this row's fields and the
      -- previous row's hash, so an edited, deleted or reordered row breaks the chain.
      CREATE TABLE audit_events (
        seq             INTEGER PRIMARY KEY,
        ts              TEXT NOT NULL,
        actor           TEXT NOT NULL,
        role            TEXT NOT NULL,
        event           TEXT NOT NULL,
        run_id          TEXT,
        target_id       TEXT,
        payload_sha256  TEXT NOT NULL,
        idempotency_key TEXT,
        prev_hash       TEXT NOT NULL,
        hash            TEXT NOT NULL
      );

      -- One row per engagement; its release (by hand or by expiry) completes the row.
      -- scope '*' is global, otherwise a workflow name.
      CREATE TABLE killswitch_engagements (
        id             INTEGER PRIMARY KEY,
        scope          TEXT NOT NULL,
        reason         TEXT NOT NULL,
        actor          TEXT NOT NULL,
        engaged_at     TEXT NOT NULL,
        expires_at     TEXT,
        released_at    TEXT,
        released_by    TEXT,
        release_reason TEXT,
        release_kind   TEXT CHECK (release_kind IN ('manual', 'expired')),
        engage_audit   INTEGER NOT NULL REFERENCES audit_events (seq),
        release_audit  INTEGER REFERENCES audit_events (seq)
      );
      -- Two concurrent engagements can never both be active for one scope.
      CREATE UNIQUE INDEX killswitch_active_scope ON killswitch_engagements (scope) WHERE released_at IS NULL;

      -- SPEC §1.6: a repeated key returns the first call's result instead of redoing it.
      CREATE TABLE idempotency_keys (
        key        TEXT PRIMARY KEY,
        result     TEXT NOT NULL,   -- JSON of what the first call reported
        audit_seq  INTEGER REFERENCES audit_events (seq),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);
    `,
  },
  {
    version: 3,
    name: 'evidence artifacts and sanitization history',
    sql: `
      -- What ops evidence collect wrote for a run attempt (SPEC §3.2): name, size and sha256
      -- of the sanitized copy, or why a file could not be collected.
      CREATE TABLE evidence_artifacts (
        run_id       TEXT    NOT NULL,
        attempt      INTEGER NOT NULL,
        name         TEXT    NOT NULL, -- path as given to --logs/--artifact, relative to the source root
        kind         TEXT    NOT NULL CHECK (kind IN ('log', 'artifact')),
        path         TEXT,             -- where the copy is, relative to the reports root
        bytes        INTEGER,
        sha256       TEXT,
        status       TEXT    NOT NULL CHECK (status IN ('collected', 'unreadable', 'refused')),
        error        TEXT,
        collected_at TEXT    NOT NULL,
        PRIMARY KEY (run_id, attempt, name)
      ) WITHOUT ROWID;

      -- What the sanitizer masked (SPEC §3.3): rule, file, count; never the secret itself.
      CREATE TABLE sanitization_history (
        id      INTEGER PRIMARY KEY,
        ts      TEXT    NOT NULL,
        command TEXT    NOT NULL,      -- 'collect' or 'sanitize'
        file    TEXT    NOT NULL,
        rule    TEXT    NOT NULL,
        count   INTEGER NOT NULL CHECK (count > 0),
        run_id  TEXT,
        attempt INTEGER
      );
      CREATE INDEX sanitization_by_file ON sanitization_history (file, ts);
    `,
  },
  {
    version: 4,
    name: 'retry queue and retry attempts',
    sql: `
      -- SPEC §1.2: one entry per failed run attempt that ops retries. A replayer owns an
      -- entry while its lease (owner + expiry) holds; a lease left by a crashed replayer
      -- expires and the entry is picked up again.
      CREATE TABLE retry_queue (
        id               INTEGER PRIMARY KEY,
        run_id           TEXT    NOT NULL,
        run_attempt      INTEGER NOT NULL,  -- the failed run attempt this entry retries
        repository       TEXT    NOT NULL,
        workflow         TEXT    NOT NULL,
        state            TEXT    NOT NULL CHECK (state IN ('pending','processing','completed','failed','cancelled')),
        -- what the next step does: re-run the run, or look at the run to see what the last
        -- re-run did (after a dispatch, or when its outcome is unknown: timeout, lost lease)
        phase            TEXT    NOT NULL CHECK (phase IN ('rerun','verify')),
        attempt          INTEGER NOT NULL CHECK (attempt >= 0), -- re-runs executed so far
        max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 0),
        next_attempt_at  TEXT    NOT NULL,
        origin           TEXT    NOT NULL CHECK (origin IN ('auto','manual')),
        reason           TEXT,
        class            TEXT    NOT NULL,  -- class of the failure the entry was made for
        classification   TEXT,              -- JSON (SPEC §2.2) of the latest failure seen
        last_error       TEXT,              -- masked
        last_http_status INTEGER,
        watch_attempt    INTEGER,           -- the run's attempt before the last re-run: verify waits for a later one
        dispatched_at    TEXT,
        idempotency_key  TEXT    NOT NULL UNIQUE,
        lease_owner      TEXT,
        lease_expires_at TEXT,
        held_by          INTEGER REFERENCES killswitch_engagements (id),
        recovered_at     TEXT,
        recovery_ms      INTEGER,
        created_at       TEXT    NOT NULL,
        updated_at       TEXT    NOT NULL,
        UNIQUE (run_id, run_attempt)
      );
      CREATE INDEX retry_due ON retry_queue (state, next_attempt_at, id);

      -- Every executed re-run (SPEC §1.2 retry history). The idempotency key is unique, so
      -- an attempt is recorded, and executed, at most once.
      CREATE TABLE retry_attempts (
        id              INTEGER PRIMARY KEY,
        entry_id        INTEGER NOT NULL REFERENCES retry_queue (id),
        run_id          TEXT    NOT NULL,
        workflow        TEXT    NOT NULL,
        attempt         INTEGER NOT NULL CHECK (attempt >= 1),
        idempotency_key TEXT    NOT NULL UNIQUE,
        owner           TEXT    NOT NULL,
        command         TEXT    NOT NULL,   -- JSON argv as executed
        reason          TEXT,
        started_at      TEXT    NOT NULL,
        finished_at     TEXT,
        duration_ms     INTEGER,
        outcome         TEXT    NOT NULL CHECK (outcome IN ('running','dispatched','succeeded','rerun_failed','failed','timeout','lost','unverified')),
        exit_code       INTEGER,
        http_status     INTEGER,
        error           TEXT,               -- masked
        classification  TEXT,               -- JSON (SPEC §2.2) of this attempt's failure
        run_attempt     INTEGER,            -- the run attempt the re-run created, once seen
        run_conclusion  TEXT,
        UNIQUE (entry_id, attempt)
      );
      CREATE INDEX retry_attempts_by_time     ON retry_attempts (started_at);
      CREATE INDEX retry_attempts_by_workflow ON retry_attempts (workflow, started_at);
    `,
  },
  {
    version: 5,
    name: 'kpi indexes',
    sql: `
      -- ops kpi reads every run of its window: workflow, outcome and duration. The indexes
      -- above hold neither workflow with outcome nor duration, so that was a table lookup per
      -- run (1.5 s for a 1M-run window). This one holds them in GROUP BY order: the KPI
      -- histogram is one covering scan with no sort (0.2 s for 1M runs).
      CREATE INDEX runs_kpi ON run_attempts (workflow, status, conclusion, duration_ms, sort_at) WHERE is_latest = 1;
      -- Runs that were re-run (a few % of runs), and their earlier attempts: whether and when
      -- a run first failed (MTTR, failed runs) without scanning every run of the window or
      -- a random lookup in the wide table (~13 µs each). Small, so nearly free on import.
      CREATE INDEX reruns_by_time ON run_attempts (sort_at, workflow, conclusion, duration_ms) WHERE is_latest = 1 AND attempt > 1;
      CREATE INDEX attempts_earlier ON run_attempts (run_id, attempt, conclusion, completed_at) WHERE is_latest = 0;
    `,
  },
  {
    version: 6,
    name: 'report indexes and log lines',
    sql: `
      -- A date's runs (RUNS_SUMMARY.json, the audit summary) are those created on it: an
      -- index range instead of a scan of every attempt (1 s → 0.1 s for a date of 15 000 runs
      -- in a 140 000-run ledger).
      CREATE INDEX runs_by_created ON run_attempts (created_at, run_id) WHERE is_latest = 1;

      -- Every line of logs/<kind>_log_YYYYMMDD.log, recorded before it is appended to its
      -- file: ops report writes the files again from here, byte for byte.
      CREATE TABLE evidence_log_lines (
        id   INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('detection', 'retry', 'notification', 'killswitch')),
        at   TEXT NOT NULL,
        line TEXT NOT NULL
      );
      CREATE INDEX log_lines_by_time ON evidence_log_lines (kind, at);
    `,
  },
  {
    version: 7,
    name: 'snapshots and sagas',
    sql: `
      -- SPEC §1.4: what the tracked state files held at a moment. Contents live in the
      -- content-addressed store .ops/objects/<sha256>; the ledger keeps which file had which.
      CREATE TABLE snapshots (
        id         INTEGER PRIMARY KEY,
        label      TEXT,
        actor      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL REFERENCES audit_events (seq)
      );
      CREATE TABLE snapshot_files (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots (id),
        path        TEXT    NOT NULL,  -- relative to the workspace, with /
        sha256      TEXT    NOT NULL,
        bytes       INTEGER NOT NULL,
        PRIMARY KEY (snapshot_id, path)
      ) WITHOUT ROWID;

      -- SPEC §6: a saga and its steps, each step's state committed before and after it runs,
      -- so a saga cut short is finished or compensated by the next start.
      CREATE TABLE sagas (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('running', 'compensating', 'completed', 'compensated', 'failed')),
        actor       TEXT NOT NULL,
        reason      TEXT NOT NULL,
        subject     TEXT,             -- what it acts on (rollback: the snapshot id)
        error       TEXT,
        started_at  TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE saga_steps (
        saga_id     INTEGER NOT NULL REFERENCES sagas (id),
        idx         INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        params      TEXT    NOT NULL, -- JSON: what the step acts on
        state       TEXT    NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'compensating', 'compensated', 'skipped')),
        memo        TEXT,             -- JSON the action leaves for its compensation (e.g. backups)
        error       TEXT,
        started_at  TEXT,
        finished_at TEXT,
        PRIMARY KEY (saga_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'alerts and the notification outbox',
    sql: `
      -- SPEC §4: what ops detect found. One open alert per (rule, subject) while the
      -- condition holds (the partial unique index is the deduplication); resolved when it
      -- clears, and a later recurrence opens a new one.
      CREATE TABLE alerts (
        id            INTEGER PRIMARY KEY,
        rule          TEXT NOT NULL,     -- consecutive_failures, failure_rate, retry_storm, stale_run, killswitch rule name
        subject       TEXT NOT NULL,     -- what it is about: a workflow, or * for all
        state         TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
        severity      TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        summary       TEXT NOT NULL,
        facts         TEXT NOT NULL,     -- JSON: the figures that opened it, refreshed while it holds
        action        TEXT NOT NULL,     -- what the rule's configuration asked for
        action_result TEXT,              -- what was done about it
        opened_at     TEXT NOT NULL,
        last_seen_at  TEXT NOT NULL,     -- when its figures last changed (they are refreshed while it holds)
        resolved_at   TEXT,
        open_audit    INTEGER NOT NULL REFERENCES audit_events (seq)
      );
      CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject) WHERE state = 'open';

      -- SPEC §1.7: a notification is written in the transaction of the audit event that
      -- caused it (one per event), then delivered to each channel configured at delivery
      -- time, each delivery with its own schedule and attempt log.
      CREATE TABLE notifications (
        id         INTEGER PRIMARY KEY,
        audit_seq  INTEGER NOT NULL UNIQUE REFERENCES audit_events (seq),
        event      TEXT NOT NULL,
        severity   TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        title      TEXT NOT NULL,
        body       TEXT NOT NULL,        -- JSON: text and fields of the message
        created_at TEXT NOT NULL,
        fanned_out INTEGER NOT NULL DEFAULT 0 CHECK (fanned_out IN (0, 1))
      );
      CREATE INDEX notifications_to_fan_out ON notifications (id) WHERE fanned_out = 0;
      CREATE TABLE notification_deliveries (
        id               INTEGER PRIMARY KEY,
        notification_id  INTEGER NOT NULL REFERENCES notifications (id),
        channel          TEXT NOT NULL,
        channel_type     TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  TEXT,
        lease_owner      TEXT,
        lease_expires_at TEXT,
        fallback_of      INTEGER REFERENCES notification_deliveries (id),
        last_error       TEXT,
        delivered_at     TEXT,
        UNIQUE (notification_id, channel)
      );
      CREATE INDEX deliveries_due ON notification_deliveries (next_attempt_at) WHERE state = 'pending';
      CREATE TABLE delivery_attempts (
        delivery_id      INTEGER NOT NULL REFERENCES notification_deliveries (id),
        n                INTEGER NOT NULL,
        request_id       TEXT NOT NULL,
        at               TEXT NOT NULL,
        http_status      INTEGER,
        duration_ms      INTEGER NOT NULL,
        error            TEXT,              -- sanitized
        response_excerpt TEXT,              -- sanitized, at most 500 characters
        PRIMARY KEY (delivery_id, n)
      ) WITHOUT ROWID;

      -- Stale-run detection: the few runs still queued or running, without a scan of all.
      CREATE INDEX runs_active ON run_attempts (sort_at) WHERE is_latest = 1 AND status != 'completed';
    `,
  },
  {
    version: 9,
    name: 'run total',
    // How many runs (latest attempts) the ledger holds, kept by runWriter (the one writer of
    // run_attempts) in the writing transaction: the console's first frame shows it, and
    // counting a million index entries costs 25-60 ms of the 500 ms that frame has. Not a
    // trigger: a trigger makes every insert keep a statement journal (4x slower imports).
    sql: `
      CREATE TABLE run_total (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        runs INTEGER NOT NULL
      );
      INSERT INTO run_total (id, runs) SELECT 1, COUNT(*) FROM run_attempts WHERE is_latest = 1;
    `,
  },
  {
    version: 10,
    name: 'event payloads',
    // An event carries what happened and why (SPEC §1.5): the canonical JSON of its payload,
    // sanitized before it is hashed, next to payload_sha256. Events recorded before this
    // version keep their hash and have no payload (NULL: ops audit log says so).
    sql: `
      ALTER TABLE audit_events ADD COLUMN payload TEXT;
    `,
  },
  {
    version: 11,
    name: 'event consumers',
    // Everything that reacts to an event reads the log from its own cursor (issue 20): the
    // last seq it handled, advanced in the transaction of its own writes. A ledger migrated
    // here has had its reactions done the old way: its consumers start at the head.
    sql: `
      CREATE TABLE event_consumers (
        name          TEXT PRIMARY KEY,
        cursor        INTEGER NOT NULL,
        last_error    TEXT,              -- sanitized; NULL once it succeeds again
        last_error_at TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,  -- failed tries since its last success
        updated_at    TEXT
      ) WITHOUT ROWID;
      INSERT INTO event_consumers (name, cursor)
        SELECT c.name, (SELECT COALESCE(MAX(seq), 0) FROM audit_events)
        FROM (SELECT 'notifications' AS name UNION ALL SELECT 'killswitch-log' UNION ALL SELECT 'tickets') AS c;

      -- A log line written for an event is recorded once per event: a consumer that redoes
      -- its work after a crash finds it there.
      ALTER TABLE evidence_log_lines ADD COLUMN audit_seq INTEGER;
      CREATE UNIQUE INDEX log_lines_by_event ON evidence_log_lines (audit_seq, kind) WHERE audit_seq IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: 'audit events by kind',
    // Events now carry their payloads (v10): a scan of the log reads them too (2.5 MB for the
    // 52 000 events of a 1M-run demo: +60 ms on the console's first frame, which lists the
    // incidents). The incidents and a killswitch ticket's held retries are looked up here.
    sql: `
      CREATE INDEX audit_by_event ON audit_events (event, seq);
    `,
  },
  {
    version: 13,
    name: 'runs sync cursors',
    // `ops runs sync` (issue 21): how far each repository's sync got, committed with every
    // page, so an interrupted sync resumes instead of starting over. etag: of the newest page
    // (If-None-Match: a 304 means nothing changed); newest_created: the newest run seen;
    // gap_before/gap_stop: runs created in [gap_stop, gap_before) still to be paged (an
    // interrupted pass). sync_pending_logs: failed runs whose job logs are still to be
    // fetched, written with the run's page and removed once collected.
    sql: `
      CREATE TABLE sync_cursors (
        repo           TEXT PRIMARY KEY,
        etag           TEXT,
        newest_created TEXT,
        gap_before     TEXT,
        gap_stop       TEXT,
        synced_at      TEXT
      ) WITHOUT ROWID;
      CREATE TABLE sync_pending_logs (
        repo    TEXT NOT NULL,
        run_id  TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        PRIMARY KEY (run_id, attempt)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 14,
    name: 'killswitch on GitHub',
    // The killswitch reaches GitHub (issue 21): each engagement's GitHub side is a saga
    // (sagas/saga_steps, kind 'killswitch.github': set the variable, cancel runs, disable
    // schedules; each step's memo keeps what it did, e.g. the workflows it disabled), and its
    // release another one that undoes exactly that. This table ties the sagas to the
    // engagement: the release finds what its engage did here.
    sql: `
      CREATE TABLE killswitch_github (
        saga_id       INTEGER PRIMARY KEY REFERENCES sagas (id),
        engagement_id INTEGER NOT NULL REFERENCES killswitch_engagements (id),
        direction     TEXT NOT NULL CHECK (direction IN ('engage', 'release'))
      );
      CREATE INDEX killswitch_github_by_engagement ON killswitch_github (engagement_id, direction);
    `,
  },
  {
    version: 15,
    name: 'detection log and summaries consumers',
    // The detection log and the daily summaries (RUNS_SUMMARY.json, AUTO_RETRY_MANIFEST.json,
    // the index) became consumers (issue 20). They start at the head: the events before were
    // logged and summarized by the commands that made them (ops report regenerates any date).
    sql: `
      INSERT OR IGNORE INTO event_consumers (name, cursor)
        SELECT c.name, (SELECT COALESCE(MAX(seq), 0) FROM audit_events)
        FROM (SELECT 'detection-log' AS name UNION ALL SELECT 'summaries') AS c;
    `,
  },
  {
    version: 16,
    name: 'ops watch',
    // ops watch (issue 22): one watcher per workspace holds watch_lease (owner host:pid, its
    // start, a heartbeat; a lease whose heartbeat is older than lease_seconds is dead and may
    // be taken over), and each scheduled job's last run and next run are kept in watch_jobs
    // for ops watch status, ops status and the console header.
    sql: `
      CREATE TABLE watch_lease (
        name          TEXT PRIMARY KEY,
        owner         TEXT NOT NULL,
        started_at    TEXT NOT NULL,
        heartbeat_at  TEXT NOT NULL,
        lease_seconds INTEGER NOT NULL,
        released_at   TEXT
      ) WITHOUT ROWID;
      CREATE TABLE watch_jobs (
        job              TEXT PRIMARY KEY,
        owner            TEXT,
        runs             INTEGER NOT NULL DEFAULT 0,
        running_since    TEXT,
        last_started_at  TEXT,
        last_finished_at TEXT,
        last_duration_ms INTEGER,
        last_outcome     TEXT CHECK (last_outcome IN ('ok', 'failed', 'timeout', 'held')),
        last_summary     TEXT,
        last_error       TEXT,
        failures         INTEGER NOT NULL DEFAULT 0,
        next_run_at      TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 17,
    name: 'ops serve: API keys and the webhook inbox',
    // ops serve (issue 23). API keys are stored as the sha256 of the secret (printed once,
    // never stored); a revoked key keeps its row so the access log's names stay meaningful.
    // The webhook inbox de-duplicates GitHub deliveries by X-GitHub-Delivery: a repeat gets
    // the first delivery's outcome (status and body) and changes nothing.
    sql: `
      CREATE TABLE api_keys (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        key_sha256  TEXT NOT NULL UNIQUE,
        prefix      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        revoked_at  TEXT
      );
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
      CREATE TABLE webhook_inbox (
        delivery_id TEXT PRIMARY KEY,
        event       TEXT NOT NULL,
        action      TEXT,
        received_at TEXT NOT NULL,
        status      INTEGER NOT NULL,
        outcome     TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 18,
    name: 'postgres export: workspace id, run change order, export state',
    // Issue 24. workspace_id: keeps this workspace's rows apart from the others' in one
    // Postgres database; made once (here, so `ops init` makes it and an existing ledger gets
    // one when it is first opened by this version), never changed. config.json
    // export.postgres.workspaceId overrides it (a ledger restored under another name).
    // change_seq: the order in which run attempts were written (runWriter sets MAX + 1 on
    // every insert and content change, and on the attempt it demotes), so an export resumes
    // from a (change_seq, run_id, attempt) key instead of rescanning a million runs: SQLite
    // serialises writers, so a reader's snapshot never holds a gap that a later commit fills.
    // Rows written before this version share 0 and go in key order. A column with a default
    // costs no rewrite; the index is built once (~1 s per million runs).
    // export_state: a local mirror of each export target's progress, written after each of
    // its commits there (the target's own cursor, in the target, is what counts), so
    // `ops status` and `ops events consumers` show the lag without connecting.
    sql: `
      INSERT OR IGNORE INTO meta (key, value) VALUES ('workspace_id',
        lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
              substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))));
      ALTER TABLE run_attempts ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX runs_by_change ON run_attempts (change_seq, run_id, attempt);
      CREATE TABLE export_state (
        target        TEXT PRIMARY KEY,   -- 'postgres'
        workspace_id  TEXT NOT NULL,
        events_seq    INTEGER NOT NULL DEFAULT 0,
        runs_change   INTEGER NOT NULL DEFAULT 0,  -- the last run attempt exported: change_seq, run_id, attempt
        runs_run_id   TEXT    NOT NULL DEFAULT '',
        runs_attempt  INTEGER NOT NULL DEFAULT 0,
        exported_at   TEXT,
        last_error    TEXT,               -- masked
        last_error_at TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 19,
    name: 'detection and retry log consumers, alert actions',
    // Detection and the retry log became consumers (issue 20). They start at the head: the
    // events before were evaluated and logged by the commands that made them.
    // alert_actions: what detection does about an alert (engage the killswitch, roll back),
    // recorded with the alert.open event and carried out after that commit, once per alert:
    // pending → done, with the action's outcome; saga_id ties a rollback to its alert, so one
    // cut short by a kill is resumed, not started twice.
    sql: `
      INSERT OR IGNORE INTO event_consumers (name, cursor)
        SELECT c.name, (SELECT COALESCE(MAX(seq), 0) FROM audit_events)
        FROM (SELECT 'detection' AS name UNION ALL SELECT 'retry-log') AS c;
      CREATE TABLE alert_actions (
        alert_id   INTEGER PRIMARY KEY REFERENCES alerts (id),
        action     TEXT NOT NULL CHECK (action IN ('killswitch', 'rollback')),
        scope      TEXT NOT NULL,     -- the killswitch scope (killswitch action)
        state      TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        saga_id    INTEGER REFERENCES sagas (id),
        result     TEXT,              -- what was done, once done (the alert.action event's)
        created_at TEXT NOT NULL,
        done_at    TEXT
      );
      CREATE INDEX alert_actions_pending ON alert_actions (state) WHERE state = 'pending';
    `,
  },
  {
    version: 20,
    name: 'run attempts: the change number of their first write',
    // Issue 24: created_seq is the change number an attempt was first written with
    // (change_seq moves on every write; this one never does). An attempt first written after
    // the export's runs cursor cannot be in Postgres yet, so the export inserts it without
    // looking it up first: the bulk of a first export. Attempts written before this version
    // have 0 (unknown), which the export looks up as before.
    sql: `ALTER TABLE run_attempts ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;`,
  },
];
