import { defineCommand } from '../../src/cli/command';
import { positiveInt } from '../../src/cli/parse';

const states = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;

export default defineCommand({
  command: 'list',
  aliases: ['ls'],
  describe: 'The retry queue: waiting and running entries first (soonest due first), then finished ones',
  builder: (y) =>
    y.options({
      state: { choices: states, describe: 'Only entries in this state' },
      run: { type: 'string', describe: 'Only entries of this run' },
      limit: { type: 'number', default: 50, requiresArg: true, describe: 'At most this many entries' },
    }),
  async run(args, ctx) {
    const limit = positiveInt('--limit', args.limit, 1_000_000);
    const { existsSync } = await import('node:fs');
    const { listEntries, countEntries, entryJson } = await import('../../src/retry/queue');
    const db = existsSync(ctx.ledgerPath) ? await ctx.ledger() : null;
    const filter = { state: args.state, runId: args.run };
    const entries = db ? listEntries(db, { ...filter, limit }) : [];
    const { printRows } = await import('../../src/cli/print-rows');
    const { entryColumns } = await import('../../src/retry/format');
    printRows(ctx, entries, { empty: args.state || args.run ? 'no retry entries match' : 'the retry queue is empty', columns: (s) => entryColumns(s, ctx.now), json: entryJson, limit: { limit, total: () => countEntries(db!, filter) } });
  },
});
