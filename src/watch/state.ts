import type { Ledger } from '../ledger/open';
import { isoSeconds as toIso } from './clock';
import { currentLease, isLive, type WatchLease } from './lease';

/** A job's row of `watch_jobs`: what `ops watch status`, `ops status` and the console show. */
export interface JobState {
  job: string;
  owner: string | null;
  runs: number;
  running_since: string | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_duration_ms: number | null;
  last_outcome: 'ok' | 'failed' | 'timeout' | 'held' | null;
  last_summary: string | null;
  last_error: string | null;
  /** Failed runs in a row (0 after a success). */
  failures: number;
  next_run_at: string | null;
}

export function jobStates(db: Ledger): JobState[] {
  return db.prepare('SELECT * FROM watch_jobs ORDER BY job').all() as JobState[];
}

export function recordJobStart(db: Ledger, job: string, owner: string, atMs: number): void {
  db.prepare(
    `INSERT INTO watch_jobs (job, owner, running_since) VALUES (?, ?, ?)
     ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, running_since = excluded.running_since`,
  ).run(job, owner, toIso(atMs));
}

export interface Finished {
  startedMs: number;
  finishedMs: number;
  durationMs: number;
  outcome: 'ok' | 'failed' | 'timeout' | 'held';
  summary: string | null;
  error: string | null;
  failures: number;
  nextMs: number | null;
  /** Timed out: recorded, but the run goes on (running_since stays until it ends). */
  stillRunning?: boolean;
}

export function recordJobFinish(db: Ledger, job: string, owner: string, f: Finished): void {
  db.prepare(
    `INSERT INTO watch_jobs (job, owner, runs, running_since, last_started_at, last_finished_at, last_duration_ms, last_outcome, last_summary, last_error, failures, next_run_at)
     VALUES (@job, @owner, 1, CASE WHEN @still THEN @started END, @started, @finished, @duration, @outcome, @summary, @error, @failures, @next)
     ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, runs = runs + 1, running_since = excluded.running_since, last_started_at = excluded.last_started_at,
       last_finished_at = excluded.last_finished_at, last_duration_ms = excluded.last_duration_ms, last_outcome = excluded.last_outcome,
       last_summary = excluded.last_summary, last_error = excluded.last_error, failures = excluded.failures, next_run_at = excluded.next_run_at`,
  ).run({
    job,
    owner,
    started: toIso(f.startedMs),
    finished: toIso(f.finishedMs),
    duration: Math.round(f.durationMs),
    outcome: f.outcome,
    summary: f.summary,
    error: f.error,
    failures: f.failures,
    next: f.nextMs === null ? null : toIso(f.nextMs),
    still: f.stillRunning ? 1 : 0,
  });
}

/** A timed-out run has ended at last. */
export function recordJobEnded(db: Ledger, job: string): void {
  db.prepare('UPDATE watch_jobs SET running_since = NULL WHERE job = ?').run(job);
}

export function recordNextRun(db: Ledger, job: string, owner: string, nextMs: number | null): void {
  db.prepare(
    `INSERT INTO watch_jobs (job, owner, next_run_at) VALUES (?, ?, ?)
     ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, next_run_at = excluded.next_run_at`,
  ).run(job, owner, nextMs === null ? null : toIso(nextMs));
}

/** The watcher and its jobs, as `ops watch status --json` and `ops status --json` (`watch`) show them. */
export interface WatchStatus {
  /** running: a live lease; stopped: released; dead: a lease whose heartbeat is too old; never: no watcher ran here. */
  state: 'running' | 'stopped' | 'dead' | 'never';
  owner: string | null;
  started_at: string | null;
  heartbeat_at: string | null;
  heartbeat_age_s: number | null;
  lease_seconds: number | null;
  released_at: string | null;
  /** Retry entries due now (what the next replay run takes). */
  retries_due: number;
  jobs: JobState[];
}

export function watchStatus(db: Ledger, nowMs: number): WatchStatus {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watch_lease'`).get();
  const lease: WatchLease | undefined = hasTable ? currentLease(db) : undefined;
  const due = db.prepare(`SELECT COUNT(*) FROM retry_queue WHERE state = 'pending' AND next_attempt_at <= ?`).pluck().get(toIso(Math.floor(nowMs / 1000) * 1000)) as number;
  return {
    state: !lease ? 'never' : lease.released_at !== null ? 'stopped' : isLive(lease, nowMs) ? 'running' : 'dead',
    owner: lease?.owner ?? null,
    started_at: lease?.started_at ?? null,
    heartbeat_at: lease?.heartbeat_at ?? null,
    heartbeat_age_s: lease ? Math.max(0, Math.round((nowMs - Date.parse(lease.heartbeat_at)) / 1000)) : null,
    lease_seconds: lease?.lease_seconds ?? null,
    released_at: lease?.released_at ?? null,
    retries_due: due,
    jobs: hasTable ? jobStates(db) : [],
  };
}

const ago = (nowMs: number, iso: string) => {
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

/**
 * One line: `watch: alive 3 s ago · sync 41 s ago · 2 due` (the console header, ops status).
 * A failing job is named with its failures in a row; null when no watcher ever ran here.
 */
export function watchLine(s: WatchStatus, nowMs: number): string | null {
  if (s.state === 'never') return null;
  const parts: string[] = [];
  if (s.state === 'running') parts.push(`alive ${ago(nowMs, s.heartbeat_at!)}`);
  else if (s.state === 'stopped') parts.push(`stopped ${ago(nowMs, s.released_at!)}`);
  else parts.push(`DEAD (last heartbeat ${ago(nowMs, s.heartbeat_at!)})`);
  const sync = s.jobs.find((j) => j.job === 'sync');
  if (sync?.last_finished_at && sync.last_outcome === 'ok' && sync.last_summary !== SKIPPED_NO_REPOS) parts.push(`sync ${ago(nowMs, sync.last_finished_at)}`);
  for (const j of s.jobs.filter((x) => x.failures > 0)) parts.push(`${j.job} failing (${j.failures}×)`);
  parts.push(`${s.retries_due} due`);
  return `watch: ${parts.join(' · ')}`;
}

/** The sync job's summary when config.json lists no repositories. */
export const SKIPPED_NO_REPOS = 'skipped: no repositories in config.json repos';
export const SKIPPED_NO_EXPORT = 'skipped: no config.json export.postgres';
