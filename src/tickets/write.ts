import { join } from 'node:path';
import { writeFileIfChanged } from '../evidence/atomic';
import { writeDateSummaries } from '../evidence/summary';
import type { Ledger } from '../ledger/open';
import { listIncidents } from './incidents';
import { buildTickets, ticketJson, ticketMarkdown, type Ticket } from './render';

export interface WrittenTicket {
  ticket: Ticket;
  /** This call (re)wrote a file of it: false when both were already as they should be. */
  written: boolean;
}

/**
 * Writes the tickets of the incidents that pass `only` (all by default), atomically, and
 * refreshes each touched date's evidence index. Names are decided over every incident, so
 * writing one ticket names it as writing all of them would. Call under the workspace lock.
 * `skipIndex`: the caller rewrites the date's index itself afterwards.
 */
export function writeTickets(db: Ledger, reportsDir: string, timeZone: string, opts: { runId?: string; only?: (t: Ticket) => boolean; skipIndex?: boolean } = {}): WrittenTicket[] {
  const tickets = buildTickets(listIncidents(db), timeZone).filter((t) => (opts.runId === undefined || t.run?.run_id === opts.runId) && (opts.only?.(t) ?? true));
  const out = tickets.map((t) => {
    const a = writeFileIfChanged(join(reportsDir, t.json_path), ticketJson(t));
    const b = writeFileIfChanged(join(reportsDir, t.md_path), ticketMarkdown(t));
    return { ticket: t, written: a || b };
  });
  if (!opts.skipIndex) for (const date of new Set(out.filter((w) => w.written).map((w) => w.ticket.date))) writeDateSummaries(db, reportsDir, date, timeZone);
  return out;
}

/** Every ticket, without writing anything: `ops audit list`. */
export function allTickets(db: Ledger, timeZone: string, runId?: string): Ticket[] {
  return buildTickets(listIncidents(db), timeZone).filter((t) => runId === undefined || t.run?.run_id === runId);
}
