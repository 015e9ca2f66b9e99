import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Exit, OpsError, isBusyError } from '../base/errors';
import { migrations as allMigrations, type Migration } from './migrations';

export type Ledger = Database.Database;

export interface OpenOptions {
  /** Create the file (and its folder) when missing; otherwise a missing ledger is an error. */
  create?: boolean;
  /** How long a writer waits for another process's lock before SQLITE_BUSY (exit 5). */
  busyTimeoutMs?: number;
  /** `now` recorded with each applied migration. */
  now?: string;
  migrations?: readonly Migration[];
}

/**
 * Opens the ledger: WAL (readers never block the writer: the console reads while CI writes),
 * busy_timeout, foreign keys, and every pending migration applied in one transaction.
 */
export function openLedger(path: string, opts: OpenOptions = {}): Ledger {
  const isNew = !existsSync(path);
  if (isNew) {
    if (!opts.create) {
      throw new OpsError(Exit.usage, path, 'no ledger here (run `ops init`, `ops runs import` or `ops demo` first)');
    }
    mkdirSync(dirname(path), { recursive: true });
  }
  let db: Ledger;
  try {
    db = new Database(path);
  } catch (err) {
    throw new OpsError(Exit.failed, path, `cannot open ledger: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // Rows are ~0.5 KB with four indexes: larger pages mean fewer splits on bulk imports
    // (~15 % faster). Only takes effect before the first table exists.
    if (isNew) db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives an application crash; only an OS crash may lose the last one.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, opts.migrations ?? allMigrations, opts.now ?? new Date().toISOString());
    return db;
  } catch (err) {
    db.close();
    if (err instanceof OpsError) throw err;
    if (isBusyError(err)) throw new OpsError(Exit.busy, path, 'ledger is locked by another ops process (timed out waiting)');
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new OpsError(Exit.usage, path, 'not an ops ledger (not a SQLite database)');
    throw err;
  }
}

export function schemaVersion(db: Ledger): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!table) return 0;
  return (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
}

function migrate(db: Ledger, migrations: readonly Migration[], now: string): void {
  const latest = migrations.at(-1)?.version ?? 0;
  // Fast path, no write lock: every ops command opens the ledger, most find it current.
  const current = schemaVersion(db);
  if (current === latest) return;
  if (current > latest) {
    throw new OpsError(Exit.failed, db.name, `ledger schema v${current} is newer than this ops (knows v${latest}); upgrade ops`);
  }
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    const from = schemaVersion(db);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= from) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now);
    }
  }).immediate();
}
