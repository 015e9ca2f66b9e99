import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'history',
  describe: 'Every engage and release, oldest first: who, when, why, scope, expiry',
  async run(_args, ctx) {
    const { killswitchHistory } = await import('../../src/killswitch/store');
    const { observedLedger } = await import('../../src/killswitch/report');
    const db = await observedLedger(ctx);
    const entries = db ? killswitchHistory(db) : [];
    if (ctx.json) return printJson(ctx.io, entries);
    if (!entries.length) {
      ctx.io.stderr.write('the killswitch has never been engaged\n');
      return;
    }
    const { renderTable } = await import('../../src/cli/table');
    const { style } = await import('../../src/cli/style');
    const s = style(ctx.io.color);
    ctx.io.stdout.write(
      renderTable(
        [
          { header: 'WHEN', value: (e) => e.at },
          { header: 'ACTION', value: (e) => e.action, paint: (cell, e) => (e.action === 'engage' ? s.red(cell) : s.green(cell)) },
          { header: 'SCOPE', value: (e) => (e.scope === '*' ? 'all' : e.scope) },
          { header: 'ACTOR', value: (e) => e.actor },
          { header: 'EXPIRES', value: (e) => (e.action === 'engage' ? (e.expires_at ?? '-') : '') },
          { header: 'REASON', value: (e) => e.reason },
        ],
        entries,
      ),
    );
  },
});
