import { defineCommand } from '../../src/cli/command';
import { Exit } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { positiveInt } from '../../src/cli/parse';

export default defineCommand({
  command: 'deliver',
  describe: 'Send the notifications that are due (new ones, and failed ones whose retry time has come: +60 s, +300 s, +1800 s, then the fallback channel)',
  builder: (y) => y.options({ max: { type: 'number', default: 1000, describe: 'At most this many delivery attempts' } }),
  async run(args, ctx) {
    const limit = positiveInt('--max', args.max, 1_000_000);
    await ctx.config('config.json'); // a bad channel is exit 2 before anything is sent
    const { existsSync } = await import('node:fs');
    if (!existsSync(ctx.ledgerPath)) {
      if (ctx.json) printJson(ctx.io, { fanned_out: 0, attempts: [] });
      else ctx.io.stderr.write('nothing to deliver\n');
      return;
    }
    const db = await ctx.ledger();
    // Events not in the outbox yet (a process killed after its commit) are put there first.
    const { runConsumersFor } = await import('../../src/consumers');
    await runConsumersFor(ctx, db, 2_000);
    const { deliver } = await import('../../src/notify/with-context');
    const { formatAttempt } = await import('../../src/notify/format');
    const report = await deliver(ctx, db, limit);
    if (ctx.json) printJson(ctx.io, report);
    else if (!report.attempts.length) ctx.io.stderr.write('nothing due\n');
    else ctx.io.stdout.write(report.attempts.map((a) => formatAttempt(a) + '\n').join(''));
    // A notification that no channel, not even the last of its fallback chain, could carry.
    const lost = report.attempts.filter((a) => a.state === 'failed' && a.fallback === null);
    if (lost.length) {
      ctx.io.stderr.write(`ops: notify deliver: ${lost.length} notification${lost.length === 1 ? '' : 's'} could not be delivered on any channel (see ops notify list --state failed)\n`);
      return Exit.failed;
    }
  },
});
