import { defineCommand } from '../../src/cli/command';
import { positiveInt } from '../../src/cli/parse';

export default defineCommand({
  command: 'list',
  aliases: ['ls'],
  describe: 'Notifications, newest first, with each channel delivery: state, attempts, next attempt, last error',
  builder: (y) =>
    y.options({
      state: { choices: ['pending', 'delivered', 'failed'] as const, describe: 'Only notifications with a delivery in this state' },
      limit: { type: 'number', default: 50, requiresArg: true, describe: 'At most this many notifications' },
    }),
  async run(args, ctx) {
    const limit = positiveInt('--limit', args.limit, 1_000_000);
    const { existsSync } = await import('node:fs');
    const { listNotifications, countNotifications } = await import('../../src/notify/outbox');
    const db = existsSync(ctx.ledgerPath) ? await ctx.ledger() : null;
    const rows = db ? listNotifications(db, { limit, state: args.state }) : [];
    const cut = { limit, total: () => countNotifications(db!, args.state) };
    const { printRows } = await import('../../src/cli/print-rows');
    const { deliveryRows, deliveryColumns } = await import('../../src/notify/format');
    if (ctx.json) return printRows(ctx, rows, { empty: '', columns: () => [], limit: cut });
    printRows(ctx, deliveryRows(rows), { empty: args.state ? `no ${args.state} notifications` : 'no notifications yet', columns: (s) => deliveryColumns(s, ctx.now) });
    const { cutNotice } = await import('../../src/cli/print-rows');
    if (rows.length) cutNotice(ctx.io, rows.length, limit, cut.total);
  },
});
