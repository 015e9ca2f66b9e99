import type { Context } from '../cli/context';
import type { WatchJobName } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { toIso } from '../time/clock';
import { SKIPPED_NO_EXPORT, SKIPPED_NO_REPOS } from './state';

/**
 * The jobs of `ops watch`, as data: name → what one run does. Each calls the application
 * functions the matching command calls (no `ops` subprocess), with a Context made for the run
 * (its clock pinned to the watcher's when a test controls it) and the watcher's ledger.
 * A new job is one entry here and its name in config/schemas WATCH_JOBS (with its defaults).
 */

export interface JobRun {
  ctx: Context;
  db: Ledger;
  /** The watcher is stopping (SIGTERM): start no new step, finish the current one. */
  stopping: () => boolean;
}

export interface JobResult {
  /** One short line of what the run did, for the log and `ops watch status`. */
  summary: string;
  /** Nothing to do: not logged (it is in `ops watch status`). */
  idle?: boolean;
  /** Did not run at all (sync without repositories): the jobs `after` it do not follow. */
  skipped?: boolean;
}

export interface JobSpec {
  /** It acts on the world (re-runs, rollbacks): a global killswitch holds it. Observing jobs always run. */
  acts: boolean;
  run(r: JobRun): Promise<JobResult>;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/**
 * Detection (a retry storm) may have engaged the killswitch: its GitHub side follows, as
 * after any command that wrote (src/consumers/after-write). A problem fails the run.
 */
async function reachGithub(r: JobRun): Promise<void> {
  const { reachGithubIfPending } = await import('../cli/killswitch-github');
  const problem = await reachGithubIfPending(r.ctx, r.db);
  if (problem) throw new Error(`killswitch: GitHub: ${problem}`);
}

/** Consumers of the events this run appended (log lines, tickets, the outbox); their problems fail the run. */
async function consumeEvents(r: JobRun): Promise<void> {
  const { runConsumersFor } = await import('../consumers');
  const problems = await runConsumersFor(r.ctx, r.db);
  if (problems.length) throw new Error(problems.join('; '));
}

export const jobs: Record<WatchJobName, JobSpec> = {
  sync: {
    acts: false,
    async run(r) {
      const repos = [...new Set((await r.ctx.config('config.json')).repos)];
      if (!repos.length) return { summary: SKIPPED_NO_REPOS, idle: true, skipped: true };
      const { runsSync } = await import('../cli/runs-sync');
      // Waits for a rate limit and skipped runs: in the run's log line.
      const out = await runsSync(r.ctx, r.db, { repos, sinceMs: 7 * 86_400_000, explicitSince: false, lockMs: 30_000, warn: (t) => r.ctx.io.stderr.write(t + '\n') });
      await consumeEvents(r);
      const failed = out.results.filter((x) => x.error);
      const changed = out.results.some((x) => x.inserted || x.updated) || out.enqueued.length > 0;
      const summary = out.results
        .map((x) => `${x.repo}: ${x.not_modified && !x.inserted && !x.updated ? 'unchanged' : `${x.inserted} new, ${x.updated} updated, ${x.failed} failed, ${x.queued} queued`}`)
        .join('; ');
      if (failed.length) throw new Error(failed.map((x) => `${x.repo}: ${x.error}`).join('; '));
      return { summary: `${summary} (${plural(out.requests, 'request')})`, idle: !changed };
    },
  },
  detect: {
    acts: false,
    async run(r) {
      // Beyond what the detection consumer saw in the sync's events: the conditions of time alone (a run stuck queued).
      const { detect } = await import('../actions/detect');
      const report = await detect(r.ctx, r.db);
      await consumeEvents(r);
      if (report.opened.length) await reachGithub(r);
      if (report.warnings.length) throw new Error(report.warnings.join('; '));
      const { openAlerts } = await import('../detect/alerts');
      const open = openAlerts(r.db).length;
      return {
        summary: `${report.opened.length} opened, ${report.resolved.length} resolved, ${open} open` + report.opened.map((a) => `; ${a.rule} ${a.subject}${a.action_result ? ` → ${a.action_result}` : ''}`).join(''),
        idle: !report.opened.length && !report.resolved.length,
      };
    },
  },
  replay: {
    acts: true,
    async run(r) {
      const now = toIso(Math.floor(r.ctx.now / 1000) * 1000);
      // Cheap when idle: one indexed read before the configs and the modules of a replay.
      const due = r.db
        .prepare(`SELECT EXISTS (SELECT 1 FROM retry_queue WHERE (state = 'pending' AND next_attempt_at <= ?) OR (state = 'processing' AND lease_expires_at <= ?))`)
        .pluck()
        .get(now, now);
      if (!due) return { summary: 'nothing due', idle: true };
      const { replayDue } = await import('../cli/replay-due');
      const { report, problem } = await replayDue(r.ctx, r.db, { max: Infinity, concurrency: 2, stopped: r.stopping });
      await consumeEvents(r);
      if (report.handled || report.held.length) await reachGithub(r);
      const by = (k: string) => report.results.filter((x) => x.result === k).length;
      const kinds = [...new Set(report.results.map((x) => x.result))].map((k) => `${by(k)} ${k}`);
      const summary = `${plural(report.handled, 'entry', 'entries')}${kinds.length ? ` (${kinds.join(', ')})` : ''}${report.held.length ? `, ${report.held.length} held by the killswitch` : ''}`;
      if (report.aborted) throw new Error(report.aborted);
      if (problem) throw new Error(`${summary}; ${problem}`);
      return { summary, idle: report.handled === 0 && !report.held.length };
    },
  },
  deliver: {
    acts: false,
    async run(r) {
      await consumeEvents(r);
      const due = r.db
        .prepare(`SELECT EXISTS (SELECT 1 FROM notifications WHERE fanned_out = 0) OR EXISTS (SELECT 1 FROM notification_deliveries WHERE state = 'pending' AND next_attempt_at <= ?)`)
        .pluck()
        .get(r.ctx.nowIso);
      if (!due) return { summary: 'nothing due', idle: true };
      const { deliver } = await import('../notify/with-context');
      const report = await deliver(r.ctx, r.db, 1000);
      const sent = report.attempts.filter((a) => a.result.ok).length;
      const failed = report.attempts.filter((a) => !a.result.ok);
      // A failed delivery is the outbox's to retry (60 s, 300 s, 1800 s, fallback), not a failed job.
      return {
        summary: `${sent} sent, ${failed.length} failed${failed.length ? ` (${failed.map((a) => `${a.channel}: ${a.result.error}`).join('; ')})` : ''}`,
        idle: !report.attempts.length,
      };
    },
  },
  expiry: {
    acts: false,
    async run(r) {
      const { sweepExpired } = await import('../killswitch/store');
      const expired = r.db.transaction(() => sweepExpired(r.db, r.ctx.nowIso)).immediate();
      if (!expired.length) return { summary: 'nothing expired', idle: true };
      await consumeEvents(r);
      // An expiry lifts the stop on GitHub too (the variable, the schedules it disabled).
      await reachGithub(r);
      return { summary: `${plural(expired.length, 'engagement')} expired (${expired.map((e) => (e.scope === '*' ? 'all workflows' : e.scope)).join(', ')})` };
    },
  },
  report: {
    acts: false,
    async run(r) {
      const timeZone = await r.ctx.timezone();
      const { zonedDate } = await import('../time/zone');
      const date = zonedDate(r.ctx.now, timeZone);
      const reportsDir = await r.ctx.reportsDir();
      const config = await r.ctx.config('config.json');
      const { withWorkspaceLock } = await import('../evidence/atomic');
      const { generateDateReport } = await import('../reports/generate');
      const { reportDocuments } = await import('../reports/documents');
      const extra = await reportDocuments(r.ctx, r.db);
      const report = await withWorkspaceLock(r.ctx.workspace, 30_000, async () => generateDateReport(r.db, reportsDir, date, timeZone, config, extra));
      const written = report.files.filter((f) => f.written).length;
      return { summary: `${date}: ${report.files.length} files, ${written ? `${written} written` : 'all unchanged'}`, idle: written === 0 };
    },
  },
  export: {
    acts: false,
    async run(r) {
      const config = await r.ctx.config('config.json');
      if (!config.export.postgres) return { summary: SKIPPED_NO_EXPORT, idle: true, skipped: true };
      const { postgresExportJob } = await import('../export/postgres/job');
      const out = await postgresExportJob({ db: r.db, config, env: r.ctx.io.env, workspace: r.ctx.workspace, now: () => r.ctx.nowIso });
      const written = Object.values(out!.rows).reduce((a, b) => a + b, 0);
      return {
        summary: `${out!.target}: ${plural(out!.sent.runs, 'run')}, ${plural(out!.sent.events, 'event')} sent, ${plural(written, 'row')} written (${out!.ms} ms)`,
        idle: !out!.sent.runs && !out!.sent.events,
      };
    },
  },
  consumers: {
    acts: false,
    async run(r) {
      const behind = r.db.prepare('SELECT COUNT(*) FROM event_consumers WHERE cursor < (SELECT COALESCE(MAX(seq), 0) FROM audit_events)').pluck().get() as number;
      if (!behind) return { summary: 'up to date', idle: true };
      await consumeEvents(r);
      return { summary: `${plural(behind, 'consumer')} caught up` };
    },
  },
};
