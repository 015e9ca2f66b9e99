import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';

export default defineCommand({
  command: 'init',
  needsWorkspace: false,
  describe: 'Write the default .ops/ config files and an empty ledger (never overwrites)',
  async run(_args, ctx) {
    const { initWorkspace } = await import('../src/workspace/init');
    const files = initWorkspace(ctx.workspace, ctx.ledgerPath, ctx.nowIso);
    if (ctx.json) return printJson(ctx.io, { workspace: ctx.workspace, ledger: ctx.ledgerPath, files });
    for (const f of files) ctx.io.stdout.write(`${f.action === 'created' ? 'created' : 'kept   '}  ${f.path}\n`);
    ctx.io.stdout.write(`ledger   ${ctx.ledgerPath}\n`);
  },
});
