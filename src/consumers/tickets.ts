import { writeTickets } from '../tickets/write';
import type { Consumer } from './consumer';

/** The incidents an audit ticket is written for (src/tickets/incidents). */
export const INCIDENTS = new Set(['retry.failed', 'killswitch.engage', 'rollback.complete', 'rollback.compensated', 'rollback.failed']);

/**
 * audit_tickets/: one ticket per incident, keyed by its event. Files are written only when
 * their bytes differ, so a redo after a kill changes nothing.
 */
export const ticketsConsumer: Consumer = {
  name: 'tickets',
  wants: (e) => INCIDENTS.has(e.event),
  workspaceLock: true,
  handle(db, e, env) {
    // The date's index is the summaries consumer's, which runs after this one.
    writeTickets(db, env.reportsDir(), env.timeZone(), { only: (t) => t.audit_seq === e.seq, skipIndex: true });
  },
  problem: (m) => `audit ticket not written (${m}); run ops audit ticket to write it`,
};
