import type { Context } from '../../src/cli/context';
import type { Ledger } from '../../src/ledger/open';
import { defineCommand } from '../../src/cli/command';
import { Exit, OpsError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { positiveInt } from '../../src/cli/parse';

export default defineCommand<{ max?: number; concurrency: number; 'dry-run'?: boolean }>({
  command: 'replay',
  describe: 'Run the due retries: lease, check the killswitch, re-run through gh, confirm the new attempt, record everything',
  builder: (y) =>
    y
      .options({
        max: { type: 'number', describe: 'At most this many entries (default: every due one)' },
        concurrency: { type: 'number', default: 2, describe: 'Re-runs at the same time' },
        'dry-run': { type: 'boolean', describe: 'Show what would run; change nothing' },
      })
      .example('$0 retry replay --max 20 --concurrency 4', '')
      .example('$0 retry replay --dry-run', '') as never,
  async run(args, ctx) {
    const max = args.max === undefined ? Infinity : positiveInt('--max', args.max);
    const concurrency = positiveInt('--concurrency', args.concurrency, 64);
    const config = await ctx.config('config.json');
    const policy = await ctx.config('retry-policy.json');
    const gh = ctx.io.env.OPS_GH || config.gh;
    const { existsSync } = await import('node:fs');
    if (!existsSync(ctx.ledgerPath)) {
      if (ctx.json) printJson(ctx.io, args['dry-run'] ? { dry_run: true, steps: [] } : { handled: 0, results: [], held: [], deferred: [], lost: [], aborted: null });
      else ctx.io.stdout.write('replay: nothing due (no ledger yet)\n');
      await replayStepSummary(ctx, (s) => (args['dry-run'] ? s.replayPlanSummary([]) : s.replaySummary({ owner: '', handled: 0, results: [], held: [], deferred: [], lost: [], aborted: null })));
      return;
    }
    const db = await ctx.ledger();

    if (args['dry-run']) {
      const { planReplay } = await import('../../src/retry/plan');
      const steps = planReplay(db, ctx.now, { config, policy, gh, max });
      await replayStepSummary(ctx, (s) => s.replayPlanSummary(steps));
      if (ctx.json) printJson(ctx.io, { dry_run: true, steps });
      else {
        let out = '';
        for (const s of steps) {
          const head = `#${s.id} run ${s.run_id} (${s.workflow})${s.lease_expired ? ' [lease expired]' : ''}`;
          if (s.action === 'held') out += `${head}: held: killswitch engaged (${s.killswitch!.scope === '*' ? 'all workflows' : s.killswitch!.scope}) by ${s.killswitch!.actor}: ${s.killswitch!.reason}\n`;
          else if (s.action === 'deferred') out += `${head}: deferred: retry budget of the workflow used up for this hour\n`;
          else out += `${head}: would ${s.action === 'verify' ? 'check the run' : `run attempt ${s.attempt}/${s.max_attempts}`}: ${s.command.map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`;
        }
        out += steps.length ? `dry run: ${steps.length} due; nothing was changed\n` : 'dry run: nothing due\n';
        const { writeLong } = await import('../../src/cli/actions-output');
        writeLong(ctx.io, `ops retry replay --dry-run: ${steps.length} due`, out);
      }
      return steps.some((s) => s.action === 'held') ? Exit.blocked : Exit.ok;
    }

    const { replayDue } = await import('../../src/cli/replay-due');
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      ctx.io.stderr.write('ops: retry replay: interrupted: no new re-run starts; waiting for the running ones to finish\n');
    };
    process.once('SIGINT', onSigint);
    let outcome;
    try {
      outcome = await replayDue(ctx, db, { max, concurrency, stopped: () => interrupted });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const { report, problem } = outcome;
    // A final failure is an incident: its audit ticket is written by the tickets consumer,
    // which afterWrite runs below, before this command exits.
    const done = report;
    await replayStepSummary(ctx, (s) => s.replaySummary(done));
    if (ctx.io.env.GITHUB_ACTIONS === 'true' && !ctx.json) {
      // On the run's page: each entry that failed for good, and what the killswitch held.
      const { annotate } = await import('../../src/cli/actions-output');
      for (const r of report.results.filter((x) => x.result === 'failed')) {
        annotate(ctx.io, 'error', `#${r.id} run ${r.run_id} (${r.workflow}) failed for good after attempt ${r.attempt}/${r.max_attempts}${r.class ? ` (${r.class})` : ''}${r.action ? `: ${r.action}` : ''}`, { title: 'ops retry replay' });
      }
      if (report.held.length) annotate(ctx.io, 'warning', `${report.held.length} retr${report.held.length === 1 ? 'y' : 'ies'} held by the killswitch: #${report.held.map((h) => h.id).join(', #')}`, { title: 'ops retry replay' });
    }
    if (ctx.json) printJson(ctx.io, report);
    else {
      const { describeReplay } = await import('../../src/retry/format');
      const { style } = await import('../../src/cli/style');
      const { writeLong } = await import('../../src/cli/actions-output');
      writeLong(ctx.io, `ops retry replay: ${report.handled} entr${report.handled === 1 ? 'y' : 'ies'}, ${report.held.length} held`, describeReplay(report, style(ctx.io.color), ctx.now));
    }
    if (problem) ctx.io.stderr.write(`ops: warning: ${problem}\n`);
    const { afterWrite } = await import('../../src/consumers/after-write');
    await afterWrite(ctx, db);
    if (report.aborted) throw new OpsError(Exit.failed, 'retry replay', report.aborted);
    if (interrupted) return Exit.interrupted;
    return report.held.length ? Exit.blocked : Exit.ok;
  },
});

/** The job summary's section, inside GitHub Actions (a no-op elsewhere). */
async function replayStepSummary(ctx: Context, md: (s: typeof import('../../src/cli/step-summaries')) => string): Promise<void> {
  if (!ctx.io.env.GITHUB_STEP_SUMMARY) return;
  const { appendStepSummary } = await import('../../src/cli/actions-output');
  appendStepSummary(ctx.io, md(await import('../../src/cli/step-summaries')));
}
