import type { DurationStats } from './stats';

/** A window of time, [since, until): UTC ISO-8601 bounds, compared as text like every ledger time. */
export interface Range {
  since: string;
  until: string;
}

/** One calendar day of the daily trend, in the configured time zone. */
export interface DayRange extends Range {
  date: string;
}

/**
 * Runs of the window (latest attempts by start time) counted by workflow, status and
 * conclusion, with the histogram of their durations: a million runs arrive as ~70 groups.
 */
export interface OutcomeGroup {
  workflow: string;
  status: string;
  conclusion: string | null;
  n: number;
  /** Parallel arrays: duration_counts[i] runs of the group took duration_values[i] ms (runs without a duration left out). */
  duration_values: number[];
  duration_counts: number[];
}

/**
 * Per workflow, the runs of the window whose latest attempt did not fail but an earlier one
 * did, and among them those that recovered with no recovery recorded by ops: latest attempt
 * success, with the time from the first failed attempt's completion to the latest's.
 */
export interface EarlierFailures {
  workflow: string;
  runs: number;
  recoveries: number;
  recovery_ms_sum: number;
}

export interface WorkflowCount {
  workflow: string;
  n: number;
}

/** Retry entries that finished in the window: recovered (completed) or gave up (failed). */
export interface FinishedEntries {
  workflow: string;
  state: 'completed' | 'failed';
  n: number;
}

/** Per workflow, the retry entries ops recovered in the window, and the sum of their recovery_ms. */
export interface OpsRecoveries {
  workflow: string;
  recoveries: number;
  recovery_ms_sum: number;
}

/** One day of the trend, counted in the ledger. */
export interface DayRow extends DayRange {
  runs: number;
  succeeded: number;
  failures: number;
  retries: number;
}

/** Everything the KPIs are computed from: read by ./rows, turned into KPIs by ./compute. */
export interface KpiRows {
  /** As given (`7d`). */
  window: string;
  range: Range;
  /** Only this workflow (--workflow); null for all. */
  workflow: string | null;
  timezone: string;
  outcomes: OutcomeGroup[];
  earlierFailures: EarlierFailures[];
  /** retry_attempts started in the window, by workflow. */
  retries: WorkflowCount[];
  finished: FinishedEntries[];
  opsRecoveries: OpsRecoveries[];
  killswitchEngagements: number;
  daily: DayRow[];
}

export interface RetryKpis {
  total: number;
  per_failed_run: number | null;
  success_rate: number | null;
  /** Runs in the window with at least one failed attempt: the per_failed_run denominator. */
  failed_runs: number;
  recovered: number;
  gave_up: number;
}

/** The KPIs of one set of runs: the whole window, or one workflow of it. */
export interface KpiSet {
  runs: number;
  success_rate: number | null;
  duration_ms: DurationStats;
  retries: RetryKpis;
  mttr_ms: number | null;
  succeeded: number;
  /** Runs whose latest attempt failed (failure, timed_out, startup_failure). */
  failures: number;
  recoveries: { total: number; by_ops: number; by_rerun: number };
}

export interface WorkflowKpis extends KpiSet {
  workflow: string;
}

export interface DailyKpis {
  date: string;
  runs: number;
  succeeded: number;
  failures: number;
  success_rate: number | null;
  retries: number;
}

/** SPEC §10.4 `kpi`: its keys first, in its order; the rest are additions. */
export interface Kpis {
  window: string;
  runs: number;
  success_rate: number | null;
  duration_ms: DurationStats;
  retries: RetryKpis;
  mttr_ms: number | null;
  killswitch_engagements: number;
  workflows: WorkflowKpis[];
  daily: DailyKpis[];
  since: string;
  until: string;
  workflow: string | null;
  timezone: string;
  succeeded: number;
  failures: number;
  recoveries: KpiSet['recoveries'];
}
