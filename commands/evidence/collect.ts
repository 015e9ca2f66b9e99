import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { parseDuration, positiveInt } from '../../src/cli/parse';
import { runConclusions } from '../../src/runs/types';

export default defineCommand({
  command: 'collect',
  describe: "Collect a CI job's evidence: the run (from GITHUB_*, --run-json or flags), its logs and artifacts sanitized into the JST date folder",
  builder: (y) =>
    y
      .options({
        logs: { type: 'string', array: true, default: [], describe: 'Glob of log files to collect (repeatable), relative to --source' },
        artifact: { type: 'string', array: true, default: [], describe: 'Glob of artifact files to collect (repeatable), relative to --source' },
        source: { type: 'string', describe: 'Folder the globs are matched in (default: the current directory); nothing outside it is read' },
        'run-json': { type: 'string', describe: 'The run as gh prints it (gh run view --json …) instead of GITHUB_* variables' },
        'run-id': { type: 'string', describe: 'Run id (default: GITHUB_RUN_ID)' },
        attempt: { type: 'number', describe: 'Run attempt (default: GITHUB_RUN_ATTEMPT, else 1)' },
        workflow: { type: 'string', describe: 'Workflow name (default: GITHUB_WORKFLOW)' },
        repo: { type: 'string', describe: 'OWNER/NAME (default: GITHUB_REPOSITORY)' },
        conclusion: { choices: runConclusions, describe: 'How the run ended (e.g. ${{ job.status }}); omitted: still in progress' },
        'lock-timeout': { type: 'string', default: '30s', describe: 'How long to wait for another collect on this workspace before exit 5' },
      })
      .example("$0 evidence collect --logs 'logs/*.log' --artifact 'dist/**' --conclusion failure", ''),
  async run(args, ctx) {
    const lockMs = parseDuration(String(args['lock-timeout']));
    if (lockMs === null) throw usageError('--lock-timeout', `expected a duration such as 30s or 2m, got ${JSON.stringify(args['lock-timeout'])}`);
    const { resolve } = await import('node:path');
    const { runFromGithubEnv, completeRun } = await import('../../src/evidence/run-meta');
    const parts = { ...runFromGithubEnv(ctx.io.env) };
    if (args['run-json'] !== undefined) {
      const { readFileSync } = await import('node:fs');
      const { mapRunRecord } = await import('../../src/runs/gh');
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(resolve(ctx.io.cwd, String(args['run-json'])), 'utf8'));
      } catch (err) {
        throw usageError(String(args['run-json']), `cannot read the run: ${(err as Error).message}`);
      }
      const mapped = mapRunRecord(value, { repo: args.repo as string | undefined });
      if (!mapped.ok) throw usageError(String(args['run-json']), `${mapped.field}: ${mapped.problem}`);
      Object.assign(parts, mapped.run);
    }
    if (args['run-id'] !== undefined) parts.run_id = String(args['run-id']);
    if (args.attempt !== undefined) parts.attempt = positiveInt('--attempt', args.attempt, 1000);
    if (args.workflow !== undefined) parts.workflow = String(args.workflow);
    if (args.repo !== undefined) parts.repository = String(args.repo);
    if (parts.run_id !== undefined && !/^[1-9]\d*$/.test(parts.run_id)) throw usageError('--run-id', `expected a numeric run id, got ${JSON.stringify(parts.run_id)}`);
    if (parts.repository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(parts.repository)) throw usageError('--repo', `expected OWNER/NAME, got ${JSON.stringify(parts.repository)}`);
    const complete = completeRun(parts, args.conclusion as (typeof runConclusions)[number] | undefined);
    if (!complete.ok) throw usageError('evidence collect', `which run? missing ${complete.missing}`);
    const logs = (args.logs as string[]).filter(Boolean);
    const artifacts = (args.artifact as string[]).filter(Boolean);
    for (const [flag, patterns] of [['--logs', logs], ['--artifact', artifacts]] as const) {
      for (const p of patterns) {
        if (p.startsWith('/') || p.split(/[\\/]/).includes('..')) throw usageError(flag, `${JSON.stringify(p)} reaches outside the source folder (absolute or ..): refused`);
      }
    }

    const { withWorkspaceLock } = await import('../../src/evidence/atomic');
    const { collectEvidence } = await import('../../src/actions/collect');
    const { sanitizingCopier } = await import('../../src/evidence/sanitizing-copier');
    const copier = sanitizingCopier(await ctx.config('mask-rules.json'), ctx.io.env);
    const reportsDir = await ctx.reportsDir();
    const timeZone = await ctx.timezone();
    const ttl = (await ctx.config('config.json')).idempotencyTtlSeconds;
    const result = await withWorkspaceLock(ctx.workspace, lockMs, async () =>
      collectEvidence({
        db: await ctx.ledger({ create: true }),
        run: complete.run,
        sourceRoot: resolve(ctx.io.cwd, (args.source as string | undefined) ?? '.'),
        logs,
        artifacts,
        reportsDir,
        timeZone,
        nowIso: ctx.nowIso,
        actor: { name: ctx.actor, role: ctx.role },
        copier,
        idempotencyTtlSeconds: ttl,
        retryPolicy: await ctx.config('retry-policy.json'),
      }),
    );
    const failed = result.files.filter((f) => f.status !== 'collected');
    const { entryJson } = await import('../../src/retry/queue');
    if (ctx.json) printJson(ctx.io, { ...result, enqueued: result.enqueued && entryJson(result.enqueued.entry) });
    else {
      const collected = result.files.filter((f) => f.status === 'collected');
      const masked = collected.reduce((n, f) => n + f.masked.reduce((m, x) => m + x.count, 0), 0);
      ctx.io.stdout.write(
        `${result.unchanged ? 'unchanged' : 'collected'}: run ${result.run_id} attempt ${result.attempt} → ${result.folder}\n` +
          `  ${collected.length} file${collected.length === 1 ? '' : 's'} (${collected.filter((f) => f.written).length} written), ${masked} secret${masked === 1 ? '' : 's'} masked` +
          (result.classification ? `, failure: ${result.classification.class} (${result.classification.cause})` : '') +
          '\n' +
          (result.enqueued ? `  queued for retry: #${result.enqueued.entry.id}, up to ${result.enqueued.entry.max_attempts} attempts (ops retry replay runs it)\n` : ''),
      );
    }
    const { warn } = await import('../../src/cli/warn');
    const title = { json: ctx.json, title: 'ops evidence collect' };
    for (const p of result.unmatched) warn(ctx.io, `no file matches ${JSON.stringify(p)}`, title);
    for (const f of result.files) if (f.not_scanned) warn(ctx.io, `${f.name}: ${f.not_scanned} file, copied without secret scanning`, title);
    for (const f of failed) ctx.io.stderr.write(`ops: ${f.name}: ${f.error}\n`);
    const { inActions } = await import('../../src/cli/actions-output');
    if (inActions(ctx.io.env)) {
      const { collectActionsOutput } = await import('../../src/cli/collect-output');
      await collectActionsOutput(ctx, result, { sourceRoot: resolve(ctx.io.cwd, (args.source as string | undefined) ?? '.'), workflow: complete.run.workflow, repository: complete.run.repository });
    }
    const { afterWrite } = await import('../../src/consumers/after-write');
    await afterWrite(ctx, await ctx.ledger());
    // Something was not collected (unreadable, or a link out of the source folder): exit 1.
    return failed.length ? Exit.failed : Exit.ok;
  },
});
