import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { latestSnapshotId } from '../rollback/snapshot';
import { toIso } from '../time/clock';
import { DETECT_ACTOR, reconcile, setActionResult, type Alert } from './alerts';
import { gatherFacts } from './facts';
import { evaluate, type Finding } from './rules';

/**
 * `ops detect` (SPEC §4), also run by import, collect and replay after they write:
 * evaluates the rules, keeps the alerts in line, and carries out the action of each alert
 * that opens (once per alert, not on every evaluation while it holds). An operator who
 * releases an automatic killswitch while its alert is open is not overruled: the action
 * runs again only when the condition has cleared and returns.
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

export async function detect(ctx: Context, db: Ledger, now = ctx.now): Promise<DetectReport> {
  const [rules, ks] = await Promise.all([ctx.config('detection-rules.json'), ctx.config('killswitch-rules.json')]);
  const nowIso = toIso(now);
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

  const report: DetectReport = { evaluated_at: nowIso, findings, opened: [], held: r.held, resolved: r.resolved, warnings: [] };
  // The detection log's OPEN, ACTION and RESOLVE lines are the detection-log consumer's, from
  // the alert.open, alert.action and alert.resolve events (run by whoever ran detection, after it).
  for (const a of r.opened) {
    const result = await act(ctx, db, a, now, report.warnings);
    if (result !== null) setActionResult(db, a, result, nowIso);
    report.opened.push({ ...a, action_result: result ?? a.action_result });
  }
  return report;
}

async function act(ctx: Context, db: Ledger, a: Alert & { scope: string }, now: number, warnings: string[]): Promise<string | null> {
  switch (a.action) {
    case 'alert':
    case 'propose_rollback':
      return null; // the alert and its notification are the action
    case 'killswitch': {
      const { engage } = await import('../actions/killswitch');
      const o = engage(db, {
        scope: a.scope,
        reason: `ops detect: ${a.summary}`,
        now: toIso(now),
        actor: DETECT_ACTOR,
        // One alert engages once, even if two detectors raced to act on it.
        idempotencyKey: `alert:${a.id}`,
        idempotencyTtlSeconds: (await ctx.config('config.json')).idempotencyTtlSeconds,
      });
      // Its log line and ticket are the consumers' (run by whoever ran detection, after it).
      if (o.action === 'engaged') {
        return `engaged killswitch #${o.engagement!.id} for ${a.scope === '*' ? 'all workflows' : a.scope}${o.retries.held ? `; ${o.retries.held} queued retries held` : ''}`;
      }
      return `killswitch already engaged for ${a.scope === '*' ? 'all workflows' : a.scope} (#${o.engagement!.id} by ${o.engagement!.actor})`;
    }
    case 'rollback': {
      const { rollbackSetup } = await import('../actions/rollback');
      try {
        const rb = await rollbackSetup(ctx, db, DETECT_ACTOR);
        const saga = await rb.start(null, `ops detect: ${a.summary}`);
        return saga.state === 'completed' ? `rolled back (rollback #${saga.id} to snapshot #${saga.subject})` : `rollback #${saga.id} ${saga.state}: ${saga.error}`;
      } catch (err) {
        return `rollback not started: ${(err as Error).message}`;
      }
    }
  }
}
