import type { Run, RunConclusion, RunInput } from '../runs/types';

/**
 * The run a CI job is part of, from the GitHub Actions environment (SPEC §1.1). Pure.
 * Inside a job the run is still going: in_progress, unless the caller says how it ended.
 * GitHub gives no start time here: `collectTimes` takes the collects' own times instead.
 */
export function runFromGithubEnv(env: NodeJS.ProcessEnv): Partial<RunInput> {
  const run: Partial<RunInput> = {};
  if (env.GITHUB_RUN_ID) run.run_id = env.GITHUB_RUN_ID;
  if (env.GITHUB_RUN_ATTEMPT) run.attempt = Number(env.GITHUB_RUN_ATTEMPT);
  if (env.GITHUB_WORKFLOW) run.workflow = env.GITHUB_WORKFLOW;
  if (env.GITHUB_REPOSITORY) run.repository = env.GITHUB_REPOSITORY;
  if (env.GITHUB_SHA) run.head_sha = env.GITHUB_SHA;
  if (env.GITHUB_REF) run.branch = branchOf(env.GITHUB_REF);
  if (env.GITHUB_ACTOR) run.actor = env.GITHUB_ACTOR;
  if (env.GITHUB_EVENT_NAME) run.event = env.GITHUB_EVENT_NAME;
  if (env.GITHUB_JOB) run.job = env.GITHUB_JOB;
  if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
    run.url = `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return run;
}

/** refs/heads/main → main; refs/tags/v1 → v1; a PR merge ref stays as it is. */
export function branchOf(ref: string): string {
  const m = /^refs\/(?:heads|tags)\/(.+)$/.exec(ref);
  return m ? m[1]! : ref;
}

/** A complete run from what the sources gave, or the first field that is missing. */
export function completeRun(parts: Partial<RunInput>, conclusion: RunConclusion | undefined): { ok: true; run: RunInput } | { ok: false; missing: string } {
  for (const [key, flag] of [
    ['run_id', '--run-id or GITHUB_RUN_ID'],
    ['workflow', '--workflow or GITHUB_WORKFLOW'],
    ['repository', '--repo or GITHUB_REPOSITORY'],
  ] as const) {
    if (!parts[key]) return { ok: false, missing: `${key} (${flag})` };
  }
  const status = conclusion ? 'completed' : (parts.status ?? 'in_progress');
  return {
    ok: true,
    run: {
      run_id: parts.run_id!,
      attempt: parts.attempt ?? 1,
      repository: parts.repository!,
      workflow: parts.workflow!,
      job: parts.job ?? null,
      event: parts.event ?? null,
      branch: parts.branch ?? null,
      head_sha: parts.head_sha ?? null,
      actor: parts.actor ?? null,
      status,
      conclusion: conclusion ?? (status === 'completed' ? (parts.conclusion ?? null) : null),
      started_at: parts.started_at ?? null,
      completed_at: parts.completed_at ?? null,
      duration_ms: parts.duration_ms ?? null,
      url: parts.url ?? null,
      classification: parts.classification ?? null,
      created_at: parts.created_at ?? null,
    },
  };
}

/**
 * A collected run's times (pure). GitHub's own (from --run-json now, or an import before:
 * what the ledger holds) win; else the first collect of the attempt is its start as far as
 * ops knows, and the collect that gives the conclusion its end. The duration needs both; a
 * run collected only once, at its end, has none (not 0).
 */
export function collectTimes(run: RunInput, stored: Pick<Run, 'started_at' | 'completed_at'> | undefined, now: string): Pick<RunInput, 'started_at' | 'completed_at' | 'duration_ms'> {
  const started_at = run.started_at ?? stored?.started_at ?? now;
  const completed_at = run.completed_at ?? stored?.completed_at ?? (run.status === 'completed' ? now : null);
  const ms = completed_at === null ? NaN : Date.parse(completed_at) - Date.parse(started_at);
  return { started_at, completed_at, duration_ms: ms > 0 ? ms : (run.duration_ms ?? null) };
}
