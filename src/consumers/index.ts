import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { ConsumerEnv } from './consumer';
import { runConsumers } from './run';

export { consumers, runConsumers, runConsumersNow, consume } from './run';
export type { Consumer, ConsumerEnv } from './consumer';

/** A consumer environment from a command's context: the config is read once, a broken one is each file consumer's error. */
export async function contextEnv(ctx: Context): Promise<ConsumerEnv> {
  const settle = <T>(p: Promise<T>) => p.then((v) => () => v, (err: unknown) => (): T => {
    throw err;
  });
  const [reportsDir, timeZone] = await Promise.all([settle(ctx.reportsDir()), settle(ctx.timezone())]);
  return { reportsDir, timeZone, now: ctx.nowIso };
}

/**
 * What the process that made a change does right after its commit: every consumer runs, so a
 * CI shell sees the ticket and the log line before the command exits. Returns the warnings.
 */
export async function runConsumersFor(ctx: Context, db: Ledger, lockTimeoutMs = 30_000): Promise<string[]> {
  return runConsumers(db, await contextEnv(ctx), { workspace: ctx.workspace, lockTimeoutMs });
}
