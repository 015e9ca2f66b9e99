import { z } from 'zod';
import { runConclusions, runStatuses, type Run } from '../runs/types';
import { classificationSchema } from '../runs/gh';
import type { entryJson } from '../retry/queue';
import type { Alert } from '../detect/alerts';
import type { statusJson } from '../killswitch/state';
import type { statusDocument } from '../status/collect';

/**
 * The API's response shapes as zod (published in openapi.json). They mirror the domain's
 * TypeScript types; `satisfies` below makes the compiler hold the two together.
 */

const iso = z.string().describe('UTC ISO-8601');

export { classificationSchema };

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

/** `ops retry list --json`'s entry (SPEC §10.4). */
export const retryEntrySchema = z.object({
  id: z.number().int(),
  run_id: z.string(),
  state: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']),
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  next_attempt_at: iso.nullable(),
  last_error: z.string().nullable(),
  last_http_status: z.number().int().nullable(),
  idempotency_key: z.string().nullable(),
  run_attempt: z.number().int(),
  repository: z.string(),
  workflow: z.string(),
  phase: z.string().nullable(),
  origin: z.string(),
  reason: z.string().nullable(),
  class: z.string().nullable(),
  classification: classificationSchema.nullable(),
  lease_owner: z.string().nullable(),
  lease_expires_at: iso.nullable(),
  held_by_killswitch: z.number().int().nullable(),
  recovered_at: iso.nullable(),
  recovery_ms: z.number().nullable(),
  created_at: iso,
  updated_at: iso,
});
// What the domain answers fits the published schema.
export const retryEntryFits: ReturnType<typeof entryJson> extends z.output<typeof retryEntrySchema> ? true : never = true;

export const alertSchema = z.object({
  id: z.number().int(),
  rule: z.string(),
  subject: z.string(),
  state: z.enum(['open', 'resolved']),
  severity: z.string(),
  summary: z.string(),
  facts: z.record(z.string(), z.unknown()),
  action: z.unknown(),
  action_result: z.string().nullable(),
  opened_at: iso,
  last_seen_at: iso,
  resolved_at: iso.nullable(),
});
export const alertFits: Alert extends z.output<typeof alertSchema> ? true : never = true;

export const killswitchStateSchema = z.object({
  engaged: z.boolean(),
  scope: z.string().nullable().describe('null: all workflows'),
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  since: iso.nullable(),
  expires_at: iso.nullable(),
});
export const killswitchStatusSchema = killswitchStateSchema.extend({ active: z.array(killswitchStateSchema) });
export const killswitchFits: ReturnType<typeof statusJson> extends z.output<typeof killswitchStateSchema> ? true : never = true;

const counts = z.object({ total: z.number().int(), by_status: z.record(z.string(), z.number()), by_conclusion: z.record(z.string(), z.number()) });

/** `ops watch status --json`: the watcher's lease and each job's last and next run. */
export const watchStatusSchema = z.object({
  state: z.enum(['running', 'stopped', 'dead', 'never']),
  owner: z.string().nullable(),
  started_at: iso.nullable(),
  heartbeat_at: iso.nullable(),
  heartbeat_age_s: z.number().int().nullable(),
  lease_seconds: z.number().int().nullable(),
  released_at: iso.nullable(),
  retries_due: z.number().int(),
  jobs: z.array(
    z.object({
      job: z.string(),
      owner: z.string().nullable(),
      runs: z.number().int(),
      running_since: iso.nullable(),
      last_started_at: iso.nullable(),
      last_finished_at: iso.nullable(),
      last_duration_ms: z.number().int().nullable(),
      last_outcome: z.enum(['ok', 'failed', 'timeout', 'held']).nullable(),
      last_summary: z.string().nullable(),
      last_error: z.string().nullable(),
      failures: z.number().int(),
      next_run_at: iso.nullable(),
    }),
  ),
});

/** `ops status --json`. */
export const statusSchema = z.object({
  generated_at: iso,
  workspace: z.string(),
  killswitch: killswitchStatusSchema,
  window: z.object({ since: iso, hours: z.number() }),
  runs: counts,
  retry_queue: z.object({ by_state: z.record(z.string(), z.number()), due: z.number().int(), next_due_at: iso.nullable(), held: z.number().int() }),
  alerts: z.array(alertSchema),
  notifications: z.object({ pending: z.number().int(), failed: z.number().int(), next_attempt_at: iso.nullable(), undelivered: z.number().int() }),
  latest_failures: z.array(runSchema),
  config_problems: z.array(z.object({ file: z.string(), field: z.string(), message: z.string() })),
  watch: watchStatusSchema,
  postgres_export: z
    .object({
      events: z.number().int(),
      runs: z.number().int(),
      events_seq: z.number().int(),
      head: z.number().int(),
      exported_at: iso.nullable(),
      last_error: z.string().nullable(),
      last_error_at: iso.nullable(),
    })
    .nullable(),
});
export const statusFits: ReturnType<typeof statusDocument> extends z.output<typeof statusSchema> ? true : never = true;
