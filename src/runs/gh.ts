import { z } from 'zod';
import { toIso, parseIsoTime } from '../time/clock';
import { failureClasses, runConclusions, type Classification, type RunInput, type RunStatus } from './types';

/**
 * Maps one record of `gh run list --json …` / `gh run view --json …` (camelCase), or an
 * ops run as printed by `ops runs list --json` (snake_case), to a run attempt.
 * Pure: the caller reports errors with the record's position.
 */

/** gh prints Go's zero time for "not yet" (a job that has not finished). */
const ZERO_TIME = /^0001-01-01T00:00:00/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const time = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === '' || ZERO_TIME.test(v)) return null;
    const ms = parseIsoTime(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `not an ISO-8601 time with a zone: ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    // gh already prints the stored form; re-formatting 4 times a record shows in import speed.
    return CANONICAL_TIME.test(v) ? v : toIso(ms);
  });

const runId = z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/, 'expected a numeric run id')]).transform(String);
const optionalText = z.string().nullish().transform((v) => (v ? v : null));
const attempt = z.number().int().min(1).default(1);
const conclusion = z
  .union([z.literal(''), z.enum(runConclusions)])
  .nullish()
  .transform((v) => (v ? v : null));
const repository = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected OWNER/NAME');

/** gh's statuses include requested/waiting/pending: all "not started yet" to us. */
const ghStatus = z
  .enum(['queued', 'in_progress', 'completed', 'requested', 'waiting', 'pending', 'expected'])
  .transform((s): RunStatus => (s === 'in_progress' || s === 'completed' ? s : 'queued'));

const ghRecord = z.looseObject({
  databaseId: runId,
  attempt,
  workflowName: optionalText,
  name: optionalText,
  status: ghStatus,
  conclusion,
  event: optionalText,
  headBranch: optionalText,
  headSha: optionalText,
  url: optionalText,
  createdAt: time,
  startedAt: time,
  updatedAt: time,
  completedAt: time,
  actor: z.union([z.string(), z.looseObject({ login: z.string() }).transform((a) => a.login)]).nullish(),
  repository: z.union([repository, z.looseObject({ nameWithOwner: repository }).transform((r) => r.nameWithOwner)]).nullish(),
});

/** A run's failure classification, as gh JSON and the API carry it. */
export const classificationSchema = z.object({
  http_status: z.number().int().nullable(),
  class: z.enum(failureClasses),
  cause: z.string(),
  retryable: z.boolean(),
  risk: z.enum(['high', 'medium', 'low']),
  action: z.string(),
});

const opsRecord = z.looseObject({
  run_id: runId,
  attempt,
  repository,
  workflow: z.string().min(1),
  job: optionalText,
  event: optionalText,
  branch: optionalText,
  head_sha: optionalText,
  actor: optionalText,
  status: z.enum(['queued', 'in_progress', 'completed']),
  conclusion,
  started_at: time,
  completed_at: time,
  created_at: time,
  url: optionalText,
  classification: classificationSchema.nullish(),
});

export type MapResult = { ok: true; run: RunInput } | { ok: false; field: string; problem: string };

const REPO_IN_URL = /^https?:\/\/[^/]+\/([\w.-]+\/[\w.-]+)\/actions\/runs\//;

export function mapRunRecord(value: unknown, opts: { repo?: string } = {}): MapResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, field: '(record)', problem: `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  if ('run_id' in value) return fromOps(value);
  if ('databaseId' in value) return fromGh(value, opts.repo);
  return { ok: false, field: '(record)', problem: 'neither a gh run (no databaseId) nor an ops run (no run_id)' };
}

function failure(error: z.ZodError): MapResult {
  const issue = error.issues[0]!;
  return { ok: false, field: issue.path.length ? issue.path.map(String).join('.') : '(record)', problem: issue.message };
}

function fromGh(value: object, repoFlag: string | undefined): MapResult {
  const parsed = ghRecord.safeParse(value);
  if (!parsed.success) return failure(parsed.error);
  const r = parsed.data;
  const workflow = r.workflowName ?? r.name;
  if (!workflow) return { ok: false, field: 'workflowName', problem: 'missing (neither workflowName nor name is set)' };
  const repo = repoFlag ?? r.repository ?? r.url?.match(REPO_IN_URL)?.[1] ?? null;
  if (!repo) return { ok: false, field: 'repository', problem: 'unknown: the record has no url to read it from; pass --repo OWNER/NAME' };
  const started = r.startedAt ?? r.createdAt;
  // gh has no completedAt on runs: a completed run's updatedAt is when it finished.
  const completed = r.status === 'completed' ? (r.completedAt ?? r.updatedAt) : null;
  return {
    ok: true,
    run: {
      run_id: r.databaseId,
      attempt: r.attempt,
      repository: repo,
      workflow,
      job: null,
      event: r.event,
      branch: r.headBranch,
      head_sha: r.headSha,
      actor: r.actor ?? null,
      status: r.status,
      conclusion: r.status === 'completed' ? r.conclusion : null,
      started_at: started,
      completed_at: completed,
      duration_ms: durationMs(started, completed),
      url: r.url,
      classification: null,
      created_at: r.createdAt,
    },
  };
}

function fromOps(value: object): MapResult {
  const parsed = opsRecord.safeParse(value);
  if (!parsed.success) return failure(parsed.error);
  const r = parsed.data;
  return {
    ok: true,
    run: {
      run_id: r.run_id,
      attempt: r.attempt,
      repository: r.repository,
      workflow: r.workflow,
      job: r.job,
      event: r.event,
      branch: r.branch,
      head_sha: r.head_sha,
      actor: r.actor,
      status: r.status,
      conclusion: r.status === 'completed' ? r.conclusion : null,
      started_at: r.started_at,
      completed_at: r.completed_at,
      duration_ms: durationMs(r.started_at, r.completed_at),
      url: r.url,
      classification: (r.classification ?? null) as Classification | null,
      created_at: r.created_at,
    },
  };
}

function durationMs(started: string | null, completed: string | null): number | null {
  if (started === null || completed === null) return null;
  return Math.max(0, Date.parse(completed) - Date.parse(started));
}
