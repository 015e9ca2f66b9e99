import { failedConclusions } from '../runs/types';
import { addCounts, durationStats, meanOf, ratio, type Histogram } from './stats';
import type { DailyKpis, KpiRows, KpiSet, Kpis, WorkflowKpis } from './types';

/**
 * The KPIs of SPEC §5.2 from what ./rows read, for the window and for each workflow in it.
 * Pure. The definitions are ./definitions; the one part computed in SQL, for speed, is
 * which runs recovered by a later attempt and how long that took (see ./rows).
 */

interface Tally {
  runs: number;
  succeeded: number;
  failures: number;
  /** Runs whose latest attempt did not fail but an earlier one did. */
  failedEarlier: number;
  durations: Histogram;
  retries: number;
  recovered: number;
  gaveUp: number;
  recoveryMsSum: number;
  byOps: number;
  byRerun: number;
}

const tally = (): Tally => ({
  runs: 0,
  succeeded: 0,
  failures: 0,
  failedEarlier: 0,
  durations: new Map(),
  retries: 0,
  recovered: 0,
  gaveUp: 0,
  recoveryMsSum: 0,
  byOps: 0,
  byRerun: 0,
});

const isFailed = (conclusion: string | null) => conclusion !== null && failedConclusions.has(conclusion);

export function computeKpis(rows: KpiRows): Kpis {
  const all = tally();
  const byWorkflow = new Map<string, Tally>();
  // Each row counts for the window and for its workflow.
  const both = (workflow: string): [Tally, Tally] => {
    let t = byWorkflow.get(workflow);
    if (!t) byWorkflow.set(workflow, (t = tally()));
    return [all, t];
  };

  for (const o of rows.outcomes) {
    for (const t of both(o.workflow)) {
      t.runs += o.n;
      if (o.conclusion === 'success') t.succeeded += o.n;
      else if (isFailed(o.conclusion)) t.failures += o.n;
      if (o.status === 'completed') addCounts(t.durations, o.duration_values, o.duration_counts);
    }
  }
  for (const f of rows.earlierFailures) {
    for (const t of both(f.workflow)) {
      t.failedEarlier += f.runs;
      t.byRerun += f.recoveries;
      t.recoveryMsSum += f.recovery_ms_sum;
    }
  }
  for (const r of rows.retries) for (const t of both(r.workflow)) t.retries += r.n;
  for (const f of rows.finished) {
    for (const t of both(f.workflow)) {
      if (f.state === 'completed') t.recovered += f.n;
      else t.gaveUp += f.n;
    }
  }
  for (const r of rows.opsRecoveries) {
    for (const t of both(r.workflow)) {
      t.byOps += r.recoveries;
      t.recoveryMsSum += r.recovery_ms_sum;
    }
  }

  const total = kpiSet(all);
  const workflows: WorkflowKpis[] = [...byWorkflow]
    .map(([workflow, t]) => ({ workflow, ...kpiSet(t) }))
    .sort((a, b) => b.runs - a.runs || (a.workflow < b.workflow ? -1 : a.workflow > b.workflow ? 1 : 0));
  return {
    window: rows.window,
    runs: total.runs,
    success_rate: total.success_rate,
    duration_ms: total.duration_ms,
    retries: total.retries,
    mttr_ms: total.mttr_ms,
    killswitch_engagements: rows.killswitchEngagements,
    workflows,
    daily: rows.daily.map(dailyKpis),
    since: rows.range.since,
    until: rows.range.until,
    workflow: rows.workflow,
    timezone: rows.timezone,
    succeeded: total.succeeded,
    failures: total.failures,
    recoveries: total.recoveries,
  };
}

function kpiSet(t: Tally): KpiSet {
  const failedRuns = t.failures + t.failedEarlier;
  const recoveries = t.byOps + t.byRerun;
  return {
    runs: t.runs,
    success_rate: ratio(t.succeeded, t.succeeded + t.failures),
    duration_ms: durationStats(t.durations),
    retries: {
      total: t.retries,
      per_failed_run: ratio(t.retries, failedRuns),
      success_rate: ratio(t.recovered, t.recovered + t.gaveUp),
      failed_runs: failedRuns,
      recovered: t.recovered,
      gave_up: t.gaveUp,
    },
    mttr_ms: meanOf(t.recoveryMsSum, recoveries),
    succeeded: t.succeeded,
    failures: t.failures,
    recoveries: { total: recoveries, by_ops: t.byOps, by_rerun: t.byRerun },
  };
}

function dailyKpis(d: KpiRows['daily'][number]): DailyKpis {
  return { date: d.date, runs: d.runs, succeeded: d.succeeded, failures: d.failures, success_rate: ratio(d.succeeded, d.succeeded + d.failures), retries: d.retries };
}
