import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { importRuns, type ImportResult } from '../actions/import-runs';
import { restRunToGh } from '../actions/sync';
import { prepared } from '../ledger/statements';
import { toIso } from '../time/clock';
import type { Ledger } from '../ledger/open';
import type { EnqueueOutcome } from '../retry/queue';
import type { Env } from './api';
import { requestContext, type Deps } from './deps';
import { problem, problemResponse } from './problem';

/**
 * GitHub webhooks, POST /webhooks/github. A delivery is checked (X-Hub-Signature-256: the
 * HMAC-SHA256 of the raw body with the secret from the env var config.json
 * serve.webhookSecretEnv names, compared in constant time), de-duplicated by
 * X-GitHub-Delivery in the inbox (a repeat answers 202 with the first outcome and changes
 * nothing), and its run upserted through `runs import`'s own code. GitHub waits 10 s: the
 * answer comes once the run is committed; consumers, detection and notifications follow
 * in the background.
 */

export const MAX_BODY = 25 * 1024 * 1024;
/** How long a delivery id is remembered: GitHub redelivers on request, within days. */
const INBOX_DAYS = 30;
const HANDLED = new Set(['workflow_run', 'workflow_job']);

export interface Outcome {
  event: string;
  action: string | null;
  run_id: string | null;
  attempt: number | null;
  /** imported: the import's counts; stale: an older state than the ledger's (not written); ignored: nothing to do. */
  result: 'imported' | 'stale' | 'ignored';
  import?: ImportResult;
}

/** `sha256=<hex>` of the body, checked in constant time; false for anything malformed. */
export function validSignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(m[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type Payload = Record<string, any>;

/** What a delivery means for the ledger: the gh run record to import, or why nothing is. */
export function runRecord(db: Ledger, event: string, p: Payload): { record: Record<string, unknown> | null; outcome: Outcome } {
  const repository = p.repository?.full_name ?? null;
  const action = typeof p.action === 'string' ? p.action : null;
  if (event === 'workflow_run') {
    const r = p.workflow_run;
    if (!r || typeof r !== 'object' || r.id === undefined) return { record: null, outcome: { event, action, run_id: null, attempt: null, result: 'ignored' } };
    const record = restRunToGh({ ...r, repository: r.repository ?? p.repository });
    const outcome: Outcome = { event, action, run_id: String(r.id), attempt: Number(r.run_attempt ?? 1), result: 'imported' };
    if (isStale(db, outcome.run_id!, outcome.attempt!, String(r.status))) return { record: null, outcome: { ...outcome, result: 'stale' } };
    return { record, outcome };
  }
  // workflow_job: the job's run is at least queued (a queued job) or running (any later
  // state: a completed job does not mean its run is). Its conclusion comes with workflow_run.
  const j = p.workflow_job;
  if (!j || typeof j !== 'object' || j.run_id === undefined) return { record: null, outcome: { event, action, run_id: null, attempt: null, result: 'ignored' } };
  const runId = String(j.run_id);
  const attempt = Number(j.run_attempt ?? 1);
  const status = j.status === 'queued' || j.status === 'waiting' ? 'queued' : 'in_progress';
  const outcome: Outcome = { event, action, run_id: runId, attempt, result: 'imported' };
  const stored = prepared(db, 'SELECT status FROM run_attempts WHERE run_id = ? AND attempt = ?', true).get(runId, attempt) as string | undefined;
  // Known and as far along (or further): the job adds nothing the run does not say.
  if (stored !== undefined && (stored === 'completed' || stored === status || status === 'queued')) return { record: null, outcome: { ...outcome, result: 'stale' } };
  return {
    record: {
      databaseId: j.run_id,
      attempt,
      workflowName: j.workflow_name ?? null,
      status,
      conclusion: '',
      headBranch: j.head_branch ?? null,
      headSha: j.head_sha ?? null,
      url: typeof j.run_url === 'string' ? j.run_url.replace('api.github.com/repos', 'github.com').replace(/\/actions\/runs\//, '/actions/runs/') : null,
      createdAt: j.created_at ?? j.started_at ?? null,
      startedAt: j.started_at ?? null,
      repository,
    },
    outcome,
  };
}

const RANK: Record<string, number> = { queued: 0, requested: 0, waiting: 0, pending: 0, in_progress: 1, completed: 2 };

/** A delivery older than what the ledger has (an in_progress arriving after its completed). */
function isStale(db: Ledger, runId: string, attempt: number, status: string): boolean {
  const stored = prepared(db, 'SELECT status FROM run_attempts WHERE run_id = ? AND attempt = ?', true).get(runId, attempt) as string | undefined;
  return stored !== undefined && (RANK[stored] ?? 0) > (RANK[status] ?? 0);
}

export function webhookRoutes(app: Hono<Env>, deps: Deps): void {
  const { db } = deps;
  const secretEnv = deps.config.serve.webhookSecretEnv;
  let lastPurge = 0;
  const firstOutcome = (id: string) => prepared(db, 'SELECT status, outcome FROM webhook_inbox WHERE delivery_id = ?').get(id) as { status: number; outcome: string } | undefined;
  const duplicate = (row: { status: number; outcome: string }) =>
    new Response(JSON.stringify({ duplicate: true, first: { status: row.status, ...JSON.parse(row.outcome) } }), { status: 202, headers: { 'content-type': 'application/json' } });

  app.post(
    '/webhooks/github',
    bodyLimit({ maxSize: MAX_BODY, onError: () => problemResponse(problem(413, `a webhook body is at most ${MAX_BODY / 1024 / 1024} MB`)) }),
    async (c) => {
      const secret = deps.base.io.env[secretEnv];
      if (!secret) return problemResponse(problem(503, `webhooks are off: the secret's env var ${secretEnv} (config.json serve.webhookSecretEnv) is not set`, { title: 'Webhook secret not configured' }));
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!validSignature(secret, body, c.req.header('x-hub-signature-256'))) return problemResponse(problem(401, 'X-Hub-Signature-256 is missing or does not match the body'));
      const event = c.req.header('x-github-event') ?? '';
      const delivery = c.req.header('x-github-delivery')?.trim() ?? '';
      if (event === 'ping') return c.json({ ok: true, pong: true, hook_id: tryJson(body)?.hook_id ?? null });
      if (!HANDLED.has(event)) return c.body(null, 204);
      if (!delivery) return problemResponse(problem(400, 'X-GitHub-Delivery: missing (GitHub always sends it)'));
      const payload = tryJson(body);
      if (!payload || typeof payload !== 'object') return problemResponse(problem(400, 'body: not a JSON object'));
      const seen = firstOutcome(delivery);
      if (seen) return duplicate(seen);

      const ctx = requestContext(deps, null);
      const retryPolicy = await ctx.config('retry-policy.json');
      const answer = await deps.write(async () => {
        // Again inside the queue: two copies of one delivery at once meet here.
        const again = firstOutcome(delivery);
        if (again) return { duplicate: again };
        const { record, outcome } = runRecord(db, event, payload as Payload);
        let enqueued: EnqueueOutcome[] = [];
        if (record) {
          outcome.import = await importRuns(db, once(JSON.stringify(record)), {
            inputName: `webhook ${event} ${delivery} (run ${outcome.run_id})`,
            now: ctx.nowIso,
            actor: { name: 'github-webhook', role: 'webhook' },
            parallel: false,
            retryPolicy,
            onEnqueued: (o) => (enqueued = o),
          });
        }
        if (Date.now() - lastPurge > 3_600_000) {
          lastPurge = Date.now();
          prepared(db, 'DELETE FROM webhook_inbox WHERE received_at < ?').run(toIso(Date.parse(ctx.nowIso) - INBOX_DAYS * 86_400_000));
        }
        prepared(db, 'INSERT INTO webhook_inbox (delivery_id, event, action, received_at, status, outcome) VALUES (?, ?, ?, ?, ?, ?)').run(
          delivery,
          event,
          outcome.action,
          ctx.nowIso,
          202,
          JSON.stringify(outcome),
        );
        deps.committed();
        // The ENQUEUE lines of the retry log are the retry-log consumer's (afterWrite).
        return { outcome };
      });
      if ('duplicate' in answer) return duplicate(answer.duplicate!);
      if (answer.outcome.import && (answer.outcome.import.inserted || answer.outcome.import.updated)) deps.afterWrite();
      return c.json(answer.outcome, 202);
    },
  );
}

function tryJson(body: Uint8Array): any {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return null;
  }
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}
