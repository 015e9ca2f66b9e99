import { defineCommand } from '../../src/cli/command';

export default defineCommand({
  command: 'history',
  describe: 'Every engage and release, oldest first: who, when, why, scope, expiry',
  async run(_args, ctx) {
    const { killswitchHistory } = await import('../../src/killswitch/store');
    const { observedLedger } = await import('../../src/killswitch/report');
    const db = await observedLedger(ctx);
    const entries = db ? killswitchHistory(db) : [];
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, entries, {
      empty: 'the killswitch has never been engaged',
      columns: (s) => [
        { header: 'WHEN', value: (e) => e.at },
        { header: 'ACTION', value: (e) => e.action, paint: (cell, e) => (e.action === 'engage' ? s.red(cell) : s.green(cell)) },
        { header: 'SCOPE', value: (e) => (e.scope === '*' ? 'all' : e.scope) },
        { header: 'ACTOR', value: (e) => e.actor },
        { header: 'EXPIRES', value: (e) => (e.action === 'engage' ? (e.expires_at ?? '-') : '') },
        { header: 'REASON', value: (e) => e.reason },
      ],
    });
  },
});
