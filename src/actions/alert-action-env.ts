import type { Context } from '../cli/context';
import { DETECT_ACTOR } from '../detect/alerts';
import type { Ledger } from '../ledger/open';
import type { AlertActionEnv } from './alert-actions';

/** What detection's actions need, from a command's (or the console's) context. */
export function contextActionEnv(ctx: Context, db: Ledger): AlertActionEnv {
  return {
    now: () => ctx.nowIso,
    idempotencyTtlSeconds: async () => (await ctx.config('config.json')).idempotencyTtlSeconds,
    rollback: async () => {
      const { rollbackSetup } = await import('./rollback');
      return rollbackSetup(ctx, db, DETECT_ACTOR);
    },
  };
}
