import { payloadOf } from '../events/describe';
import { prepared } from '../ledger/statements';
import type { Consumer } from './consumer';
import { appendLineOnce } from './log-line';

const EVENTS = new Set(['alert.open', 'alert.action', 'alert.resolve']);

type P = { id?: number; rule?: string; subject?: string; severity?: string; action?: string; summary?: string; result?: string; opened_at?: string };

/**
 * logs/detection_log_YYYYMMDD.log: an OPEN line per alert that opens, an ACTION line for what
 * detection did about it (killswitch engaged, rollback), a RESOLVE line when it clears — one
 * line per event, from its payload (an OPEN line's alert id from the alert it opened).
 */
export const detectionLogConsumer: Consumer = {
  name: 'detection-log',
  wants: (e) => EVENTS.has(e.event),
  handle(db, e, env) {
    if (e.payload === null) return;
    const p = payloadOf(e) as P;
    let line: string;
    if (e.event === 'alert.open') {
      const id = prepared(db, 'SELECT id FROM alerts WHERE open_audit = ?', true).get(e.seq) as number | undefined;
      if (id === undefined) return;
      line = `${e.ts} OPEN alert=${id} rule=${p.rule} subject=${JSON.stringify(p.subject)} severity=${p.severity} action=${p.action} ${p.summary}`;
    } else if (e.event === 'alert.action') {
      line = `${e.ts} ACTION alert=${p.id} rule=${p.rule} ${p.result}`;
    } else {
      line = `${e.ts} RESOLVE alert=${p.id} rule=${p.rule} subject=${JSON.stringify(p.subject)} open since ${p.opened_at}`;
    }
    appendLineOnce(db, env, 'detection', e.ts, line, e.seq);
  },
  problem: (m) => `detection log not written (${m}); the ledger has the alerts`,
};
