import { existsSync } from 'node:fs';
import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { style } from '../cli/style';
import { describeEngagement, scopeLabel } from './state';
import { sweepExpired, type KillswitchOutcome } from './store';

/** What a killswitch call did, in one line (two when it replays an earlier call). */
export function describeOutcome(o: KillswitchOutcome, color: boolean): string {
  const s = style(color);
  const e = o.engagement;
  const replay = o.replayed ? `\n(the same idempotency key was used before: this reports that call, audit event #${o.audit_seq}; nothing was done now)` : '';
  switch (o.action) {
    case 'engaged':
      return s.red(s.bold(`KILLSWITCH ENGAGED for ${scopeLabel(o.scope)}`)) + ` by ${e!.actor} at ${e!.engaged_at}${e!.expires_at ? `, expires ${e!.expires_at}` : ''}: ${e!.reason}` + stopped(o) + replay;
    case 'already_engaged':
      return `already engaged, nothing changed: ${describeEngagement(e!)}`;
    case 'released':
      return s.green(`killswitch released for ${scopeLabel(o.scope)}`) + ` by ${e!.released_by} at ${e!.released_at}: ${e!.release_reason}` + replay;
    case 'not_engaged':
      return `killswitch is not engaged for ${scopeLabel(o.scope)}; nothing changed`;
  }
}

/** What the engagement stops, when there is anything to stop. */
function stopped(o: KillswitchOutcome): string {
  const { held, running } = o.retries ?? { held: 0, running: 0 };
  if (!held && !running) return '';
  return `\n${held} queued retr${held === 1 ? 'y' : 'ies'} held${running ? `; ${running} re-run${running === 1 ? '' : 's'} already running will finish, none starts after this` : ''}`;
}

/**
 * The ledger for a killswitch read (status, history), with lapsed engagements recorded
 * first: that is what "recorded when first observed" means (SPEC §1.3). Null when there is
 * no ledger yet: nothing was ever engaged.
 */
export async function observedLedger(ctx: Context): Promise<Ledger | null> {
  if (!existsSync(ctx.ledgerPath)) return null;
  const db = await ctx.ledger();
  db.transaction(() => sweepExpired(db, ctx.nowIso)).immediate();
  return db;
}
