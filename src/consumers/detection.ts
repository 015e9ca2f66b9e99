import { runAlertActions } from '../actions/alert-actions';
import { actionsPending } from '../detect/actions';
import { evaluateAt } from '../detect/detect';
import type { AuditEvent } from '../events/log';
import type { Ledger } from '../ledger/open';
import type { Consumer, ConsumerEnv } from './consumer';

/**
 * The events that change what the rules see: runs written (import, sync, collect), ops's
 * re-runs and what the runs showed afterwards (the retry storm counts re-runs; a verified
 * re-run writes the run's new attempt).
 */
export const DETECTION_EVENTS = new Set([
  'runs.import',
  'runs.sync',
  'evidence.collect',
  'retry.attempt',
  'retry.rerun_failed',
  'retry.waiting',
  'retry.recovered',
  'retry.failed',
  'retry.lease_expired',
]);

/**
 * Evaluates the rules once per batch of such events, at the time of the batch's latest event
 * (not the clock's: a process catching up later decides the same), in the transaction that
 * advances the cursor: the alert.open and alert.resolve events and the new alerts' actions
 * commit with it. The actions (engage the killswitch, roll back) run after that commit, once
 * per alert (src/actions/alert-actions). detection-rules.json `afterWrites: false` leaves
 * detection to `ops detect`: the events are stepped over.
 */
function evaluateBatch(db: Ledger, events: readonly AuditEvent[], env: ConsumerEnv): void {
  if (!env.rules) throw new Error('no rules to evaluate with (run by a process without a workspace context)');
  const { detection, killswitch } = env.rules();
  if (!detection.afterWrites) return;
  const at = events.reduce((t, e) => Math.max(t, Date.parse(e.ts)), 0);
  // Not inside the optional call: without a listener its argument would not be evaluated at all.
  const evaluation = evaluateAt(db, at, detection, killswitch);
  env.onDetect?.(evaluation);
}

export const detectionConsumer: Consumer = {
  name: 'detection',
  wants: (e) => DETECTION_EVENTS.has(e.event),
  handle: (db, e, env) => evaluateBatch(db, [e], env),
  handleBatch: evaluateBatch,
  async afterCommit(db, env) {
    if (!env.actions || !actionsPending(db)) return;
    for (const d of await runAlertActions(db, env.actions)) env.onAction?.(d);
  },
  problem: (m) => `detection not run (${m}); run ops detect`,
};
