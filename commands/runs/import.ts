import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'import <file>',
  describe: 'Import runs from gh JSON (gh run list/view --json): an array, one object or NDJSON; FILE or - for stdin',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'JSON file, or - to read stdin' })
      .option('repo', { type: 'string', describe: 'OWNER/NAME for records that do not carry it (gh run list has no repository field)' })
      .example('gh run list --limit 500 --json databaseId,attempt,workflowName,status,conclusion,event,headBranch,headSha,createdAt,startedAt,updatedAt,url | $0 runs import -', ''),
  async run(args, ctx) {
    if (args.repo !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(args.repo)) throw usageError('--repo', `expected OWNER/NAME, got ${JSON.stringify(args.repo)}`);
    const { openInput } = await import('../../src/cli/input');
    const { importRuns } = await import('../../src/actions/import-runs');
    const input = openInput(args.file, ctx.io);
    const db = await ctx.ledger({ create: true });
    const result = await importRuns(db, input.stream, {
      inputName: input.name,
      repo: args.repo,
      now: ctx.nowIso,
      actor: { name: ctx.actor, role: ctx.role },
      retryPolicy: await ctx.config('retry-policy.json'),
    });
    if (ctx.json) printJson(ctx.io, { input: input.name, ...result });
    else {
      ctx.io.stdout.write(
        `imported ${result.records} record${result.records === 1 ? '' : 's'} from ${input.name}: ` +
          `${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged` +
          (result.enqueued ? `; ${result.enqueued} failed run${result.enqueued === 1 ? '' : 's'} queued for retry` : '') +
          '\n',
      );
    }
    // The queued retries' ENQUEUE lines are the retry-log consumer's, run by afterWrite.
    const { afterWrite } = await import('../../src/consumers/after-write');
    await afterWrite(ctx, db);
  },
});
