import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { maskedReason } from '../../src/cli/parse';

export default defineCommand<{ run_id: string; reason?: string }>({
  command: 'enqueue <run_id>',
  describe: 'Queue a retry of a failed run by hand (even of a class the policy does not retry)',
  builder: (y) =>
    y
      .positional('run_id', { type: 'string', describe: 'The run to retry (its latest attempt)' })
      .options({ reason: { type: 'string', describe: 'Why: recorded with your name in the audit log' } })
      .example('$0 retry enqueue 19023847561 --reason "flaky runner, re-run it"', '') as never,
  async run(args, ctx) {
    const runId = String(args.run_id);
    if (!/^[1-9]\d*$/.test(runId)) throw usageError('RUN_ID', `expected a numeric run id, got ${JSON.stringify(runId)}`);
    const typed = args.reason === undefined ? null : String(args.reason).trim() || null;
    const reason = typed === null ? null : await maskedReason(typed, ctx.io.env);
    const { runAttempts } = await import('../../src/runs/store');
    const { enqueue, UNCLASSIFIED } = await import('../../src/retry/queue');
    const { tuningFor } = await import('../../src/retry/policy');
    const db = await ctx.ledger();
    const latest = runAttempts(db, runId).at(-1);
    if (!latest) throw usageError(`run ${runId}`, 'not in the ledger: import it (ops runs import) or collect it (ops evidence collect) first');
    if (latest.status !== 'completed') throw usageError(`run ${runId}`, `attempt ${latest.attempt} is ${latest.status}: nothing to retry until it finishes`);
    if (['success', 'skipped', 'neutral'].includes(latest.conclusion ?? '')) throw usageError(`run ${runId}`, `attempt ${latest.attempt} concluded ${latest.conclusion}: nothing to retry`);
    const tuning = tuningFor(await ctx.config('retry-policy.json'), latest.workflow);
    const outcome = db
      .transaction(() =>
        enqueue(db, {
          run: latest,
          classification: latest.classification ?? UNCLASSIFIED,
          origin: 'manual',
          reason: reason ?? `enqueued by hand by ${ctx.actor}`,
          maxAttempts: Math.max(1, tuning.maxRetries),
          now: ctx.nowIso,
          actor: { name: ctx.actor, role: ctx.role },
        }),
      )
      .immediate();
    const { entryJson } = await import('../../src/retry/queue');
    if (ctx.json) printJson(ctx.io, { action: outcome.action, entry: entryJson(outcome.entry), audit_seq: outcome.audit_seq });
    else {
      const { describeEnqueue } = await import('../../src/retry/format');
      ctx.io.stdout.write(describeEnqueue(outcome, ctx.now) + '\n');
    }
    if (outcome.audit_seq !== null) {
      // Its ENQUEUE line (retry-log) and the date's AUTO_RETRY_MANIFEST.json (summaries) before the command exits.
      const { runConsumersFor } = await import('../../src/consumers');
      for (const p of await runConsumersFor(ctx, db)) ctx.io.stderr.write(`ops: warning: ${p}\n`);
    }
  },
});
