import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';

export default defineCommand({
  command: 'guard',
  describe: 'CI guard, the first step of a workflow: exit 0 to proceed, 3 when the killswitch is engaged, 4 when a guard rule is violated',
  builder: (y) =>
    y
      .option('workflow', { type: 'string', describe: 'The workflow about to run (default: GITHUB_WORKFLOW)' })
      .example('- run: ops guard   # first step of a job (ops installed before it: see README); fails it while the killswitch is engaged', ''),
  async run(args, ctx) {
    const workflow = (args.workflow as string | undefined) || ctx.io.env.GITHUB_WORKFLOW || undefined;
    const { evaluateGuard } = await import('../src/guard/guard');
    const verdict = await evaluateGuard(ctx.ledgerPath, {
      workflow,
      now: ctx.now,
      nowIso: ctx.nowIso,
      retryPolicy: () => ctx.config('retry-policy.json'),
    });
    if (ctx.json) printJson(ctx.io, { ok: verdict.ok, reasons: verdict.reasons });
    else if (verdict.ok) ctx.io.stdout.write(`ok: runs may proceed${workflow ? ` (workflow ${JSON.stringify(workflow)})` : ''}\n`);
    if (!verdict.ok) {
      // GitHub Actions reads workflow commands from stdout: the reason shows on the run's page.
      if (ctx.io.env.GITHUB_ACTIONS === 'true' && !ctx.json) {
        for (const r of verdict.reasons) ctx.io.stdout.write(`::error title=ops guard::${escapeAnnotation(r)}\n`);
      }
      ctx.io.stderr.write(`ops: guard: ${verdict.code === 3 ? 'blocked' : 'refused'}: ${verdict.reasons.join('; ')}\n`);
    }
    return verdict.code;
  },
});

/** Workflow-command data escaping (actions/toolkit): %, CR and LF. */
const escapeAnnotation = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
