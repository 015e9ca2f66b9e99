import { Exit, OpsError } from '../base/errors';
import type { Ledger } from '../ledger/open';
import { DETECT_ACTOR, getAlert, type Alert } from '../detect/alerts';
import { actionOf, completeAction, linkSaga, pendingActions, type PendingAction } from '../detect/actions';
import { failpoint } from '../testing/failpoint';
import { engage } from './killswitch';
import type { SagaRecord } from '../saga/runner';

/**
 * Detection's actions (SPEC §4), carried out after the commit that opened their alerts:
 * the killswitch engaged, or a rollback run under the workspace lock as a saga. Each is done
 * once per alert, whoever runs it and however often: the killswitch is engaged in the
 * transaction that records its outcome; a rollback's saga is tied to its alert when it is
 * created, so one cut short by a kill is resumed, not started again, and one that finished
 * has only its outcome recorded.
 */

export interface AlertActionEnv {
  /** The time recorded for what is done now. */
  now(): string;
  idempotencyTtlSeconds(): Promise<number>;
  /** The rollback the CLI runs (src/actions/rollback), acting as ops-detect. */
  rollback(): Promise<{ start(to: number | null, reason: string, once?: { sagaFor(): number | null; link(sagaId: number): void }): Promise<SagaRecord> }>;
}

export interface ActionDone {
  alert: Alert;
  result: string;
}

/** Carries out every pending action; returns what this call did. A failing one is recorded as its outcome. */
export async function runAlertActions(db: Ledger, env: AlertActionEnv): Promise<ActionDone[]> {
  const done: ActionDone[] = [];
  for (const p of pendingActions(db)) {
    const alert = getAlert(db, p.alert_id);
    if (!alert) continue;
    failpoint('alert-action.before');
    const result = p.action === 'killswitch' ? await engageFor(db, p, alert, env) : await rollbackFor(db, p, alert, env);
    if (result !== null) done.push({ alert: { ...alert, action_result: result }, result });
  }
  return done;
}

const scopeText = (scope: string) => (scope === '*' ? 'all workflows' : scope);

/** Engages and records the outcome in one transaction: there is no moment between the two for a kill. */
async function engageFor(db: Ledger, p: PendingAction, a: Alert, env: AlertActionEnv): Promise<string | null> {
  const ttl = await env.idempotencyTtlSeconds();
  return db
    .transaction((): string | null => {
      if (actionOf(db, a.id)?.state !== 'pending') return null;
      const now = env.now();
      const o = engage(db, { scope: p.scope, reason: `ops detect: ${a.summary}`, now, actor: DETECT_ACTOR, idempotencyKey: `alert:${a.id}`, idempotencyTtlSeconds: ttl });
      // An operator who engaged it first is not overridden; the engagement's log line and ticket are consumers'.
      const result =
        o.action === 'engaged' || o.replayed
          ? `engaged killswitch #${o.engagement!.id} for ${scopeText(p.scope)}${o.retries.held ? `; ${o.retries.held} queued retries held` : ''}`
          : `killswitch already engaged for ${scopeText(p.scope)} (#${o.engagement!.id} by ${o.engagement!.actor})`;
      completeAction(db, a, result, now);
      return result;
    })
    .immediate();
}

async function rollbackFor(db: Ledger, p: PendingAction, a: Alert, env: AlertActionEnv): Promise<string | null> {
  let result: string;
  try {
    const rb = await env.rollback();
    const saga = await rb.start(null, `ops detect: ${a.summary}`, {
      sagaFor: () => actionOf(db, a.id)?.saga_id ?? null,
      link: (id) => linkSaga(db, a.id, id),
    });
    result = saga.state === 'completed' ? `rolled back (rollback #${saga.id} to snapshot #${saga.subject})` : `rollback #${saga.id} ${saga.state}: ${saga.error}`;
  } catch (err) {
    // Another ops process holds the workspace: the next one tries again.
    if (err instanceof OpsError && err.code === Exit.busy) throw err;
    result = `rollback not started: ${(err as Error).message}`;
  }
  failpoint('alert-action.after-action');
  const recorded = db.transaction(() => completeAction(db, a, result, env.now())).immediate();
  return recorded ? result : null;
}
