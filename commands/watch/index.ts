import type { CommandGroup } from '../../src/cli/command';
import { Exit, OpsError } from '../../src/cli/errors';
import status from './status';

export const watch: CommandGroup = {
  command: 'watch',
  describe: 'Run the jobs of .ops/schedule.json (sync, detect, replay, deliver, expiry, report, consumers) until stopped; one watcher per workspace',
  commands: [status],
  builder: (y) =>
    y
      .options({
        once: { type: 'boolean', describe: 'Run every enabled job once and exit (a cron line, a scheduled workflow)' },
        standby: { type: 'boolean', describe: 'When another watcher holds the lease, wait and take over once its heartbeat is older than leaseSeconds (instead of exit 5)' },
      })
      .example('$0 watch', 'until SIGTERM / Ctrl-C: one log line per job run on stderr')
      .example('$0 watch --once', 'every job once, then exit')
      .example('$0 watch --json', 'NDJSON log on stdout'),
  async run(args, ctx) {
    const { startWatch } = await import('../../src/watch/runner');
    const { logLine } = await import('../../src/watch/format');
    const { annotate } = await import('../../src/cli/actions-output');
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      // A second signal: stop waiting for the running step (its leases expire; nothing is torn).
      if (++signals > 1) process.exit(sig === 'SIGINT' ? Exit.interrupted : Exit.failed);
      controller.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      const result = await startWatch({
        workspace: ctx.workspace,
        ledgerPath: ctx.ledgerPath,
        reportsDir: args.reportsDir,
        cwd: ctx.io.cwd,
        env: ctx.io.env,
        signal: controller.signal,
        once: Boolean(args.once),
        standby: Boolean(args.standby),
        actor: args.actor,
        log: (e) => {
          if (ctx.json) ctx.io.stdout.write(JSON.stringify(e) + '\n');
          else ctx.io.stderr.write(logLine(e) + '\n');
          // In a scheduled workflow (ops watch --once): a failed job on the run's page.
          if (e.type === 'job' && (e.outcome === 'failed' || e.outcome === 'timeout')) annotate(ctx.io, 'error', `${e.job}: ${e.error}`, { title: 'ops watch' }, ctx.json);
        },
      });
      // A step abandoned at the stop bound may still hold a child process: do not wait for it.
      if (result.abandoned.length) setTimeout(() => process.exit(process.exitCode ?? 0), 100).unref();
      if (result.reason === 'lease_lost') throw new OpsError(Exit.busy, 'watch', 'the lease was taken over by another watcher while this one stalled (a sleep, a stop): stopped');
      if (result.reason === 'once' && result.failed.length) return Exit.failed;
      return Exit.ok;
    } finally {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    }
  },
};
