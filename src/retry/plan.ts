import type { MainConfig, RetryPolicy } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { covering } from '../killswitch/state';
import { activeEngagements } from '../killswitch/store';
import { expandTemplate } from './command';
import { VIEW_FIELDS } from './execute';
import { getEntry, isoFloor, type RetryEntry } from './queue';

/**
 * `ops retry replay --dry-run`: what a replay would do now, read-only. The same choices
 * as the real one (killswitch, retry budget, verify before re-run), nothing leased.
 */

export interface PlannedStep {
  id: number;
  run_id: string;
  workflow: string;
  attempt: number;
  max_attempts: number;
  /** rerun: runs `command`; verify: looks at the run first; held: the killswitch; deferred: the retry budget. */
  action: 'rerun' | 'verify' | 'held' | 'deferred';
  command: string[];
  /** A lease found expired: the entry is taken back (and its run checked) first. */
  lease_expired: boolean;
  killswitch: { id: number; scope: string; reason: string; actor: string } | null;
}

export function planReplay(db: Ledger, nowMs: number, o: { config: MainConfig; policy: RetryPolicy; gh: string; max: number }): PlannedStep[] {
  const now = isoFloor(nowMs);
  const engagements = activeEngagements(db, now);
  const ids = db
    .prepare(
      `SELECT id FROM retry_queue WHERE (state = 'pending' AND next_attempt_at <= ?) OR (state = 'processing' AND lease_expires_at <= ?)
       ORDER BY next_attempt_at, id`,
    )
    .pluck()
    .all(now, now) as number[];
  const used = new Map<string, number>();
  const retriesInHour = db.prepare('SELECT COUNT(*) FROM retry_attempts WHERE workflow = ? AND started_at > ?').pluck();
  const steps: PlannedStep[] = [];
  for (const id of ids) {
    if (steps.filter((s) => s.action === 'rerun' || s.action === 'verify').length >= o.max) break;
    const e = getEntry(db, id)!;
    const expired = e.state === 'processing';
    // A re-run that was under way when its lease expired is checked on the run first.
    const phase = expired && lastOutcome(db, e) === 'running' ? 'verify' : e.phase;
    const command =
      phase === 'verify'
        ? [o.gh, 'run', 'view', e.run_id, '--json', VIEW_FIELDS]
        : expandTemplate(o.config.retryCommand, { gh: o.gh, run_id: e.run_id, repository: e.repository, workflow: e.workflow, attempt: e.attempt + 1, run_attempt: e.run_attempt });
    let action: PlannedStep['action'] = phase;
    const stop = phase === 'rerun' ? covering(engagements, e.workflow, now) : undefined;
    if (stop) action = 'held';
    else if (phase === 'rerun') {
      const n = used.get(e.workflow) ?? (retriesInHour.get(e.workflow, isoFloor(nowMs - 3_600_000)) as number);
      if (n >= o.policy.budget.maxRetriesPerWorkflowPerHour) action = 'deferred';
      else used.set(e.workflow, n + 1);
    }
    steps.push({
      id,
      run_id: e.run_id,
      workflow: e.workflow,
      attempt: e.attempt + (action === 'rerun' ? 1 : 0),
      max_attempts: e.max_attempts,
      action,
      command,
      lease_expired: expired,
      killswitch: stop ? { id: stop.id, scope: stop.scope, reason: stop.reason, actor: stop.actor } : null,
    });
  }
  return steps;
}

const lastOutcome = (db: Ledger, e: RetryEntry) =>
  db.prepare('SELECT outcome FROM retry_attempts WHERE entry_id = ? ORDER BY attempt DESC LIMIT 1').pluck().get(e.id) as string | undefined;
