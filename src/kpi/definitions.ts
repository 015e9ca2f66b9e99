/**
 * What each KPI means, as data: `ops kpi`, the README and OPS_HEALTH_KPI.md all quote these
 * strings, so a definition changes in one place (and ./compute is where it is implemented).
 */

export const kpiNames = [
  'runs',
  'success_rate',
  'duration_mean_ms',
  'duration_p50_ms',
  'duration_p95_ms',
  'retries_total',
  'retries_per_failed_run',
  'retry_success_rate',
  'mttr_ms',
  'killswitch_engagements',
] as const;
export type KpiName = (typeof kpiNames)[number];

/** Terms the KPI definitions rely on. */
export const kpiTerms = {
  window:
    'the window is [now − window, now), UTC; a run is in it when its latest attempt (the run as the ledger shows it) started in it (its start time, or its creation while it has not started)',
  failed:
    'failed means concluded failure, timed_out or startup_failure; cancelled, skipped, neutral, action_required and stale are neither success nor failure',
  failed_run: 'a failed run is a run in the window with at least one failed attempt (its latest or an earlier one)',
  percentile: 'percentiles are nearest-rank: the value at rank ⌈p/100 × n⌉ of the n values sorted ascending (always a measured value, never interpolated)',
  daily:
    'the daily trend is the last 7 calendar days in the configured time zone (today so far included), each day holding the runs whose latest attempt started that local day, with the same definitions',
  workflow: 'with --workflow, every KPI counts only that workflow; killswitch engagements count that workflow’s and the global ones',
} as const;

export const kpiDefinitions: Record<KpiName, string> = {
  runs: 'runs in the window (latest attempt of each run_id), whatever their status',
  success_rate:
    'runs in the window whose latest attempt concluded success, divided by those that concluded success or failed (failure, timed_out, startup_failure); null when there are none',
  duration_mean_ms: 'mean duration (completed_at − started_at) of the latest attempts in the window that completed, rounded to the ms',
  duration_p50_ms: 'median (nearest-rank p50) duration of the latest attempts in the window that completed',
  duration_p95_ms: 'nearest-rank p95 duration of the latest attempts in the window that completed',
  retries_total: 're-runs executed by ops (retry_attempts rows) that started in the window',
  retries_per_failed_run: 'retries_total divided by the runs in the window with at least one failed attempt; null when there are none',
  retry_success_rate:
    'retry entries that finished in the window recovered (completed, at recovered_at) divided by those recovered or given up (failed, at their last update); cancelled entries are excluded; null when none finished',
  mttr_ms:
    'mean time from first failure to recovery, over the recoveries in the window: retry entries recovered by ops (recovered_at in the window; their recovery_ms, from the failed attempt’s completion to the confirmed successful re-run), and runs in the window whose latest attempt succeeded after an earlier attempt failed, with no recovery recorded by ops (from the first failed attempt’s completed_at to the latest attempt’s completed_at); null when nothing recovered',
  killswitch_engagements: 'killswitch engagements (global or scoped) whose engaged_at is in the window',
};
