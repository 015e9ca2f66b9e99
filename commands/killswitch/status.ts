import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'status',
  describe: 'Is the killswitch engaged (for all workflows, or covering --scope)? Who, why, since when',
  builder: (y) => y.option('scope', { type: 'string', describe: 'The workflow to ask about (default: all workflows)' }),
  async run(args, ctx) {
    const { GLOBAL, covering, describeEngagement, statusJson } = await import('../../src/killswitch/state');
    const { activeEngagements } = await import('../../src/killswitch/store');
    const { observedLedger } = await import('../../src/killswitch/report');
    const scope = (args.scope as string | undefined) ?? GLOBAL;
    const db = await observedLedger(ctx);
    const engagements = db ? activeEngagements(db, ctx.nowIso) : [];
    const current = covering(engagements, scope === GLOBAL ? undefined : scope, ctx.nowIso);
    // The GitHub side (issue 21): what the engagements' sagas did, and any step still failed.
    let github: import('../../src/actions/killswitch-github').GithubSummary | null = null;
    if (db) {
      const { githubSummary } = await import('../../src/actions/killswitch-github');
      try {
        github = githubSummary(db, ctx.nowIso);
      } catch {
        github = null; // a ledger from before migration 14, opened read-only: nothing on GitHub yet
      }
    }
    if (ctx.json) return printJson(ctx.io, { ...statusJson(current, scope), active: engagements.map((e) => statusJson(e, e.scope)), ...(github ? { github } : {}) });
    const githubLine = async () => {
      if (!github) return;
      const { describeGithub } = await import('../../src/actions/killswitch-github');
      ctx.io.stdout.write(describeGithub(github) + '\n');
    };
    const { style } = await import('../../src/cli/style');
    const s = style(ctx.io.color);
    const engagedLine = (e: (typeof engagements)[number]) => s.red(s.bold('ENGAGED: ')) + describeEngagement(e) + '\n';
    if (current) ctx.io.stdout.write(engagedLine(current));
    else if (scope === GLOBAL && engagements.length) {
      // Not stopped everywhere, but stopped somewhere: "not engaged" would send an on-call
      // the wrong way. Each scoped engagement, and what is not stopped.
      for (const e of engagements) ctx.io.stdout.write(engagedLine(e));
      ctx.io.stdout.write(`other workflows are not stopped (no engagement for all workflows)\n`);
      return githubLine();
    } else ctx.io.stdout.write(s.green(`not engaged${scope === GLOBAL ? '' : ` for workflow ${JSON.stringify(scope)}`}`) + '\n');
    const others = engagements.filter((e) => e !== current);
    for (const e of others) ctx.io.stdout.write(`also: ${describeEngagement(e)}\n`);
    await githubLine();
  },
});
