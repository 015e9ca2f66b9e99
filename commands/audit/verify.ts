import { defineCommand } from '../../src/cli/command';
import { Exit } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'verify',
  describe: 'Recompute the audit hash chain: exit 0 with the count, or 4 naming the first edited, deleted or reordered event',
  async run(_args, ctx) {
    const { verifyAudit } = await import('../../src/events/log');
    const result = verifyAudit(await ctx.ledger());
    if (ctx.json) printJson(ctx.io, result);
    if (result.ok) {
      if (!ctx.json) ctx.io.stdout.write(`audit log intact: ${result.events} event${result.events === 1 ? '' : 's'}, head ${result.head.slice(0, 12)}\n`);
      return Exit.ok;
    }
    ctx.io.stderr.write(`ops: audit event ${result.seq}: ${result.problem}\n`);
    return Exit.check;
  },
});
