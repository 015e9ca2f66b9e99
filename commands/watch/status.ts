import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'status',
  describe: "The watcher (alive, since, heartbeat) and each job's last run, duration, outcome and next run",
  async run(_args, ctx) {
    const { existsSync } = await import('node:fs');
    const { watchStatus } = await import('../../src/watch/state');
    const { describeWatch } = await import('../../src/watch/format');
    const status = existsSync(ctx.ledgerPath)
      ? watchStatus(await ctx.ledger(), ctx.now)
      : { state: 'never' as const, owner: null, started_at: null, heartbeat_at: null, heartbeat_age_s: null, lease_seconds: null, released_at: null, retries_due: 0, jobs: [] };
    if (ctx.json) printJson(ctx.io, status);
    else ctx.io.stdout.write(describeWatch(status));
  },
});
