import type { Context } from '../cli/context';
import { withWorkspaceLock } from '../evidence/atomic';
import type { Ledger } from '../ledger/open';
import type { Ticket } from './render';
import { writeTickets, type WrittenTicket } from './write';

/**
 * Tickets written as incidents happen (a replay's final failure, a killswitch engage).
 * The ledger already holds the incident, and `ops audit ticket` / `ops report` rewrite
 * the files, so a failure here is a warning, not the command's failure.
 */
export async function ticketNow(ctx: Context, db: Ledger, only: (t: Ticket) => boolean, lockTimeoutMs = 30_000): Promise<{ written: WrittenTicket[]; problem: string | null }> {
  try {
    const reportsDir = await ctx.reportsDir();
    const timeZone = await ctx.timezone();
    const written = await withWorkspaceLock(ctx.workspace, lockTimeoutMs, async () => writeTickets(db, reportsDir, timeZone, { only }));
    return { written, problem: null };
  } catch (err) {
    return { written: [], problem: `audit ticket not written (${(err as Error).message}); run ops audit ticket to write it` };
  }
}
