import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { maskedReason, positiveInt, requireReason } from '../../src/cli/parse';

export default defineCommand<{ id: number; reason?: string }>({
  command: 'cancel <id>',
  describe: 'Cancel a waiting or running retry (a re-run already under way finishes; nothing follows it)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', describe: 'The entry id (ops retry list)' })
      .options({ reason: { type: 'string', describe: 'Why (required): recorded with your name in the audit log' } }) as never,
  async run(args, ctx) {
    const id = positiveInt('ID', args.id);
    const reason = await maskedReason(requireReason(args.reason), ctx.io.env);
    const { cancelEntry, entryJson } = await import('../../src/retry/queue');
    const db = await ctx.ledger();
    const outcome = db.transaction(() => cancelEntry(db, id, reason, ctx.nowIso, { name: ctx.actor, role: ctx.role })).immediate();
    if (!outcome) throw usageError(`retry ${id}`, 'no such entry (see ops retry list)');
    const e = outcome.entry;
    if (outcome.action === 'finished' && e.state !== 'cancelled') {
      ctx.io.stderr.write(`ops: retry ${id}: already ${e.state}; nothing to cancel\n`);
      return Exit.usage;
    }
    if (ctx.json) printJson(ctx.io, { action: outcome.action, entry: entryJson(e), audit_seq: outcome.audit_seq });
    else ctx.io.stdout.write(outcome.action === 'cancelled' ? `cancelled retry #${id} of run ${e.run_id} (${e.workflow}) after ${e.attempt} of ${e.max_attempts} attempts: ${reason}\n` : `retry #${id} was already cancelled; nothing changed\n`);
    if (outcome.audit_seq !== null) {
      // Its CANCEL line (retry-log) and the date's AUTO_RETRY_MANIFEST.json (summaries) before the command exits.
      const { runConsumersFor } = await import('../../src/consumers');
      for (const p of await runConsumersFor(ctx, db)) ctx.io.stderr.write(`ops: warning: ${p}\n`);
    }
  },
});
