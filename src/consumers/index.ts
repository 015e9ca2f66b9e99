import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { ConsumerEnv } from './consumer';
import { runConsumers } from './run';

export { consumers, runConsumers, runConsumersNow, consume } from './run';
export type { Consumer, ConsumerEnv } from './consumer';

/**
 * A consumer environment from a command's context: the config is read once, a broken one is
 * the error of each consumer that needs it (file consumers: config.json; detection: its rules).
 */
export async function contextEnv(ctx: Context, db: Ledger, hooks: Pick<ConsumerEnv, 'onDetect' | 'onAction'> = {}): Promise<ConsumerEnv> {
  const settle = <T>(p: Promise<T>) => p.then((v) => () => v, (err: unknown) => (): T => {
    throw err;
  });
  const [reportsDir, timeZone, detection, killswitch, { contextActionEnv }] = await Promise.all([
    settle(ctx.reportsDir()),
    settle(ctx.timezone()),
    settle(ctx.config('detection-rules.json')),
    settle(ctx.config('killswitch-rules.json')),
    import('../actions/alert-action-env'),
  ]);
  return { reportsDir, timeZone, now: ctx.nowIso, rules: () => ({ detection: detection(), killswitch: killswitch() }), actions: contextActionEnv(ctx, db), ...hooks };
}

/**
 * What the process that made a change does right after its commit: every consumer runs, so a
 * CI shell sees the ticket and the log line before the command exits. Returns the warnings.
 */
export async function runConsumersFor(ctx: Context, db: Ledger, lockTimeoutMs = 30_000, hooks: Pick<ConsumerEnv, 'onDetect' | 'onAction'> = {}): Promise<string[]> {
  return runConsumers(db, await contextEnv(ctx, db, hooks), { workspace: ctx.workspace, lockTimeoutMs });
}
