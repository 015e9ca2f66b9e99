import { defineCommand } from '../../src/cli/command';

export default defineCommand({
  command: 'consumers',
  describe: 'What reacts to events (notifications, killswitch log, audit tickets): each one’s cursor, lag and last error',
  async run(_args, ctx) {
    const { existsSync } = await import('node:fs');
    const { listConsumers } = await import('../../src/events/cursors');
    const rows = existsSync(ctx.ledgerPath) ? listConsumers(await ctx.ledger()) : [];
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, rows, {
      empty: 'no ledger yet: no events, no consumers',
      columns: (s) => [
        { header: 'CONSUMER', value: (c) => c.name },
        { header: 'CURSOR', value: (c) => String(c.cursor), align: 'right' },
        { header: 'LAG', value: (c) => String(c.lag), align: 'right', paint: (t, c) => (c.lag ? s.yellow(t) : t) },
        { header: 'FAILURES', value: (c) => String(c.failures), align: 'right' },
        { header: 'LAST ERROR', value: (c) => (c.last_error ? `${c.last_error_at} ${c.last_error}` : '-'), paint: (t, c) => (c.last_error ? s.red(t) : t) },
      ],
    });
  },
});
