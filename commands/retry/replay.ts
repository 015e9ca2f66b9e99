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

    const { hostname } = await import('node:os');
    const { randomBytes } = await import('node:crypto');
    const { replay } = await import('../../src/actions/replay');
    const { commandOutputMasker } = await import('../../src/retry/report');
    const { contextEnv, runConsumersNow } = await import('../../src/consumers');
    const env = await contextEnv(ctx, db);
    const pinned = Boolean(ctx.io.env.OPS_NOW);
    let logProblem: string | null = null;
    const storm = await stormWatch(ctx, db, pinned ? () => ctx.now : () => Date.now());
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      ctx.io.stderr.write('ops: retry replay: interrupted: no new re-run starts; waiting for the running ones to finish\n');
    };
    process.once('SIGINT', onSigint);
    let report;
    try {
      report = await replay({
        db,
        owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
        clock: pinned ? () => ctx.now : () => Date.now(),
        max,
        concurrency,
        policy,
        config,
        gh,
        env: ctx.io.env,
        mask: await commandOutputMasker(ctx),
        stopped: () => interrupted,
        onEvent: (ev) => {
          if (ev.attempt) storm.check();
          // As it happens: the step's line (the retry-log consumer, from its event), so someone
          // tailing the log sees a slow replay progress. A failure is the consumer's, retried later.
          logProblem ??= runConsumersNow(db, env, ['retry-log'])[0] ?? null;
        },
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
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
    if (logProblem) ctx.io.stderr.write(`ops: warning: ${logProblem}\n`);
    await storm.settled();
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

/**
 * A retry storm is stopped while it happens, not after: after each re-run a count over the
 * storm windows (one indexed query); once over a limit, the detection consumer runs at once
 * (it evaluates at the time of the re-runs' events, engages the killswitch after its commit),
 * and the re-runs not yet begun are held by it. This check stays in replay: stopping its own
 * re-runs is part of the replay's decision; what detection decides is the consumer's.
 */
async function stormWatch(ctx: Context, db: Ledger, clock: () => number) {
  const rules = await ctx.config('detection-rules.json');
  const ks = await ctx.config('killswitch-rules.json');
  const limits = [
    { window: rules.retryStorm.windowMinutes, max: rules.retryStorm.maxRetries },
    ...ks.rules.filter((r) => r.condition === 'runaway_retry' && (r.scope ?? '*') === '*').map((r) => ({ window: r.windowMinutes ?? 10, max: r.threshold ?? 0 })),
  ];
  const { retriesInWindow } = await import('../../src/detect/facts');
  // Loaded now, not when the storm is under way: every millisecond between the limit's
  // crossing and the engagement is a re-run that may begin.
  const detecting = rules.afterWrites ? Promise.all([import('../../src/consumers'), import('../../src/actions/alert-actions'), import('../../src/actions/killswitch')]).then(([c]) => c) : null;
  let running: Promise<unknown> | null = null;
  return {
    check() {
      if (!rules.afterWrites || running) return;
      const now = clock();
      if (!limits.some((l) => retriesInWindow(db, now, l.window) > l.max)) return;
      const notes: string[] = [];
      running = detecting!
        .then(({ runConsumers, contextEnv }) =>
          contextEnv(ctx, db, {
            onDetect: (e) => notes.push(...e.opened.filter((a) => a.action !== 'killswitch' && a.action !== 'rollback').map((a) => `alert: ${a.summary}`), ...e.resolved.map((a) => `alert resolved: ${a.summary}`)),
            onAction: (d) => notes.push(`alert: ${d.alert.summary} → ${d.result}`),
          }).then((env) => runConsumers(db, env, { workspace: ctx.workspace, lockTimeoutMs: 30_000, only: ['detection'] })),
        )
        .then(
          (problems) => {
            for (const n of notes) ctx.io.stderr.write(`ops: ${n}\n`);
            for (const p of problems) ctx.io.stderr.write(`ops: warning: ${p}\n`);
          },
          (err) => ctx.io.stderr.write(`ops: warning: detection not run (${(err as Error).message}); run ops detect\n`),
        );
    },
    settled: () => running ?? Promise.resolve(),
  };
}
