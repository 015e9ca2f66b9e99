import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';
import { parseSince, positiveInt } from '../../src/cli/parse';
import { runConclusions, runStatuses } from '../../src/runs/types';

export default defineCommand({
  command: 'list',
  aliases: ['ls'],
  describe: 'List runs, latest first (the latest attempt of each run)',
  builder: (y) =>
    y.options({
      workflow: { type: 'string', describe: 'Only this workflow' },
      repo: { type: 'string', describe: 'Only this repository (OWNER/NAME)' },
      branch: { type: 'string', describe: 'Only this branch' },
      conclusion: { choices: runConclusions, describe: 'Only this conclusion' },
      status: { choices: runStatuses, describe: 'Only this status' },
      failed: { type: 'boolean', describe: 'Only failed runs (failure, timed_out, startup_failure)' },
      since: { type: 'string', describe: 'Started at/after: ISO-8601 time, or a duration back from now (24h, 7d)' },
      limit: { type: 'number', default: 30, requiresArg: true, describe: 'At most this many runs' },
    }),
  async run(args, ctx) {
    const limit = positiveInt('--limit', args.limit, 1_000_000);
    const since = args.since === undefined ? undefined : parseSince('--since', args.since, ctx.now);
    const { listRuns, countListedRuns } = await import('../../src/runs/store');
    const db = await ctx.ledger();
    // Typed in any case: `deploy` lists the `Deploy` workflow's runs.
    const { warn } = await import('../../src/cli/warn');
    const filtered = args.workflow === undefined ? undefined : (await import('../../src/runs/workflows')).workflowFilter(db, args.workflow);
    if (filtered?.unknown) warn(ctx.io, filtered.unknown, { json: ctx.json });
    const workflow = filtered?.workflow;
    // The listing is still right with an invalid config, but replay, detection and
    // notifications are not running: say so where it is seen.
    const { quickConfigProblems } = await import('../../src/config/quick-check');
    const { problemText } = await import('../../src/config/problem');
    for (const p of await quickConfigProblems(ctx.workspace)) warn(ctx.io, `config: ${problemText(p)} (ops config check)`, { json: ctx.json });
    const filter = {
      workflow,
      repository: args.repo,
      branch: args.branch,
      conclusion: args.conclusion,
      status: args.status,
      failed: args.failed,
      since,
    };
    const runs = listRuns(db, { ...filter, limit });
    if (ctx.json) printJson(ctx.io, runs);
    else if (runs.length === 0) {
      ctx.io.stderr.write('no runs match\n');
      return;
    } else {
      const { renderTable } = await import('../../src/cli/table');
      const { runColumns } = await import('../../src/runs/table');
      const { style } = await import('../../src/cli/style');
      ctx.io.stdout.write(renderTable(runColumns(style(ctx.io.color), ctx.now), runs));
    }
    if (runs.length === limit) {
      const { cutNotice } = await import('../../src/cli/print-rows');
      cutNotice(ctx.io, runs.length, limit, () => countListedRuns(db, filter));
    }
  },
});
