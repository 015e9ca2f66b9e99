import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';
import { Exit, usageError } from '../src/cli/errors';

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
    const { collectStatus, statusDocument } = await import('../src/status/collect');
    const db = await ctx.ledger();
    const data = await collectStatus(ctx, db);
    const { engaged, counts, retryQueue, alerts, outbox, latestFailures, configProblems } = data;
    // Only where a watcher ever ran (ops watch): elsewhere the line would say nothing.
    const watchText = (await import('../src/watch/state')).watchLine(data.watch, ctx.now);
    const postgresExport = data.postgresExport;
    const { problemText } = await import('../src/config/problem');
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
        watch: watchText,
      });
      const { appendStepSummary } = await import('../src/cli/actions-output');
      appendStepSummary(ctx.io, md);
      if (format === 'markdown') {
        ctx.io.stdout.write(md);
        return configExit();
      }
    }
    if (ctx.json) {
      printJson(ctx.io, statusDocument(ctx, data));
      return configExit();
    }
    const { style } = await import('../src/cli/style');
    const { describeEngagement } = await import('../src/killswitch/state');
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
    out += engaged.length ? '' : `killswitch: not engaged\n`;
    if (watchText) out += (/DEAD|failing/.test(watchText) ? s.red(watchText) : watchText) + '\n';
    out += '\n';
    out += `Runs, last 24 h: ${counts.total} total, ${s.green(`${c.success ?? 0} succeeded`)}, `;
    out += `${failed ? s.red(`${failed} failed`) : '0 failed'}, ${active ? s.yellow(`${active} running or queued`) : '0 running or queued'}`;
    const others = Object.entries(c).filter(([k]) => !['success', 'failure', 'timed_out', 'startup_failure'].includes(k));
    if (others.length) out += `, ${others.map(([k, n]) => `${n} ${k}`).join(', ')}`;
    out += '\n';
    const { describeQueue } = await import('../src/retry/format');
    out += describeQueue(retryQueue, s, ctx.now) + '\n';
    if (outbox.pending || outbox.failed) out += `notifications: ${outbox.pending} pending${outbox.failed ? `, ${s.red(`${outbox.failed} failed`)}` : ''} (ops notify list)\n`;
    const { describeLag } = await import('../src/export/postgres/state');
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
