import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';
import { annotate } from '../src/cli/actions-output';
import { warn } from '../src/cli/warn';
import { Exit, OpsError } from '../src/cli/errors';

export default defineCommand({
  command: 'guard',
  // A bare runner (no workspace) is answered too: "nothing to check", said out loud.
  needsWorkspace: false,
  catchUp: false,
  describe: 'CI guard, the first step of a workflow: exit 0 to proceed, 3 when the killswitch is engaged, 4 when a guard rule is violated',
  builder: (y) =>
    y
      .option('workflow', { type: 'string', describe: 'The workflow about to run (default: GITHUB_WORKFLOW)' })
      .option('server', { type: 'string', describe: "Read the killswitch from this ops serve (default: OPS_SERVER) with the API key in OPS_TOKEN, instead of a ledger; unreachable, refused or slow blocks (exit 3)" })
      .option('server-timeout', { type: 'number', describe: 'Seconds to wait for --server before blocking', default: 5 })
      .example('- run: ops guard   # first step of a job (ops installed before it: see README); fails it while the killswitch is engaged', ''),
  async run(args, ctx) {
    // A broken config never decides a run: the killswitch verdict stands, and a rule that
    // reads an invalid file uses the built-in default for it. The problems are warnings.
    ctx.degradeConfig();
    const workflow = (args.workflow as string | undefined) || ctx.io.env.GITHUB_WORKFLOW || undefined;
    const serverUrl = (args.server as string | undefined) || ctx.io.env.OPS_SERVER || undefined;
    const timeout = args['server-timeout'] as number;
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) throw new OpsError(Exit.usage, '--server-timeout', `expected seconds between 0 and 600, got ${JSON.stringify(args['server-timeout'])}`);
    const server = serverUrl ? { url: serverUrl, token: ctx.io.env.OPS_TOKEN || undefined, timeoutMs: Math.round(timeout * 1000) } : undefined;
    const { guardEverywhere } = await import('../src/guard/guard');
    const verdict = await guardEverywhere(
      ctx.ledgerPath,
      {
        workflow,
        now: ctx.now,
        nowIso: ctx.nowIso,
        retryPolicy: () => ctx.config('retry-policy.json'),
      },
      { env: ctx.io.env, workspace: ctx.workspace, server },
    );
    const warnings: string[] = [];
    if (verdict.sources.length === 0) {
      const gh = verdict.problems.length ? `; ${verdict.problems.join('; ')}` : '';
      warnings.push(
        `no killswitch source found (no ledger at ${ctx.ledgerPath}; OPS_KILLSWITCH empty or not set${gh}): nothing was checked; run ops init in the workspace, or point --workspace or OPS_LEDGER at the workspace's ledger, or pass OPS_KILLSWITCH: \${{ vars.OPS_KILLSWITCH }} in the step's env`,
      );
    }
    const { quickConfigProblems } = await import('../src/config/quick-check');
    const { problemText } = await import('../src/config/problem');
    for (const p of await quickConfigProblems(ctx.workspace)) warnings.push(`config: ${problemText(p)} (does not change the guard's verdict; ops config check)`);

    if (ctx.json) printJson(ctx.io, { ok: verdict.ok, reasons: verdict.reasons, source: verdict.source, sources: verdict.sources, warnings });
    else if (verdict.ok) {
      const which = workflow ? ` (workflow ${JSON.stringify(workflow)})` : '';
      ctx.io.stdout.write(verdict.source === null ? `unchecked: no killswitch source; runs may proceed${which}\n` : `ok: runs may proceed${which}\n`);
    }
    if (!verdict.ok) {
      // GitHub Actions reads workflow commands from stdout: the reason shows on the run's page.
      for (const r of verdict.reasons) annotate(ctx.io, 'error', r, { title: 'ops guard' }, ctx.json);
      ctx.io.stderr.write(`ops: guard: ${verdict.code === 3 ? 'blocked' : 'refused'}: ${verdict.reasons.join('; ')}\n`);
    }
    for (const w of warnings) warn(ctx.io, `guard: ${w}`, { json: ctx.json, title: 'ops guard' });
    if (ctx.io.env.GITHUB_STEP_SUMMARY) {
      const { appendStepSummary } = await import('../src/cli/actions-output');
      const { guardSummary } = await import('../src/cli/step-summaries');
      appendStepSummary(ctx.io, guardSummary(verdict, { workflow, warnings, workspace: ctx.workspace }));
    }
    return verdict.code;
  },
});
