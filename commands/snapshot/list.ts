import { defineCommand } from '../../src/cli/command';

export default defineCommand({
  command: 'list',
  aliases: ['ls'],
  describe: 'Snapshots, oldest first',
  async run(_args, ctx) {
    const { existsSync } = await import('node:fs');
    const { listSnapshots } = await import('../../src/rollback/snapshot');
    const rows = existsSync(ctx.ledgerPath) ? listSnapshots(await ctx.ledger()) : [];
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, rows, {
      empty: 'no snapshots yet (ops snapshot create)',
      columns: () => [
        { header: 'ID', value: (r) => String(r.id), align: 'right' },
        { header: 'CREATED', value: (r) => r.created_at },
        { header: 'BY', value: (r) => r.actor },
        { header: 'FILES', value: (r) => String(r.files), align: 'right' },
        { header: 'BYTES', value: (r) => String(r.bytes), align: 'right' },
        { header: 'LABEL', value: (r) => r.label ?? '' },
      ],
    });
  },
});
