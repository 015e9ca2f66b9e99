import { z } from 'zod';
import { failureClasses, runConclusions, runStatuses, type Run } from '../runs/types';

/**
 * The API's response shapes as zod (published in openapi.json). They mirror the domain's
 * TypeScript types; `satisfies` below makes the compiler hold the two together.
 */

const iso = z.string().describe('UTC ISO-8601');

export const classificationSchema = z.object({
  http_status: z.number().int().nullable(),
  class: z.enum(failureClasses),
  cause: z.string(),
  retryable: z.boolean(),
  risk: z.enum(['high', 'medium', 'low']),
  action: z.string(),
});

export const runSchema = z.object({
  run_id: z.string(),
  attempt: z.number().int(),
  repository: z.string(),
  workflow: z.string(),
  job: z.string().nullable(),
  event: z.string().nullable(),
  branch: z.string().nullable(),
  head_sha: z.string().nullable(),
  actor: z.string().nullable(),
  status: z.enum(runStatuses),
  conclusion: z.enum(runConclusions).nullable(),
  started_at: iso.nullable(),
  completed_at: iso.nullable(),
  duration_ms: z.number().nullable(),
  url: z.string().nullable(),
  classification: classificationSchema.nullable(),
});
// The schema and the domain type must agree, both ways.
type SameRun = z.output<typeof runSchema> extends Run ? (Run extends z.output<typeof runSchema> ? true : never) : never;
export const runSchemaMatches: SameRun = true;

export const eventSchema = z.object({
  seq: z.number().int(),
  ts: iso,
  actor: z.string(),
  role: z.string(),
  event: z.string(),
  run_id: z.string().nullable(),
  target_id: z.string().nullable(),
  payload_sha256: z.string(),
  idempotency_key: z.string().nullable(),
  prev_hash: z.string(),
  hash: z.string(),
  payload: z.unknown().describe('What happened, masked (null for events from before ops stored payloads)'),
  summary: z.string(),
});

export const killswitchBody = z.object({
  reason: z.string().trim().min(1, 'required and not blank: say why (it is recorded in the audit log and shown by ops guard)'),
  scope: z.string().trim().min(1).optional().describe('Only this workflow (default: all workflows)'),
  expires: z.string().optional().describe('Engage until this long from now: 30m, 4h, 1d'),
  force: z.boolean().optional().describe('Accept a scope the ledger has never seen a run of'),
});

export const releaseBody = killswitchBody.pick({ reason: true, scope: true });
