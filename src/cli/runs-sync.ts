import type { Context } from './context';
import type { Ledger } from '../ledger/open';
import type { SyncRepoResult } from '../actions/sync';
import type { RetryEntry } from '../retry/queue';

export interface RunsSyncOptions {
  repos: readonly string[];
  /** How far back the first sync of a repository goes. */
  sinceMs: number;
  /** An explicit --since: it also back-fills. */
  explicitSince: boolean;
  /** How long to wait for the evidence lock. */
  lockMs: number;
  /** Progress of repository `i` (a terminal's progress line). */
  progress?: (i: number, text: string) => void;
  /** A wait (rate limit) or a problem that does not stop the sync. */
  warn: (text: string) => void;
}

export interface RunsSyncOutcome {
  results: SyncRepoResult[];
  requests: number;
  /** The retry entries the failed runs' collects queued. */
  enqueued: RetryEntry[];
}

/**
 * `ops runs sync` without its printing: each repository through src/actions/sync (its failed
 * runs' logs collected as `evidence collect` does, under the evidence lock), then the retry
 * log lines of what was queued. Shared by the command and `ops watch`'s sync job. The caller
 * runs the consumers and detection afterwards.
 */
export async function runsSync(ctx: Context, db: Ledger, o: RunsSyncOptions): Promise<RunsSyncOutcome> {
  const config = await ctx.config('config.json');
  const { ghApi } = await import('../github/api');
  const { syncRepo } = await import('../actions/sync');
  const { toIso } = await import('../time/clock');
  const { withWorkspaceLock } = await import('../evidence/atomic');
  const { collectFetchedLogs } = await import('../actions/sync-collect');
  const { loadRules } = await import('../sanitize/index');
  const rules = loadRules(await ctx.config('mask-rules.json'), ctx.io.env);
  const reportsDir = await ctx.reportsDir();
  const timeZone = await ctx.timezone();
  const retryPolicy = await ctx.config('retry-policy.json');
  const enqueued: RetryEntry[] = [];
  const api = ghApi({
    gh: ctx.io.env.OPS_GH || config.gh,
    env: ctx.io.env,
    timeoutMs: config.ghTimeoutSeconds * 1000,
    onWait: o.warn,
  });
  const results: SyncRepoResult[] = [];
  for (const [i, repo] of o.repos.entries()) {
    results.push(
      await syncRepo(repo, {
        db,
        api,
        nowIso: ctx.nowIso,
        sinceIso: toIso(ctx.now - o.sinceMs),
        explicitSince: o.explicitSince,
        actor: { name: ctx.actor, role: ctx.role },
        progress: o.progress && ((text) => o.progress!(i, text)),
        warn: (text) => o.warn(`warning: ${text}`),
        collect: async (run, logs) => {
          const c = await withWorkspaceLock(ctx.workspace, o.lockMs, async () =>
            collectFetchedLogs(
              {
                db,
                reportsDir,
                timeZone,
                nowIso: ctx.nowIso,
                actor: { name: ctx.actor, role: ctx.role },
                idempotencyTtlSeconds: config.idempotencyTtlSeconds,
                retryPolicy,
              },
              rules,
              run,
              logs,
            ),
          );
          if (c.enqueued) enqueued.push(c.enqueued.entry);
          return { enqueued: c.enqueued !== null };
        },
      }),
    );
  }
  return { results, requests: api.requests, enqueued };
}
