import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { setActionResult, type Alert } from './alerts';

/**
 * What detection does about an alert (engage the killswitch, roll back), kept by alert id
 * (alert_actions). It is recorded pending in the transaction that opens the alert, and
 * carried out after that commit by src/actions/alert-actions: once, also after a kill -9
 * (a pending row is picked up by the next ops process; a done one is never done again).
 */

export type AlertAction = 'killswitch' | 'rollback';

export interface PendingAction {
  alert_id: number;
  action: AlertAction;
  scope: string;
  saga_id: number | null;
  created_at: string;
}

/** Records the actions of alerts that just opened. Inside the transaction that opened them. */
export function recordPendingActions(db: Ledger, opened: readonly (Alert & { scope: string })[], now: string): void {
  const insert = prepared(db, `INSERT OR IGNORE INTO alert_actions (alert_id, action, scope, state, created_at) VALUES (?, ?, ?, 'pending', ?)`);
  for (const a of opened) if (a.action === 'killswitch' || a.action === 'rollback') insert.run(a.id, a.action, a.scope, now);
}

/** The actions still to carry out, oldest first. */
export function pendingActions(db: Ledger): PendingAction[] {
  return prepared(db, `SELECT alert_id, action, scope, saga_id, created_at FROM alert_actions WHERE state = 'pending' ORDER BY alert_id`).all() as PendingAction[];
}

/** True when an action waits (one indexed read: every ops process asks). */
export function actionsPending(db: Ledger): boolean {
  return Boolean(prepared(db, `SELECT EXISTS (SELECT 1 FROM alert_actions WHERE state = 'pending')`, true).get());
}

/** The action's row as it is now (another process may have carried it out). */
export function actionOf(db: Ledger, alertId: number): (PendingAction & { state: 'pending' | 'done'; result: string | null }) | undefined {
  return prepared(db, 'SELECT * FROM alert_actions WHERE alert_id = ?').get(alertId) as (PendingAction & { state: 'pending' | 'done'; result: string | null }) | undefined;
}

/** Ties a rollback's saga to its alert. Inside the transaction that creates the saga. */
export function linkSaga(db: Ledger, alertId: number, sagaId: number): void {
  prepared(db, 'UPDATE alert_actions SET saga_id = ? WHERE alert_id = ?').run(sagaId, alertId);
}

/**
 * The action is done: its outcome on the alert, with the `alert.action` event (the detection
 * log's ACTION line), and the row done. Inside a transaction; false when it was done already.
 */
export function completeAction(db: Ledger, a: Pick<Alert, 'id' | 'rule' | 'subject'>, result: string, now: string): boolean {
  const done = prepared(db, `UPDATE alert_actions SET state = 'done', result = ?, done_at = ? WHERE alert_id = ? AND state = 'pending'`).run(result, now, a.id).changes;
  if (!done) return false;
  setActionResult(db, a, result, now);
  return true;
}
