import type { Context } from '../cli/context';
import type { DetectReport } from '../detect/detect';
import { evaluateAt } from '../detect/detect';
import type { Ledger } from '../ledger/open';
import { contextActionEnv } from './alert-action-env';
import { runAlertActions } from './alert-actions';

/**
 * `ops detect`: the rules evaluated at the clock's time (or `now`), then the actions of the
 * alerts that opened (and of any left pending by a process that was killed), carried out
 * after that commit. Between writes, the detection consumer does the same at each event's time.
 */
export async function detect(ctx: Context, db: Ledger, now = ctx.now): Promise<DetectReport> {
  const [rules, ks] = await Promise.all([ctx.config('detection-rules.json'), ctx.config('killswitch-rules.json')]);
  const ev = evaluateAt(db, now, rules, ks);
  const done = new Map((await runAlertActions(db, contextActionEnv(ctx, db))).map((d) => [d.alert.id, d.result]));
  return {
    evaluated_at: ev.evaluated_at,
    findings: ev.findings,
    opened: ev.opened.map((a) => ({ ...a, action_result: done.get(a.id) ?? a.action_result })),
    held: ev.held,
    resolved: ev.resolved,
    warnings: [],
  };
}
