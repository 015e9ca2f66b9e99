import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';
import { Exit, usageError } from '../src/cli/errors';

const WINDOW_MS = 24 * 3_600_000;

export default defineCommand({
  command: 'status',
  describe: "The console's content as text, for non-TTY use: killswitch, runs of the last 24 h, the retry queue, open alerts, the latest failures",
  builder: (y) =>
    y
      .option('format', { choices: ['text', 'markdown', 'json'] as const, default: 'text' as const, describe: 'text; markdown for a chat paste, an issue or a PR comment; json (as --json)' })
      .example('$0 status --format markdown | pbcopy', ''),
  async run(args, ctx) {
    const format = ctx.json ? 'json' : (args.format as 'text' | 'markdown' | 'json');
    if (ctx.json && args.format === 'markdown') throw usageError('--format', '--format markdown and --json contradict each other: give one');
    if (format === 'json') ctx.json = true;
    const { countRuns, listRuns } = await import('../src/runs/store');
    const { toIso } = await import('../src/time/clock');
    const { GLOBAL, covering, describeEngagement, statusJson } = await import('../src/killswitch/state');
    const { activeEngagements } = await import('../src/killswitch/store');
    const db = await ctx.ledger();
    const engaged = activeEngagements(db, ctx.nowIso);
    const globalStop = covering(engaged, undefined, ctx.nowIso);
    const since = toIso(ctx.now - WINDOW_MS);
    // Upper bound is open: a run stamped slightly ahead of this machine's clock still counts.
    const counts = countRuns(db, since, '9999');
    const latestFailures = listRuns(db, { failed: true, limit: 10 });
    const { queueSummary } = await import('../src/retry/queue');
    const retryQueue = queueSummary(db, ctx.now);
    const { openAlerts } = await import('../src/detect/alerts');
    const { outboxSummary } = await import('../src/notify/outbox');
    const alerts = openAlerts(db);
    const outbox = outboxSummary(db);
    const { postgresExportLag, describeLag } = await import('../src/export/postgres/state');
    const exportConfigured = await ctx.config('config.json').then((c) => c.export.postgres !== undefined, () => false);
    const postgresExport = postgresExportLag(db, exportConfigured);
    // An invalid config file stops replay, detection and notifications: a healthy-looking
    // status would hide that. Still print everything, then exit 2.
    const { quickConfigProblems } = await import('../src/config/quick-check');
    const { problemText } = await import('../src/config/problem');
    const configProblems = await quickConfigProblems(ctx.workspace);
    const configExit = () => {
      if (!configProblems.length) return Exit.ok;
      const n = configProblems.length;
      ctx.io.stderr.write(`ops: config: ${n} problem${n === 1 ? '' : 's'} in .ops/ (replay, detection and notifications refuse to run until fixed; ops config check)\n`);
      return Exit.usage;
    };
    if (format === 'markdown' || ctx.io.env.GITHUB_STEP_SUMMARY) {
      const { statusMarkdown } = await import('../src/status/markdown');
      const md = statusMarkdown({
        workspace: ctx.workspace,
        nowIso: ctx.nowIso,
        now: ctx.now,
        engaged,
        counts,
        retryQueue,
        alerts,
        outbox,
        latestFailures,
        configProblems: configProblems.map(problemText),
      });
      const { appendStepSummary } = await import('../src/cli/actions-output');
      appendStepSummary(ctx.io, md);
      if (format === 'markdown') {
        ctx.io.stdout.write(md);
        return configExit();
      }
    }
    if (ctx.json) {
      printJson(ctx.io, {
        generated_at: ctx.nowIso,
        workspace: ctx.workspace,
        killswitch: { ...statusJson(globalStop, GLOBAL), active: engaged.map((e) => statusJson(e, e.scope)) },
        window: { since, hours: 24 },
        runs: counts,
        retry_queue: retryQueue,
        alerts,
        notifications: outbox,
        latest_failures: latestFailures,
        config_problems: configProblems,
        // null unless config.json export.postgres is set (or the export ran here): from the ledger's mirror, no connection
        postgres_export: postgresExport,
      });
      return configExit();
    }
    const { style } = await import('../src/cli/style');
    const { renderTable } = await import('../src/cli/table');
    const { runColumns } = await import('../src/runs/table');
    const s = style(ctx.io.color);
    const c = counts.by_conclusion;
    const failed = (c.failure ?? 0) + (c.timed_out ?? 0) + (c.startup_failure ?? 0);
    const active = (counts.by_status.in_progress ?? 0) + (counts.by_status.queued ?? 0);
    let out = '';
    // First, and loud: whatever else this prints matters less while runs are stopped.
    let banner = '';
    for (const e of engaged) banner += s.red(s.bold(`!!! KILLSWITCH ENGAGED !!! ${describeEngagement(e)}`)) + '\n';
    if (engaged.length) banner += '\n';
    out += `${s.bold('ops status')}  ${ctx.workspace}  ${ctx.nowIso}\n`;
    for (const p of configProblems) out += s.red(`config: ${problemText(p)}`) + '\n';
    out += engaged.length ? '\n' : `killswitch: not engaged\n\n`;
    out += `Runs, last 24 h: ${counts.total} total, ${s.green(`${c.success ?? 0} succeeded`)}, `;
    out += `${failed ? s.red(`${failed} failed`) : '0 failed'}, ${active ? s.yellow(`${active} running or queued`) : '0 running or queued'}`;
    const others = Object.entries(c).filter(([k]) => !['success', 'failure', 'timed_out', 'startup_failure'].includes(k));
    if (others.length) out += `, ${others.map(([k, n]) => `${n} ${k}`).join(', ')}`;
    out += '\n';
    const { describeQueue } = await import('../src/retry/format');
    out += describeQueue(retryQueue, s, ctx.now) + '\n';
    if (outbox.pending || outbox.failed) out += `notifications: ${outbox.pending} pending${outbox.failed ? `, ${s.red(`${outbox.failed} failed`)}` : ''} (ops notify list)\n`;
    if (postgresExport) out += (postgresExport.last_error ? s.red(describeLag(postgresExport)) : postgresExport.events || postgresExport.runs ? s.yellow(describeLag(postgresExport)) : describeLag(postgresExport)) + '\n';
    const { alertLine } = await import('../src/detect/format');
    out += alerts.length ? `\n${s.bold(`Open alerts (${alerts.length})`)}\n` + alerts.map((a) => `  ${alertLine(a, s)}\n`).join('') : 'alerts: none open\n';
    out += '\n';
    if (latestFailures.length === 0) out += 'No failed runs in the ledger.\n';
    else out += `${s.bold('Latest failures')}\n` + renderTable(runColumns(s, ctx.now), latestFailures);
    // Inside Actions a long status folds into a group; the killswitch banner stays in sight.
    ctx.io.stdout.write(banner);
    const { writeLong } = await import('../src/cli/actions-output');
    const title = `ops status: killswitch ${engaged.length ? 'ENGAGED' : 'not engaged'}; last 24 h: ${counts.total} runs, ${failed} failed; ${alerts.length} open alert${alerts.length === 1 ? '' : 's'}`;
    writeLong(ctx.io, title, out);
    return configExit();
  },
});
