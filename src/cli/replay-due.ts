import type { Context } from './context';
import type { Ledger } from '../ledger/open';
import type { ReplayReport } from '../actions/replay';

export interface ReplayDueOptions {
  max: number;
  concurrency: number;
  /** Set to stop leasing new entries (SIGINT, SIGTERM): the running re-runs finish. */
  stopped: () => boolean;
}

/**
 * `ops retry replay` without its printing: the due entries through src/actions/replay, each
 * step's retry log line as it happens, the retry storm watched while it happens, then the
 * day's retry evidence. Shared by the command and `ops watch`'s replay job. The caller runs
 * the consumers (tickets of final failures) afterwards.
 */
export async function replayDue(ctx: Context, db: Ledger, o: ReplayDueOptions): Promise<{ report: ReplayReport; problem: string | null }> {
  const config = await ctx.config('config.json');
  const policy = await ctx.config('retry-policy.json');
  const { hostname } = await import('node:os');
  const { randomBytes } = await import('node:crypto');
  const { replay } = await import('../actions/replay');
  const { commandOutputMasker, writeRetryEvidence } = await import('../retry/report');
  const { appendRetryLog } = await import('../retry/evidence');
  const reportsDir = await ctx.reportsDir();
  const timeZone = await ctx.timezone();
  const pinned = Boolean(ctx.io.env.OPS_NOW);
  const clock = pinned ? () => ctx.now : () => Date.now();
  const events: Parameters<typeof appendRetryLog>[3][number][] = [];
  const storm = await stormWatch(ctx, db, clock);
  const report = await replay({
    db,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    clock,
    max: o.max,
    concurrency: o.concurrency,
    policy,
    config,
    gh: ctx.io.env.OPS_GH || config.gh,
    env: ctx.io.env,
    mask: await commandOutputMasker(ctx),
    stopped: o.stopped,
    onEvent: (ev) => {
      events.push(ev);
      if (ev.attempt) storm.check();
      // As it happens: someone tailing the log sees a slow replay progress.
      try {
        appendRetryLog(db, reportsDir, timeZone, [ev]);
      } catch {
        // reported once below, by writeRetryEvidence
      }
    },
  });
  const problem = await writeRetryEvidence(ctx, db, events, { alreadyLogged: true });
  await storm.settled();
  return { report, problem };
}

/**
 * A retry storm is stopped while it happens, not after: after each re-run a count over the
 * storm windows (one indexed query); once over a limit, detection runs, engages the
 * killswitch, and the re-runs not yet begun are held by it.
 */
async function stormWatch(ctx: Context, db: Ledger, clock: () => number) {
  const rules = await ctx.config('detection-rules.json');
  const ks = await ctx.config('killswitch-rules.json');
  const limits = [
    { window: rules.retryStorm.windowMinutes, max: rules.retryStorm.maxRetries },
    ...ks.rules.filter((r) => r.condition === 'runaway_retry' && (r.scope ?? '*') === '*').map((r) => ({ window: r.windowMinutes ?? 10, max: r.threshold ?? 0 })),
  ];
  const { retriesInWindow } = await import('../detect/facts');
  // Loaded now, not when the storm is under way: every millisecond between the limit's
  // crossing and the engagement is a re-run that may begin.
  const detecting = rules.afterWrites ? Promise.all([import('../detect/detect'), import('../actions/killswitch')]).then(([d]) => d) : null;
  let running: Promise<unknown> | null = null;
  return {
    check() {
      if (!rules.afterWrites || running) return;
      const now = clock();
      if (!limits.some((l) => retriesInWindow(db, now, l.window) > l.max)) return;
      running = detecting!
        .then(({ detect }) => detect(ctx, db, now))
        .then(
          async (r) => {
            const { detectNotes } = await import('../detect/format');
            for (const n of detectNotes(r)) ctx.io.stderr.write(`ops: ${n}\n`);
          },
          (err) => ctx.io.stderr.write(`ops: warning: detection not run (${(err as Error).message}); run ops detect\n`),
        );
    },
    settled: () => running ?? Promise.resolve(),
  };
}
