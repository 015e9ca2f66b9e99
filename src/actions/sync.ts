import type { Ledger } from '../ledger/open';
import { rowToRun, runWriter } from '../runs/store';
import { appendAudit } from '../events/log';
import { ApiError, nextLink, type ApiClient, type ApiResponse } from '../github/api';
import { mapRunRecord } from '../runs/gh';
import { failedConclusions, type RunInput } from '../runs/types';
import { toIso } from '../time/clock';

/**
 * `ops runs sync` (issue 21 part 1): pulls workflow runs from GitHub's REST API, page by
 * page, into the ledger through the same mapping and upsert as `ops runs import`, then the
 * job logs of each new failed run through `evidence collect`'s path (sanitized copy,
 * classification, retry queue).
 *
 * Incremental, per repository (table sync_cursors, committed with every page):
 * - the newest page is asked with If-None-Match: its ETag from the last sync; 304 = nothing
 *   changed on it, so a quiet repository costs one request;
 * - otherwise pages are followed (Link rel="next") until they reach runs created before the
 *   newest run of the last sync minus an hour of overlap (first sync: --since, default 7d);
 * - a pass that stops early (rate limit, network) leaves a gap [gap_stop, gap_before) that
 *   the next sync pages first with `created=<=gap_before`;
 * - runs the ledger has as still queued or in progress, and that no page brought, are asked
 *   one by one (`/actions/runs/{id}`) until they complete;
 * - failed runs to fetch logs for wait in sync_pending_logs, written with their page.
 */

export interface SyncRepoResult {
  repo: string;
  /** Runs of the repository in the ledger after the sync. */
  runs: number;
  /** Runs (attempts) received from GitHub in this sync. */
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  pages: number;
  /** The newest page answered 304: nothing changed since the last sync. */
  not_modified: boolean;
  /** Failed runs whose job logs were fetched and collected. */
  failed: number;
  logs: number;
  queued: number;
  requests: number;
  /** Why the sync of this repository stopped early (the cursor keeps what it got), or null. */
  error: string | null;
}

export interface CollectedLogs {
  /** The retry entry the collect queued, if any. */
  enqueued: boolean;
}

export interface SyncOptions {
  db: Ledger;
  api: ApiClient;
  nowIso: string;
  /** Lower bound of the first sync of a repository (now - 7d), or an explicit --since (also a back-fill). */
  sinceIso: string;
  explicitSince: boolean;
  actor: { name: string; role: string };
  /** Collects a failed run's fetched job logs (raw, in memory) through `evidence collect`'s path, sanitized. */
  collect(run: RunInput, logs: { name: string; body: Buffer }[]): Promise<CollectedLogs>;
  progress?(text: string): void;
  warn?(text: string): void;
}

const OVERLAP_MS = 3_600_000;
const PER_PAGE = 100;

interface Cursor {
  repo: string;
  etag: string | null;
  newest_created: string | null;
  gap_before: string | null;
  gap_stop: string | null;
  synced_at: string | null;
}

interface RestRun {
  id: number;
  run_attempt?: number;
  name?: string | null;
  status: string;
  conclusion: string | null;
  event?: string | null;
  head_branch?: string | null;
  head_sha?: string | null;
  html_url?: string | null;
  created_at: string;
  run_started_at?: string | null;
  updated_at?: string | null;
  actor?: { login?: string } | null;
  triggering_actor?: { login?: string } | null;
  repository?: { full_name?: string } | null;
}

/** A REST workflow run as the gh JSON record `ops runs import` maps (one mapping for both). */
export function restRunToGh(r: RestRun): Record<string, unknown> {
  return {
    databaseId: r.id,
    attempt: r.run_attempt ?? 1,
    workflowName: r.name ?? null,
    status: r.status,
    conclusion: r.conclusion ?? '',
    event: r.event ?? null,
    headBranch: r.head_branch ?? null,
    headSha: r.head_sha ?? null,
    url: r.html_url ?? null,
    createdAt: r.created_at,
    startedAt: r.run_started_at ?? null,
    updatedAt: r.updated_at ?? null,
    actor: r.actor?.login ?? r.triggering_actor?.login ?? null,
    repository: r.repository?.full_name ?? null,
  };
}

export async function syncRepo(repo: string, o: SyncOptions): Promise<SyncRepoResult> {
  const { db, api } = o;
  const res: SyncRepoResult = { repo, runs: 0, received: 0, inserted: 0, updated: 0, unchanged: 0, pages: 0, not_modified: false, failed: 0, logs: 0, queued: 0, requests: 0, error: null };
  const startRequests = api.requests;
  const write = runWriter(db, o.nowIso);
  const getCursor = () => (db.prepare('SELECT * FROM sync_cursors WHERE repo = ?').get(repo) as Cursor | undefined) ?? null;
  const saveCursor = db.prepare(
    `INSERT INTO sync_cursors (repo, etag, newest_created, gap_before, gap_stop, synced_at) VALUES (@repo, @etag, @newest_created, @gap_before, @gap_stop, @synced_at)
     ON CONFLICT (repo) DO UPDATE SET etag = excluded.etag, newest_created = excluded.newest_created, gap_before = excluded.gap_before, gap_stop = excluded.gap_stop, synced_at = excluded.synced_at`,
  );
  const pending = db.prepare('INSERT OR IGNORE INTO sync_pending_logs (repo, run_id, attempt) VALUES (?, ?, ?)');
  const seen = new Set<string>();
  const progress = () => o.progress?.(`${repo}: page ${res.pages}, ${res.received} runs`);

  /** Maps and writes one page's runs and the cursor, in one transaction. */
  const commitPage = (runs: RestRun[], cursor: Partial<Cursor>) => {
    const mapped: RunInput[] = [];
    for (const r of runs) {
      const m = mapRunRecord(restRunToGh(r), { repo });
      if (m.ok) mapped.push(m.run);
      else o.warn?.(`${repo}: run ${r.id}: ${m.field}: ${m.problem} (skipped)`);
    }
    db.transaction(() => {
      for (const run of mapped) {
        const outcome = write(run);
        res[outcome]++;
        seen.add(run.run_id);
        if (outcome !== 'unchanged' && run.status === 'completed' && failedConclusions.has(run.conclusion ?? '')) pending.run(repo, run.run_id, run.attempt);
      }
      const now = getCursor();
      saveCursor.run({ repo, etag: null, newest_created: null, gap_before: null, gap_stop: null, ...now, ...cursor, synced_at: o.nowIso });
    }).immediate();
    res.received += mapped.length;
    res.pages++;
    progress();
  };

  const page = (r: ApiResponse, path: string): RestRun[] => {
    if (r.status !== 200) throw new ApiError(path, `HTTP ${r.status}${apiMessage(r)}`, r.status);
    const body = JSON.parse(r.body.toString('utf8')) as { workflow_runs?: RestRun[] };
    return body.workflow_runs ?? [];
  };
  const newestOf = (runs: RestRun[], prior: string | null) => runs.reduce<string | null>((m, r) => (m === null || Date.parse(r.created_at) > Date.parse(m) ? r.created_at : m), prior);
  const oldestOf = (runs: RestRun[]) => runs.reduce<string | null>((m, r) => (m === null || Date.parse(r.created_at) < Date.parse(m) ? r.created_at : m), null);
  const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) <= Date.parse(b) ? a : b);
  const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b);

  try {
    const start = getCursor();
    const priorGap = start?.gap_before && start.gap_stop ? { before: start.gap_before, stop: start.gap_stop } : null;
    const headStop = o.explicitSince || !start?.newest_created ? o.sinceIso : toIso(Date.parse(start.newest_created) - OVERLAP_MS);

    // 1. The newest runs, down to the last sync's newest (conditional on the first page).
    let path: string | null = `/repos/${repo}/actions/runs?per_page=${PER_PAGE}`;
    let first = true;
    let newest = start?.newest_created ?? null;
    while (path) {
      const r = await api.get(path, { etag: first ? start?.etag : null });
      if (first && r.status === 304) {
        res.not_modified = true;
        break;
      }
      const runs = page(r, path);
      const next = nextLink(r.headers);
      const oldest = oldestOf(runs);
      const more = next !== null && oldest !== null && Date.parse(oldest) >= Date.parse(headStop);
      newest = newestOf(runs, newest);
      // What this pass has not reached yet, with any gap left by an earlier pass.
      const gapBefore = more ? later(oldest, priorGap?.before ?? null) : (priorGap?.before ?? null);
      const gapStop = more ? earlier(headStop, priorGap?.stop ?? null) : (priorGap?.stop ?? null);
      commitPage(runs, { ...(first ? { etag: r.headers.etag ?? null } : {}), newest_created: newest, gap_before: gapBefore, gap_stop: gapStop });
      first = false;
      path = more ? next : null;
    }

    // 2. A gap left by an interrupted pass.
    if (priorGap) {
      path = `/repos/${repo}/actions/runs?per_page=${PER_PAGE}&created=${encodeURIComponent(`<=${priorGap.before}`)}`;
      while (path) {
        const r = await api.get(path);
        const runs = page(r, path);
        const next = nextLink(r.headers);
        const oldest = oldestOf(runs);
        const more = next !== null && oldest !== null && Date.parse(oldest) >= Date.parse(priorGap.stop);
        commitPage(runs, { gap_before: more ? oldest : null, gap_stop: more ? priorGap.stop : null });
        path = more ? next : null;
      }
    }

    // 3. Runs still queued or in progress in the ledger that no page brought.
    const open = db
      .prepare(`SELECT run_id FROM run_attempts WHERE is_latest = 1 AND status != 'completed' AND repository = ? AND created_at >= ?`)
      .pluck()
      .all(repo, o.sinceIso) as string[];
    for (const id of open.filter((id) => !seen.has(id))) {
      const p = `/repos/${repo}/actions/runs/${id}`;
      const r = await api.get(p);
      if (r.status === 404) continue; // deleted on GitHub: the ledger keeps what it knew
      if (r.status !== 200) throw new ApiError(p, `HTTP ${r.status}${apiMessage(r)}`, r.status);
      commitPage([JSON.parse(r.body.toString('utf8')) as RestRun], {});
      res.pages--; // not a page of the list
    }

    // 4. Job logs of the failed runs, then evidence collect's path.
    const todo = db.prepare('SELECT run_id, attempt FROM sync_pending_logs WHERE repo = ? ORDER BY run_id, attempt').all(repo) as { run_id: string; attempt: number }[];
    for (const t of todo) {
      const got = await fetchLogs(repo, t.run_id, t.attempt, o);
      res.logs += got.logs;
      res.failed++;
      if (got.enqueued) res.queued++;
      o.progress?.(`${repo}: logs of ${res.failed}/${todo.length} failed runs`);
    }
  } catch (err) {
    res.error = err instanceof ApiError ? `${err.path}: ${err.message}` : err instanceof SyntaxError ? `unreadable response: ${err.message}` : (err as Error).message;
    if (!(err instanceof ApiError) && !(err instanceof SyntaxError)) throw err;
  } finally {
    res.requests = api.requests - startRequests;
    res.runs = db.prepare('SELECT COUNT(*) FROM run_attempts WHERE is_latest = 1 AND repository = ?').pluck().get(repo) as number;
    if (res.inserted || res.updated) {
      const record = () => appendAudit(db, {
        ts: o.nowIso,
        actor: o.actor.name,
        role: o.actor.role,
        event: 'runs.sync',
        target_id: repo,
        payload: { repo, received: res.received, inserted: res.inserted, updated: res.updated, unchanged: res.unchanged, pages: res.pages, error: res.error },
      });
      db.transaction(record).immediate();
    }
  }
  return res;
}

const FAILED_JOB = new Set(['failure', 'timed_out', 'startup_failure']);

/** The failed jobs' logs of one run attempt, held in memory and handed to collect (which sanitizes them as it writes). */
async function fetchLogs(repo: string, runId: string, attempt: number, o: SyncOptions): Promise<{ logs: number; enqueued: boolean }> {
  const { db, api } = o;
  const jobsPath = `/repos/${repo}/actions/runs/${runId}/attempts/${attempt}/jobs?per_page=100`;
  const jr = await api.get(jobsPath);
  if (jr.status !== 200 && jr.status !== 404 && jr.status !== 410) throw new ApiError(jobsPath, `HTTP ${jr.status}${apiMessage(jr)}`, jr.status);
  const jobs = jr.status === 200 ? ((JSON.parse(jr.body.toString('utf8')) as { jobs?: { id: number; name?: string; conclusion?: string | null }[] }).jobs ?? []) : [];
  const logs: { name: string; body: Buffer }[] = [];
  for (const job of jobs.filter((j) => FAILED_JOB.has(j.conclusion ?? ''))) {
    const logPath = `/repos/${repo}/actions/jobs/${job.id}/logs`;
    const lr = await api.get(logPath);
    if (lr.status === 404 || lr.status === 410) {
      o.warn?.(`${repo}: run ${runId}: job ${job.id}: log no longer available (HTTP ${lr.status})`);
      continue;
    }
    if (lr.status !== 200) throw new ApiError(logPath, `HTTP ${lr.status}${apiMessage(lr)}`, lr.status);
    logs.push({ name: `job-${job.id}-${(job.name ?? 'job').replace(/[^\w.-]+/g, '_').slice(0, 60)}.log`, body: lr.body });
  }
  const row = db.prepare('SELECT * FROM run_attempts WHERE run_id = ? AND attempt = ?').get(runId, attempt) as (Parameters<typeof rowToRun>[0] & { created_at: string }) | undefined;
  let enqueued = false;
  if (row) enqueued = (await o.collect({ ...rowToRun(row), created_at: row.created_at }, logs)).enqueued;
  db.prepare('DELETE FROM sync_pending_logs WHERE run_id = ? AND attempt = ?').run(runId, attempt);
  return { logs: logs.length, enqueued };
}

function apiMessage(r: ApiResponse): string {
  try {
    const m = (JSON.parse(r.body.toString('utf8')) as { message?: string }).message;
    return m ? `: ${m}` : '';
  } catch {
    return '';
  }
}
