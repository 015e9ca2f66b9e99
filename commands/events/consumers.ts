import { defineCommand } from '../../src/cli/command';

export default defineCommand({
  command: 'consumers',
  describe: 'What reacts to events (notifications, killswitch log, audit tickets, the Postgres export when configured): each one’s cursor, lag and last error',
  async run(_args, ctx) {
    const { existsSync } = await import('node:fs');
    const { listConsumers } = await import('../../src/events/cursors');
    const rows: (ReturnType<typeof listConsumers>[number] & { runs_lag?: number })[] = existsSync(ctx.ledgerPath) ? listConsumers(await ctx.ledger()) : [];
    // The Postgres export reads the log too (its cursor lives in Postgres; the ledger mirrors it after each commit).
    if (rows.length) {
      const { postgresExportLag } = await import('../../src/export/postgres/state');
      const configured = await ctx.config('config.json').then((c) => c.export.postgres !== undefined, () => false);
      const l = postgresExportLag(await ctx.ledger(), configured);
      if (l) {
        rows.push({ name: 'export:postgres', cursor: l.events_seq, head: l.head, lag: l.events, runs_lag: l.runs, failures: l.last_error ? 1 : 0, last_error: l.last_error, last_error_at: l.last_error_at, updated_at: l.exported_at });
      }
    }
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, rows, {
      empty: 'no ledger yet: no events, no consumers',
      columns: (s) => [
        { header: 'CONSUMER', value: (c) => c.name },
        { header: 'CURSOR', value: (c) => String(c.cursor), align: 'right' },
        { header: 'LAG', value: (c) => String(c.lag) + (c.runs_lag ? ` (+${c.runs_lag} runs)` : ''), align: 'right', paint: (t, c) => (c.lag || c.runs_lag ? s.yellow(t) : t) },
        { header: 'FAILURES', value: (c) => String(c.failures), align: 'right' },
        { header: 'LAST ERROR', value: (c) => (c.last_error ? `${c.last_error_at} ${c.last_error}` : '-'), paint: (t, c) => (c.last_error ? s.red(t) : t) },
      ],
    });
  },
});
