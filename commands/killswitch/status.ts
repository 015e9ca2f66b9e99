import { existsSync } from 'node:fs';
import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'status',
  describe: 'Is the killswitch engaged (for all workflows, or covering --scope)? Who, why, since when',
  builder: (y) => y.option('scope', { type: 'string', describe: 'The workflow to ask about (default: all workflows)' }),
  async run(args, ctx) {
    const { GLOBAL, covering, describeEngagement, isActive, statusJson } = await import('../../src/killswitch/state');
    const { sweepExpired, unreleased } = await import('../../src/killswitch/store');
    const scope = (args.scope as string | undefined) ?? GLOBAL;
    // No ledger yet: nothing was ever engaged.
    let engagements: ReturnType<typeof unreleased> = [];
    if (existsSync(ctx.ledgerPath)) {
      const db = await ctx.ledger();
      // Recording lapsed engagements is what "first observed" means (SPEC §1.3).
      db.transaction(() => sweepExpired(db, ctx.nowIso)).immediate();
      engagements = unreleased(db).filter((e) => isActive(e, ctx.nowIso));
    }
    const current = covering(engagements, scope === GLOBAL ? undefined : scope, ctx.nowIso);
    if (ctx.json) return printJson(ctx.io, { ...statusJson(current, scope), active: engagements.map((e) => statusJson(e, e.scope)) });
    const { style } = await import('../../src/cli/style');
    const s = style(ctx.io.color);
    if (current) ctx.io.stdout.write(s.red(s.bold('ENGAGED: ')) + describeEngagement(current) + '\n');
    else ctx.io.stdout.write(s.green(`not engaged${scope === GLOBAL ? '' : ` for workflow ${JSON.stringify(scope)}`}`) + '\n');
    const others = engagements.filter((e) => e !== current);
    for (const e of others) ctx.io.stdout.write(`also: ${describeEngagement(e)}\n`);
  },
});
