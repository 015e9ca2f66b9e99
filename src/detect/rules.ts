import picomatch from 'picomatch';
import type { DetectionRules, KillswitchRules } from '../config/schemas';
import type { Severity } from '../notify/message';
import { failedConclusions as FAILED } from '../runs/types';

/**
 * The detection rules (SPEC §4), as pure functions from facts the ledger gathered
 * (src/detect/facts.ts) to findings: a condition that holds now. Alerts are findings kept
 * over time (src/detect/alerts.ts).
 */

export type Action = 'alert' | 'propose_rollback' | 'rollback' | 'killswitch';

export interface Finding {
  /** The rule: a detection rule's name, or a killswitch rule's configured name. */
  rule: string;
  /** What it is about: a workflow, or * for everything. One alert per (rule, subject). */
  subject: string;
  severity: Severity;
  summary: string;
  action: Action;
  /** The killswitch scope the action engages (killswitch action only). */
  scope: string;
  facts: Record<string, unknown>;
}

export interface WorkflowWindow {
  repository: string;
  workflow: string;
  completed: number;
  failed: number;
}

export interface Streak {
  repository: string;
  workflow: string;
  /** The latest completed runs (cancelled and skipped ones left out), newest first. */
  latest: { run_id: string; conclusion: string; at: string }[];
}

export interface StaleRun {
  run_id: string;
  repository: string;
  workflow: string;
  status: string;
  since: string;
}

export interface RecentRun {
  run_id: string;
  workflow: string;
  branch: string | null;
  event: string | null;
}

export interface Facts {
  now: number;
  /** Completed runs per workflow in the failure-rate window. */
  failureWindow: WorkflowWindow[];
  streaks: Streak[];
  /** ops's re-runs begun in the retry-storm window. */
  retries: number;
  stale: StaleRun[];
  /** Per killswitch rule (by name): what its condition counts. */
  killswitch: Record<string, { retries?: number; active?: number; misfires?: RecentRun[] }>;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * A workflow is named per repository: "Deploy" of acme/api and "Deploy" of acme/web are
 * different workflows, and one's failures say nothing of the other's.
 */
export const subjectOf = (w: { repository: string; workflow: string }) => `${w.repository}:${w.workflow}`;
const nameOf = (w: { repository: string; workflow: string }) => `${w.workflow} (${w.repository})`;

export function evaluate(facts: Facts, rules: DetectionRules, ks: KillswitchRules): Finding[] {
  const out: Finding[] = [];

  const fr = rules.failureRate;
  for (const w of facts.failureWindow) {
    if (w.completed < fr.minRuns) continue;
    const rate = w.failed / w.completed;
    if (rate <= fr.threshold) continue;
    out.push({
      rule: 'failure_rate',
      subject: subjectOf(w),
      severity: 'warning',
      summary: `${nameOf(w)}: ${pct(rate)} of runs failed in the last ${fr.windowMinutes} min (${w.failed} of ${w.completed}; threshold ${pct(fr.threshold)})`,
      action: fr.action,
      scope: w.workflow,
      facts: { repository: w.repository, workflow: w.workflow, failed: w.failed, completed: w.completed, rate, window_minutes: fr.windowMinutes, threshold: fr.threshold },
    });
  }

  const cf = rules.consecutiveFailures;
  for (const s of facts.streaks) {
    const last = s.latest.slice(0, cf.count);
    if (last.length < cf.count || !last.every((r) => FAILED.has(r.conclusion))) continue;
    out.push({
      rule: 'consecutive_failures',
      subject: subjectOf(s),
      severity: 'critical',
      summary: `${nameOf(s)}: the last ${cf.count} runs failed (${last.map((r) => r.run_id).join(', ')})`,
      action: cf.action,
      scope: s.workflow,
      facts: { repository: s.repository, workflow: s.workflow, count: cf.count, runs: last.map((r) => r.run_id), latest_at: last[0]!.at },
    });
  }

  const rs = rules.retryStorm;
  if (facts.retries > rs.maxRetries) {
    out.push({
      rule: 'retry_storm',
      subject: '*',
      severity: 'critical',
      summary: `retry storm: ${plural(facts.retries, 're-run')} by ops in the last ${rs.windowMinutes} min (more than ${rs.maxRetries})`,
      action: rs.action,
      scope: '*',
      facts: { retries: facts.retries, window_minutes: rs.windowMinutes, max_retries: rs.maxRetries },
    });
  }

  const byWorkflow = new Map<string, StaleRun[]>();
  for (const r of facts.stale) byWorkflow.set(subjectOf(r), [...(byWorkflow.get(subjectOf(r)) ?? []), r]);
  for (const [subject, runs] of byWorkflow) {
    const oldest = runs.reduce((a, b) => (a.since <= b.since ? a : b));
    const workflow = oldest.workflow;
    out.push({
      rule: 'stale_run',
      subject,
      severity: 'warning',
      summary: `${nameOf(oldest)}: ${plural(runs.length, 'run')} queued or running for more than ${rules.staleRun.minutes} min (oldest: run ${oldest.run_id}, ${oldest.status} since ${oldest.since})`,
      action: rules.staleRun.action,
      scope: workflow,
      facts: { repository: oldest.repository, workflow, runs: runs.slice(0, 20).map((r) => r.run_id), count: runs.length, oldest_since: oldest.since, minutes: rules.staleRun.minutes },
    });
  }

  for (const r of ks.rules) {
    const f = facts.killswitch[r.name];
    if (!f) continue;
    const scope = r.scope ?? '*';
    const where = scope === '*' ? '' : ` of ${scope}`;
    const finding = (summary: string, extra: Record<string, unknown>): Finding => ({ rule: r.name, subject: scope, severity: 'critical', summary, action: 'killswitch', scope, facts: { condition: r.condition, ...extra } });
    if (r.condition === 'runaway_retry' && f.retries !== undefined && f.retries > r.threshold!) {
      out.push(finding(`runaway retry loop: ${plural(f.retries, 're-run')}${where} in the last ${r.windowMinutes ?? 10} min (more than ${r.threshold}; rule ${r.name})`, { retries: f.retries, threshold: r.threshold }));
    }
    if (r.condition === 'resource' && f.active !== undefined && f.active > r.threshold!) {
      out.push(finding(`abnormal resource use: ${plural(f.active, 'run')}${where} queued or running at once (more than ${r.threshold}; rule ${r.name})`, { active: f.active, threshold: r.threshold }));
    }
    if (r.condition === 'misfire' && f.misfires && f.misfires.length > (r.threshold ?? 0)) {
      const first = f.misfires[0]!;
      out.push(
        finding(`misfire: ${plural(f.misfires.length, 'run')}${where} on an unexpected branch or event (e.g. run ${first.run_id}: ${first.event ?? '?'} on ${first.branch ?? '?'}; rule ${r.name})`, {
          runs: f.misfires.slice(0, 20).map((m) => m.run_id),
          count: f.misfires.length,
        }),
      );
    }
  }
  return out;
}

/** A misfire rule's test for one run: outside the expected branches or events. */
export function misfired(rule: { branches?: string[]; events?: string[] }, run: RecentRun): boolean {
  if (rule.branches && !(run.branch !== null && picomatch.isMatch(run.branch, rule.branches))) return true;
  if (rule.events && !(run.event !== null && rule.events.some((e) => picomatch.isMatch(run.event!, e)))) return true;
  return false;
}
