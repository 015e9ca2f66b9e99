/** The run of SPEC §1.1 / §10.4: one attempt of one workflow run. Keys are the public JSON keys. */

export const runStatuses = ['queued', 'in_progress', 'completed'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** GitHub's conclusions; `stale` is GitHub's too (a run superseded before it finished). */
export const runConclusions = [
  'success',
  'failure',
  'cancelled',
  'timed_out',
  'skipped',
  'neutral',
  'action_required',
  'startup_failure',
  'stale',
] as const;
export type RunConclusion = (typeof runConclusions)[number];

/** Conclusions that count as a failed run (KPIs, retries, the console's red). */
export const failedConclusions: ReadonlySet<string> = new Set(['failure', 'timed_out', 'startup_failure']);

/**
 * Classes of a failure (SPEC §2.2, extended): the one list that the retry policy schema, the
 * run import schema and the classifier's tables are checked against.
 */
export const failureClasses = [
  'configuration',
  'permission',
  'resource',
  'transient',
  'rate_limit',
  'test_failure',
  'build_failure',
  'lint_failure',
  'capacity',
  'timeout',
  'cancelled',
  'unknown',
] as const;
export type FailureClass = (typeof failureClasses)[number];
export type RiskLevel = 'high' | 'medium' | 'low';

/** SPEC §2.2. */
export interface Classification {
  http_status: number | null;
  class: FailureClass;
  cause: string;
  retryable: boolean;
  risk: RiskLevel;
  action: string;
}

export interface Run {
  run_id: string;
  attempt: number;
  repository: string;
  workflow: string;
  job: string | null;
  event: string | null;
  branch: string | null;
  head_sha: string | null;
  actor: string | null;
  status: RunStatus;
  conclusion: RunConclusion | null;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  url: string | null;
  classification: Classification | null;
}

/** Key order of the public JSON, so `--json` output is stable and diff-able. */
export const runKeys: readonly (keyof Run)[] = [
  'run_id',
  'attempt',
  'repository',
  'workflow',
  'job',
  'event',
  'branch',
  'head_sha',
  'actor',
  'status',
  'conclusion',
  'started_at',
  'completed_at',
  'duration_ms',
  'url',
  'classification',
];

/** What import/collect hand to the ledger: a run attempt plus the run's creation time when the source knows it. */
export interface RunInput extends Run {
  /** GitHub's createdAt: when the run (attempt 1) was created; decides its report folder. */
  created_at: string | null;
}
