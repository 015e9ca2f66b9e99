import type { Context } from './context';
import type { Ledger } from '../ledger/open';
import type { ReplayReport } from '../actions/replay';

export interface ReplayDueOptions {
  max: number;
  concurrency: number;
  /** Set to stop leasing new entries (SIGINT, SIGTERM): the running re-runs finish. */
  stopped: () => boolean;
  /** Only this entry, now (an operator's request through the API). */
  only?: number;
  /** The lease owner (default: this host and process); the API names the key in it. */
  owner?: string;
}

/** A replayer's lease owner: host, process, an optional tag (who asked), a random suffix. */
export async function replayOwner(tag?: string): Promise<string> {
  const { hostname } = await import('node:os');
  const { randomBytes } = await import('node:crypto');
  return `${hostname()}:${process.pid}:${tag ? `${tag}:` : ''}${randomBytes(3).toString('hex')}`;
}

/**
 * `ops retry replay` without its printing: the due entries through src/actions/replay, each
 * step's retry log line as it happens (the retry-log consumer), the retry storm watched while
 * it happens. Shared by the command, `ops watch`'s replay job and the API's replay route. The caller runs
 * the consumers (tickets of final failures) afterwards.
 */
export async function replayDue(ctx: Context, db: Ledger, o: ReplayDueOptions): Promise<{ report: ReplayReport; problem: string | null }> {
  const config = await ctx.config('config.json');
  const policy = await ctx.config('retry-policy.json');
  const { replay } = await import('../actions/replay');
  const { commandOutputMasker } = await import('../retry/report');
  const { contextEnv, runConsumersNow } = await import('../consumers');
  const env = await contextEnv(ctx, db);
  const pinned = Boolean(ctx.io.env.OPS_NOW);
  const clock = pinned ? () => ctx.now : () => Date.now();
  let problem: string | null = null;
  const storm = await stormWatch(ctx, db, clock);
  const report = await replay({
    db,
    owner: o.owner ?? (await replayOwner()),
    clock,
    max: o.max,
    concurrency: o.concurrency,
    policy,
    config,
    gh: ctx.io.env.OPS_GH || config.gh,
    env: ctx.io.env,
    mask: await commandOutputMasker(ctx),
    stopped: o.stopped,
    only: o.only,
    onEvent: (ev) => {
      if (ev.attempt) storm.check();
      // As it happens: the step's line (the retry-log consumer, from its event), so someone
      // tailing the log sees a slow replay progress. A failure is the consumer's, retried later.
      problem ??= runConsumersNow(db, env, ['retry-log'])[0] ?? null;
    },
  });
  await storm.settled();
  return { report, problem };
}

/**
 * A retry storm is stopped while it happens, not after: after each re-run a count over the
 * storm windows (one indexed query); once over a limit, the detection consumer runs at once
 * (it evaluates at the time of the re-runs' events, engages the killswitch after its commit),
 * and the re-runs not yet begun are held by it. This check stays in replay: stopping its own
 * re-runs is part of the replay's decision; what detection decides is the consumer's.
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
  const detecting = rules.afterWrites ? Promise.all([import('../consumers'), import('../actions/alert-actions'), import('../actions/killswitch')]).then(([c]) => c) : null;
  let running: Promise<unknown> | null = null;
  return {
    check() {
      if (!rules.afterWrites || running) return;
      const now = clock();
      if (!limits.some((l) => retriesInWindow(db, now, l.window) > l.max)) return;
      const notes: string[] = [];
      running = detecting!
        .then(({ runConsumers, contextEnv }) =>
          contextEnv(ctx, db, {
            onDetect: (e) => notes.push(...e.opened.filter((a) => a.action !== 'killswitch' && a.action !== 'rollback').map((a) => `alert: ${a.summary}`), ...e.resolved.map((a) => `alert resolved: ${a.summary}`)),
            onAction: (d) => notes.push(`alert: ${d.alert.summary} → ${d.result}`),
          }).then((env) => runConsumers(db, env, { workspace: ctx.workspace, lockTimeoutMs: 30_000, only: ['detection'] })),
        )
        .then(
          (problems) => {
            for (const n of notes) ctx.io.stderr.write(`ops: ${n}\n`);
            for (const p of problems) ctx.io.stderr.write(`ops: warning: ${p}\n`);
          },
          (err) => ctx.io.stderr.write(`ops: warning: detection not run (${(err as Error).message}); run ops detect\n`),
        );
    },
    settled: () => running ?? Promise.resolve(),
  };
}
