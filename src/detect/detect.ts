import type { DetectionRules, KillswitchRules } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { latestSnapshotId } from '../rollback/snapshot';
import { toIso } from '../time/clock';
import { recordPendingActions } from './actions';
import { reconcile, type Alert } from './alerts';
import { gatherFacts } from './facts';
import { evaluate, type Finding } from './rules';

/**
 * Detection (SPEC §4): evaluates the rules at a given time, keeps the alerts in line, and
 * records the action of each alert that opens (once per alert, not on every evaluation
 * while it holds), all in one transaction. The actions are carried out after that commit
 * (src/actions/alert-actions). Run by the detection consumer at the time of the events it
 * reacts to, and by `ops detect` at the clock's. An operator who releases an automatic
 * killswitch while its alert is open is not overruled: the action runs again only when the
 * condition has cleared and returns.
 */

export interface ActedAlert extends Alert {
  /** What was done about it: engaged killswitch #3, rolled back, proposed …; null for a plain alert. */
  action_result: string | null;
}

export interface DetectReport {
  evaluated_at: string;
  findings: Finding[];
  opened: ActedAlert[];
  held: Alert[];
  resolved: Alert[];
  /** Problems writing the evidence of an action (log, ticket); the ledger has the change. */
  warnings: string[];
}

export interface Evaluation {
  evaluated_at: string;
  findings: Finding[];
  opened: (Alert & { scope: string })[];
  held: Alert[];
  resolved: Alert[];
}

/** The rules at `now` (epoch ms), the alerts reconciled and the new alerts' actions recorded: one IMMEDIATE transaction. */
export function evaluateAt(db: Ledger, now: number, rules: DetectionRules, ks: KillswitchRules): Evaluation {
  const nowIso = toIso(now);
  return db
    .transaction((): Evaluation => {
      const findings = evaluate(gatherFacts(db, now, rules, ks), rules, ks);
      const snapshot = latestSnapshotId(db) ?? null;
      const rollbackCmd = (f: Finding) => `ops rollback${snapshot === null ? '' : ` --to ${snapshot}`} --reason ${JSON.stringify(`${f.rule}: ${f.subject}`)}`;
      const r = reconcile(db, findings, nowIso, (f) => {
        switch (f.action) {
          case 'alert':
            return null;
          case 'propose_rollback':
            return snapshot === null ? 'Rollback proposed, but there is no snapshot to roll back to (ops snapshot create).' : `Rollback proposed: ${rollbackCmd(f)}`;
          case 'rollback':
            return snapshot === null ? 'Automatic rollback configured, but there is no snapshot to roll back to.' : `Rolling back to snapshot #${snapshot} automatically.`;
          case 'killswitch':
            return `Engaging the killswitch for ${f.scope === '*' ? 'all workflows' : f.scope} automatically.`;
        }
      });
      recordPendingActions(db, r.opened, nowIso);
      return { evaluated_at: nowIso, findings, ...r };
    })
    .immediate();
}
