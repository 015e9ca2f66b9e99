import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { positiveInt } from '../../src/cli/parse';

export default defineCommand<{ run_id?: string; limit: number }>({
  command: 'history [run_id]',
  describe: 'Every executed retry attempt (of one run, or the latest of all): outcome, exit code, HTTP status, class, duration, key',
  builder: (y) =>
    y
      .positional('run_id', { type: 'string', describe: 'Only this run' })
      .options({ limit: { type: 'number', default: 100, requiresArg: true, describe: 'At most this many attempts (the latest)' } }) as never,
  async run(args, ctx) {
    const limit = positiveInt('--limit', args.limit, 1_000_000);
    const runId = args.run_id === undefined ? undefined : String(args.run_id);
    if (runId !== undefined && !/^[1-9]\d*$/.test(runId)) throw usageError('RUN_ID', `expected a numeric run id, got ${JSON.stringify(runId)}`);
    const { existsSync } = await import('node:fs');
    const { retryHistory, countRetryAttempts } = await import('../../src/retry/queue');
    const db = existsSync(ctx.ledgerPath) ? await ctx.ledger() : null;
    const attempts = db ? retryHistory(db, { runId, limit }) : [];
    const { attemptJson } = await import('../../src/retry/evidence');
    const { attemptColumns } = await import('../../src/retry/format');
    const { printRows } = await import('../../src/cli/print-rows');
    printRows(ctx, attempts, {
      empty: runId ? `no retry attempts of run ${runId}` : 'no retry attempts yet',
      columns: attemptColumns,
      json: (a) => ({ id: a.id, entry_id: a.entry_id, run_id: a.run_id, workflow: a.workflow, ...attemptJson(a) }),
      limit: { limit, total: () => countRetryAttempts(db!, runId) },
    });
  },
});
