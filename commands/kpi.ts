import { defineCommand } from '../src/cli/command';
import { usageError } from '../src/cli/errors';
import { printJson } from '../src/cli/output';
import { parseDuration } from '../src/cli/parse';

export default defineCommand({
  command: 'kpi',
  describe: 'KPIs of a window: success rate, durations, retries, MTTR, killswitch engagements; per workflow and for the last 7 days',
  builder: (y) =>
    y
      .options({
        window: { type: 'string', default: '7d', describe: 'How far back from now: 24h, 7d, 30d, 2w' },
        workflow: { type: 'string', describe: 'Only this workflow' },
      })
      .example('$0 kpi --window 30d --json | jq .success_rate', ''),
  async run(args, ctx) {
    const windowMs = parseDuration(args.window);
    if (!windowMs) throw usageError('--window', `expected a duration such as 24h, 7d or 30d, got ${JSON.stringify(args.window)}`);
    const db = await ctx.ledger();
    const timezone = await ctx.timezone();
    const targets = (await ctx.config('config.json')).kpiTargets;
    const { ledgerKpis } = await import('../src/kpi/ledger-kpis');
    const { kpiStatus } = await import('../src/kpi/status');
    // Typed in any case: `deploy` is the `Deploy` workflow.
    const filtered = args.workflow === undefined ? undefined : (await import('../src/runs/workflows')).workflowFilter(db, args.workflow);
    if (filtered?.unknown) (await import('../src/cli/warn')).warn(ctx.io, filtered.unknown, { json: ctx.json });
    const workflow = filtered?.workflow ?? null;
    const kpis = ledgerKpis(db, { window: args.window.trim(), windowMs, now: ctx.now, workflow, timezone });
    const status = kpiStatus(kpis, targets);
    if (ctx.io.env.GITHUB_STEP_SUMMARY) {
      const { appendStepSummary } = await import('../src/cli/actions-output');
      const { kpiSummary } = await import('../src/cli/step-summaries');
      appendStepSummary(ctx.io, kpiSummary(kpis, status));
    }
    if (ctx.json) {
      return printJson(ctx.io, {
        ...kpis,
        targets: status.filter((s) => s.target !== null).map(({ name, comparison, target, value, status }) => ({ name, comparison, target, value, status })),
      });
    }
    const { renderKpis } = await import('../src/kpi/render');
    const { style } = await import('../src/cli/style');
    const { writeLong } = await import('../src/cli/actions-output');
    writeLong(ctx.io, `ops kpi: window ${kpis.window}, ${kpis.runs} runs, success rate ${kpis.success_rate === null ? '-' : `${(kpis.success_rate * 100).toFixed(1)}%`}`, renderKpis(kpis, status, style(ctx.io.color)));
  },
});
