import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { usageError } from '../cli/errors';
import { defaultsOf, loadConfig } from '../config/load';
import { openLedger, type Ledger } from '../ledger/open';
import { runWriter } from '../runs/store';
import { appendAudit } from '../events/log';
import { skipToHead } from '../events/cursors';
import { autoEnqueue } from '../retry/queue';
import { writeTickets } from '../tickets/write';
import { writeDemoRetryHistory, type DemoRetryStats } from './retry-history';
import { failedConclusions } from '../runs/types';
import { toIso } from '../time/clock';
import { zonedDate } from '../time/zone';
import { initWorkspace } from '../workspace/init';
import { demoRepositories, demoWorkflowCount, generateDemo, renderFailureLog, slug, type DemoAttempt } from './generate';

export interface WriteDemoOptions {
  /** Absolute path of the workspace to write. */
  dir: string;
  runs: number;
  days: number;
  seed: number;
  /** Epoch ms. */
  now: number;
  /** Folder-name time zone; default: the workspace's config (Asia/Tokyo). */
  timezone?: string;
  /** How many failure logs to write (the most recent failed attempts). */
  maxLogs?: number;
  /** Recorded in the demo's audit event; default ops itself. */
  actor?: { name: string; role: string };
  /** Called every transaction with attempts written so far and runs generated so far. */
  onProgress?: (runsDone: number, runsTotal: number) => void;
}

export interface DemoSummary {
  dir: string;
  ledger: string;
  seed: number;
  days: number;
  generated_for: string;
  runs: number;
  attempts: number;
  /** Attempts that failed (failure, timed_out, startup_failure). */
  failed_attempts: number;
  /** Runs whose latest attempt failed. */
  failed_runs: number;
  /** Runs that failed first and succeeded on a later attempt. */
  recovered_runs: number;
  in_progress: number;
  queued: number;
  by_conclusion: Record<string, number>;
  by_class: Record<string, number>;
  repositories: string[];
  workflows: number;
  /** Failure logs written, relative to `dir`. */
  logs: string[];
  /** The retry history derived from the runs' re-runs. */
  retries: DemoRetryStats;
}

/** The `meta` row that marks a ledger as a demo: only such a ledger may be overwritten. */
export const DEMO_META_KEY = 'demo';
const BATCH = 10_000;
const DEFAULT_MAX_LOGS = 200;

/**
 * The `demo` meta row of the ledger at `path`, or null when it has none (or is not a
 * ledger at all). Read-only: a ledger that is not ours is never touched, not even migrated.
 */
export function readDemoMeta(path: string): Record<string, unknown> | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(DEMO_META_KEY) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Record<string, unknown>) : null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/**
 * Writes a demo workspace at `dir`: default `.ops/` config, a ledger full of generated run
 * attempts, and the logs of the most recent failures as evidence.
 *
 * The ledger is built in a temporary file next to its final path and renamed over it at
 * the end, so a console watching the workspace from another terminal sees the old demo or
 * the new one, never a half-built one; an interrupted run leaves the old one in place.
 * A workspace whose ledger is not a demo is refused (exit 2): its history is real.
 */
export function writeDemo(opts: WriteDemoOptions): DemoSummary {
  const dir = resolve(opts.dir);
  const opsDir = join(dir, '.ops');
  const ledgerPath = join(opsDir, 'ledger.db');
  const nowIso = toIso(opts.now);

  const regenerating = existsSync(ledgerPath);
  if (regenerating && readDemoMeta(ledgerPath) === null) {
    throw usageError(dir, 'is an ops workspace that is not a demo; refusing to overwrite its ledger');
  }
  // The workspace's own settings decide where evidence goes (an invalid config is exit 2 here,
  // before anything is written).
  const config = loadConfig(dir, 'config.json').value;
  // The demo's own retry policy (two re-runs, not three), written only if the workspace has
  // none: the generated runs rarely fail three re-runs in a row, and with two the demo shows
  // retries that gave up as well as recoveries, each as the engine would have decided it.
  const policyPath = join(dir, '.ops', 'retry-policy.json');
  if (!existsSync(policyPath)) {
    mkdirSync(dirname(policyPath), { recursive: true });
    writeFileSync(policyPath, JSON.stringify({ ...defaultsOf('retry-policy.json'), maxRetries: 2 }, null, 2) + '\n');
  }
  const policy = loadConfig(dir, 'retry-policy.json').value;
  let retryStats: DemoRetryStats = { entries: 0, attempts: 0, recovered: 0, failed: 0 };
  const timezone = opts.timezone ?? config.timezone;
  const reportsRoot = isAbsolute(config.reportsDir) ? config.reportsDir : resolve(dir, config.reportsDir);

  mkdirSync(opsDir, { recursive: true });
  const tmp = `${ledgerPath}.tmp-${process.pid}`;
  removeStaleTemps(opsDir);
  removeDb(tmp);

  const maxLogs = opts.maxLogs ?? DEFAULT_MAX_LOGS;
  const stats = newStats();
  // The most recent failed attempts (the generator yields in creation order), bounded, so
  // a million runs keep at most maxLogs attempts in memory.
  const recentFailures: DemoAttempt[] = [];
  let db: Ledger | undefined;
  try {
    db = openLedger(tmp, { create: true, now: nowIso });
    // Nobody else can see this file until the rename, so build it the fast way: an
    // in-memory rollback journal instead of WAL (every page written once, not twice; OFF is
    // refused in better-sqlite3's defensive mode), no syncs, and the secondary indexes built
    // once at the end from sorted data instead of maintained row by row. WAL mode, which
    // the ledger needs, is restored before the swap.
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('cache_size = -65536');
    const indexes = db
      // runs_by_change stays: runWriter reads MAX(change_seq) from it on every write (it only
      // ever grows at its end, so keeping it costs little; without it each write scans the table).
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name <> 'runs_by_change' ORDER BY name`)
      .all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);
    const write = runWriter(db, nowIso);

    // Explicit BEGIN/COMMIT around every BATCH attempts rather than db.transaction(batch):
    // holding a batch array kept 10 000 attempts alive into the old generation, and the
    // garbage collector then cost as much as SQLite.
    let inBatch = 0;
    db.exec('BEGIN');
    for (const a of generateDemo({ runs: opts.runs, days: opts.days, seed: opts.seed, now: opts.now })) {
      write(a);
      count(stats, a);
      if (a.failure) {
        recentFailures.push(a);
        if (recentFailures.length > maxLogs) recentFailures.shift();
      }
      if (++inBatch >= BATCH) {
        db.exec('COMMIT');
        opts.onProgress?.(stats.runs, opts.runs);
        db.exec('BEGIN');
        inBatch = 0;
      }
    }
    db.exec('COMMIT');
    finish(stats);
    opts.onProgress?.(stats.runs, opts.runs);

    for (const ix of indexes) db.exec(ix.sql);
    const meta = { seed: opts.seed, runs: opts.runs, days: opts.days, generated_for: nowIso };
    const ledger = db;
    // History, not news: nobody is notified of a retry that gave up last week.
    ledger.transaction(() => {
      ledger.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(DEMO_META_KEY, JSON.stringify(meta));
      const actor = opts.actor ?? { name: 'ops', role: 'system' };
      retryStats = writeDemoRetryHistory(ledger, policy, opts.now);
      appendAudit(ledger, { ts: nowIso, actor: actor.name, role: actor.role, event: 'demo.generate', payload: { ...meta, attempts: stats.attempts } });
      // The last day's retryable failures wait in the retry queue, as import would have queued them.
      autoEnqueue(ledger, recentFailures, policy, opts.now, actor);
      // History, not news: no consumer reacts to it (nobody is paged about a retry that gave
      // up last week); the tickets are written below, as a live workspace would have them.
      skipToHead(ledger, nowIso);
    })();
    db.pragma('locking_mode = NORMAL');
    db.pragma('journal_mode = WAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    db = undefined;
    fsyncFile(tmp);
  } catch (err) {
    if (db?.inTransaction) db.exec('ROLLBACK');
    db?.close();
    removeDb(tmp);
    throw err;
  }

  let logs: string[];
  try {
    // Evidence of the previous demo belongs to runs that no longer exist.
    if (regenerating) removeDateFolders(reportsRoot, dir);
    logs = recentFailures.map((a) => writeLog(dir, reportsRoot, timezone, a));

    // An old WAL next to the new file would be replayed into it: remove it before the swap.
    rmSync(`${ledgerPath}-wal`, { force: true });
    rmSync(`${ledgerPath}-shm`, { force: true });
    renameSync(tmp, ledgerPath);
    fsyncFile(opsDir);
  } catch (err) {
    removeDb(tmp);
    throw err;
  }

  // Config defaults after the swap: initWorkspace would otherwise create an empty ledger,
  // which a crash would leave behind as a "not a demo" workspace. It never overwrites.
  initWorkspace(dir, ledgerPath, nowIso);

  // The audit tickets of the demo's incidents, as a live workspace would have them.
  const ticketDb = openLedger(ledgerPath, { now: nowIso });
  try {
    writeTickets(ticketDb, reportsRoot, timezone);
  } finally {
    ticketDb.close();
  }

  return {
    dir,
    ledger: ledgerPath,
    seed: opts.seed,
    days: opts.days,
    generated_for: nowIso,
    runs: stats.runs,
    attempts: stats.attempts,
    failed_attempts: stats.failedAttempts,
    failed_runs: stats.failedRuns,
    recovered_runs: stats.recoveredRuns,
    in_progress: stats.inProgress,
    queued: stats.queued,
    by_conclusion: sortKeys(stats.byConclusion),
    by_class: sortKeys(stats.byClass),
    repositories: [...demoRepositories],
    workflows: demoWorkflowCount,
    logs,
    retries: retryStats,
  };
}

// ---------------------------------------------------------------------------------------

interface Stats {
  runs: number;
  attempts: number;
  failedAttempts: number;
  failedRuns: number;
  recoveredRuns: number;
  inProgress: number;
  queued: number;
  byConclusion: Record<string, number>;
  byClass: Record<string, number>;
  /** The run being counted: its attempts arrive one after another. */
  current: { runId: string; everFailed: boolean; lastFailed: boolean; lastSucceeded: boolean } | null;
}

const newStats = (): Stats => ({
  runs: 0,
  attempts: 0,
  failedAttempts: 0,
  failedRuns: 0,
  recoveredRuns: 0,
  inProgress: 0,
  queued: 0,
  byConclusion: {},
  byClass: {},
  current: null,
});

function count(s: Stats, a: DemoAttempt): void {
  if (s.current?.runId !== a.run_id) {
    finish(s);
    s.runs++;
    s.current = { runId: a.run_id, everFailed: false, lastFailed: false, lastSucceeded: false };
  }
  s.attempts++;
  const failed = a.conclusion !== null && failedConclusions.has(a.conclusion);
  if (a.status === 'in_progress') s.inProgress++;
  if (a.status === 'queued') s.queued++;
  if (a.conclusion) s.byConclusion[a.conclusion] = (s.byConclusion[a.conclusion] ?? 0) + 1;
  if (failed) {
    s.failedAttempts++;
    const cls = a.classification?.class ?? 'unclassified';
    s.byClass[cls] = (s.byClass[cls] ?? 0) + 1;
  }
  s.current.everFailed ||= failed;
  s.current.lastFailed = failed;
  s.current.lastSucceeded = a.conclusion === 'success';
}

function finish(s: Stats): void {
  const c = s.current;
  if (!c) return;
  if (c.lastFailed) s.failedRuns++;
  else if (c.everFailed && c.lastSucceeded) s.recoveredRuns++;
  s.current = null;
}

const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** `<reports>/<date of the run's creation>/artifacts/<run_id>/attempt-<n>/<job>.log`, returned relative to `dir`. */
function writeLog(dir: string, reportsRoot: string, timezone: string, a: DemoAttempt): string {
  const date = zonedDate(Date.parse(a.created_at ?? a.started_at ?? ''), timezone);
  const file = join(reportsRoot, date, 'artifacts', a.run_id, `attempt-${a.attempt}`, `${slug(a.job ?? a.workflow)}.log`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderFailureLog(a));
  return relative(dir, file).split(sep).join('/');
}

/**
 * Removes the dated report folders (YYYY-MM-DD) of a previous demo: everything in them was
 * generated from, or for, the ledger being replaced. Only inside the demo workspace.
 */
function removeDateFolders(reportsRoot: string, dir: string): void {
  const rel = relative(dir, reportsRoot);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  let names: string[];
  try {
    names = readdirSync(reportsRoot);
  } catch {
    return;
  }
  for (const name of names) if (/^\d{4}-\d{2}-\d{2}$/.test(name)) rmSync(join(reportsRoot, name), { recursive: true, force: true });
}

/** Temporary ledgers left by an interrupted demo (its process is gone): they are only garbage. */
function removeStaleTemps(opsDir: string): void {
  for (const name of readdirSync(opsDir)) {
    const m = /^ledger\.db\.tmp-(\d+)$/.exec(name);
    if (m && !processAlive(Number(m[1]))) removeDb(join(opsDir, name));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Durability before the rename makes the file visible (a file, or a directory's entries). */
function fsyncFile(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
