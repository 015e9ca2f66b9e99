import { defineCommand } from '../../src/cli/command';

export default defineCommand<{ run?: string }>({
  command: 'list',
  aliases: ['ls'],
  describe: 'Audit tickets, oldest first: one per incident (final retry failure, killswitch engagement)',
  builder: (y) => y.options({ run: { type: 'string', describe: 'Only the tickets of this run' } }) as never,
  async run(args, ctx) {
    const { existsSync } = await import('node:fs');
    const { allTickets } = await import('../../src/tickets/write');
    const tickets = existsSync(ctx.ledgerPath) ? allTickets(await ctx.ledger(), await ctx.timezone(), args.run === undefined ? undefined : String(args.run)) : [];
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, tickets, {
      empty: 'no audit tickets: no incidents yet',
      columns: (s) => [
        { header: 'TICKET', value: (t) => t.ticket },
        { header: 'RISK', value: (t) => t.risk, paint: (c, t) => (t.risk === 'high' ? s.red(c) : t.risk === 'medium' ? s.yellow(c) : c) },
        { header: 'KIND', value: (t) => (t.kind === 'retry_failure' ? 'retry failed' : t.kind) },
        { header: 'HTTP', value: (t) => (t.http_status === null ? '-' : String(t.http_status)), align: 'right' },
        { header: 'CLASS', value: (t) => t.class ?? '-' },
        { header: 'RUN', value: (t) => t.run?.run_id ?? '-' },
        { header: 'TITLE', value: (t) => t.title },
      ],
    });
  },
});
