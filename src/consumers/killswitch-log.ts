import { killswitchLine } from '../killswitch/log-line';
import type { Engagement } from '../killswitch/state';
import { prepared } from '../ledger/statements';
import type { Consumer } from './consumer';
import { appendLineOnce } from './log-line';

const EVENTS = new Set(['killswitch.engage', 'killswitch.release', 'killswitch.expire']);

/**
 * logs/killswitch_log_YYYYMMDD.log: a line per engage, release and expiry. The line is
 * appended unless the file already has it (a run killed before its commit), and recorded in
 * the ledger keyed by the event, so `ops report` writes the file again from the ledger.
 */
export const killswitchLogConsumer: Consumer = {
  name: 'killswitch-log',
  wants: (e) => EVENTS.has(e.event),
  handle(db, e, env) {
    const col = e.event === 'killswitch.engage' ? 'engage_audit' : 'release_audit';
    const k = prepared(db, `SELECT * FROM killswitch_engagements WHERE ${col} = ?`).get(e.seq) as Engagement | undefined;
    if (!k) return;
    const [at, line] =
      e.event === 'killswitch.engage'
        ? [k.engaged_at, killswitchLine(k.engaged_at, 'ENGAGE', k, k.actor, e.role, e.seq, k.reason)]
        : e.event === 'killswitch.release'
          ? [k.released_at!, killswitchLine(k.released_at!, 'RELEASE', k, k.released_by!, e.role, e.seq, k.release_reason!)]
          : [k.released_at!, killswitchLine(k.released_at!, 'EXPIRE', k, 'ops', 'system', null, 'expired')];
    appendLineOnce(db, env, 'killswitch', at, line, e.seq);
  },
  problem: (m) => `killswitch log not written (${m}); the ledger and audit log have the change`,
};
