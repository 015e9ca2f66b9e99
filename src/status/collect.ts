import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { countRuns, listRuns } from '../runs/store';
import { toIso } from '../time/clock';
import { GLOBAL, covering, statusJson } from '../killswitch/state';
import { activeEngagements } from '../killswitch/store';
import { queueSummary } from '../retry/queue';
import { openAlerts } from '../detect/alerts';
import { outboxSummary } from '../notify/outbox';
import { quickConfigProblems } from '../config/quick-check';
import { watchStatus } from '../watch/state';
import { postgresExportLag } from '../export/postgres/state';

const WINDOW_MS = 24 * 3_600_000;

/** What `ops status` shows, read once: the CLI prints it, `ops serve` answers GET /status with it. */
export async function collectStatus(ctx: Pick<Context, 'now' | 'nowIso' | 'workspace' | 'config'>, db: Ledger) {
  const exportConfigured = await ctx.config('config.json').then((c) => c.export.postgres !== undefined, () => false);
  const engaged = activeEngagements(db, ctx.nowIso);
  const since = toIso(ctx.now - WINDOW_MS);
  return {
    engaged,
    globalStop: covering(engaged, undefined, ctx.nowIso),
    since,
    // Upper bound is open: a run stamped slightly ahead of this machine's clock still counts.
    counts: countRuns(db, since, '9999'),
    latestFailures: listRuns(db, { failed: true, limit: 10 }),
    retryQueue: queueSummary(db, ctx.now),
    alerts: openAlerts(db),
    outbox: outboxSummary(db),
    // An invalid config file stops replay, detection and notifications: a healthy-looking
    // status would hide that.
    configProblems: await quickConfigProblems(ctx.workspace),
    watch: watchStatus(db, ctx.now),
    // null unless config.json export.postgres is set (or the export ran here): the ledger's mirror, no connection.
    postgresExport: postgresExportLag(db, exportConfigured),
  };
}

export type StatusData = Awaited<ReturnType<typeof collectStatus>>;

/** `ops status --json`, exactly. */
export function statusDocument(ctx: Pick<Context, 'nowIso' | 'workspace'>, s: StatusData) {
  return {
    generated_at: ctx.nowIso,
    workspace: ctx.workspace,
    killswitch: { ...statusJson(s.globalStop, GLOBAL), active: s.engaged.map((e) => statusJson(e, e.scope)) },
    window: { since: s.since, hours: 24 },
    runs: s.counts,
    retry_queue: s.retryQueue,
    alerts: s.alerts,
    notifications: s.outbox,
    latest_failures: s.latestFailures,
    config_problems: s.configProblems,
    watch: s.watch,
    postgres_export: s.postgresExport,
  };
}
