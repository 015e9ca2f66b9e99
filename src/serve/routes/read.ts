import { z } from 'zod';
import { parseDuration, parseSince } from '../../cli/parse';
import { canonicalWorkflow } from '../../runs/workflows';
import { listRunsPage, runAttempts, type RunPageKey } from '../../runs/store';
import { runConclusions, runKeys, runStatuses, type Run } from '../../runs/types';
import { collectStatus, statusDocument } from '../../status/collect';
import { ledgerKpis } from '../../kpi/ledger-kpis';
import { kpiStatus } from '../../kpi/status';
import { countEntries, entryJson, listEntries } from '../../retry/queue';
import { listAlerts, openAlerts } from '../../detect/alerts';
import { describeEvent, payloadOf } from '../../events/describe';
import { prepared } from '../../ledger/statements';
import type { AuditEvent } from '../../events/log';
import { BASE, type Ctx, type RouteDef } from '../api';
import { requestContext, type Deps } from '../deps';
import { httpProblem } from '../problem';
import { alertSchema, eventSchema, retryEntrySchema, runSchema, statusSchema } from '../schemas';
import { evidenceRoutes } from './evidence';

const limit = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const runsQuery = z.object({
  workflow: z.string().min(1).optional().describe('Only this workflow (any case)'),
  repo: z.string().min(1).optional().describe('Only this repository (OWNER/NAME)'),
  branch: z.string().min(1).optional(),
  conclusion: z.enum(runConclusions).optional(),
  status: z.enum(runStatuses).optional(),
  failed: flag.optional().describe('Only failed runs (failure, timed_out, startup_failure)'),
  since: z.string().min(1).optional().describe('Started at/after: ISO-8601 time, or a duration back from now (24h, 7d)'),
  limit: limit(30, 1000),
  cursor: z.string().min(1).optional().describe('Where the previous page ended (from its Link rel="next")'),
  format: z.enum(['json', 'csv']).default('json'),
});

const encodeCursor = (k: RunPageKey) => Buffer.from(JSON.stringify([k.sort_at, k.run_id])).toString('base64url');
function decodeCursor(text: string): RunPageKey {
  try {
    const [sort_at, run_id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof sort_at === 'string' && typeof run_id === 'string') return { sort_at, run_id };
  } catch {
    // falls through
  }
  throw httpProblem(400, 'query.cursor: not a cursor this server gave out');
}

/** `Link: <…?cursor=X>; rel="next", <…>; rel="first"` (RFC 8288), the request's other parameters kept. */
function linkHeader(c: Ctx, next: string | null): string {
  const url = new URL(c.req.url);
  const at = (cursor: string | null) => {
    const u = new URL(url);
    if (cursor === null) u.searchParams.delete('cursor');
    else u.searchParams.set('cursor', cursor);
    return `<${u.pathname}${u.search}>`;
  };
  return [next ? `${at(next)}; rel="next"` : null, `${at(null)}; rel="first"`].filter(Boolean).join(', ');
}

const csvCell = (v: unknown) => {
  let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // A text cell a spreadsheet would run as a formula (a branch named `=HYPERLINK(…)`) is quoted as text.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
export const runsCsv = (runs: Run[]) => [runKeys.join(','), ...runs.map((r) => runKeys.map((k) => csvCell(r[k])).join(','))].join('\r\n') + '\r\n';

export function readRoutes(deps: Deps): RouteDef<any, any>[] {
  const { db } = deps;
  return [
    {
      method: 'GET',
      path: '/healthz',
      summary: 'Liveness (no key): the server answers and reads the ledger',
      role: null,
      response: z.object({ ok: z.boolean(), version: z.string(), head_seq: z.number(), sse_clients: z.number(), sse_dropped: z.number(), settling: z.boolean().describe('Consumers, detection or notifications still running after a write') }),
      handler: (c) => c.json({ ok: true, version: deps.version, head_seq: deps.hub.head, sse_clients: deps.hub.clientCount, sse_dropped: deps.hub.stats.dropped, settling: deps.settling() }),
    },
    {
      method: 'GET',
      path: '/status',
      summary: 'What `ops status --json` prints: killswitch, runs of the last 24 h, retry queue, open alerts, notifications, latest failures',
      role: 'viewer',
      response: statusSchema,
      handler: async (c) => {
        const ctx = requestContext(deps, c.get('key'));
        return c.json(statusDocument(ctx, await collectStatus(ctx, db)));
      },
    },
    {
      method: 'GET',
      path: '/runs',
      summary: 'Runs, latest first (the latest attempt of each), filtered as `ops runs list`; cursor pagination (Link rel="next"); ?format=csv',
      role: 'viewer',
      query: runsQuery,
      response: z.array(runSchema),
      produces: ['text/csv'],
      handler: (c, { query }: { query: z.output<typeof runsQuery> }) => {
        const read = () => {
          const ctx = requestContext(deps, c.get('key'));
          const since = query.since === undefined ? undefined : parseSince('since', query.since, ctx.now);
          const workflow = query.workflow === undefined ? undefined : canonicalWorkflow(db, query.workflow);
          const filter = { workflow, repository: query.repo, branch: query.branch, conclusion: query.conclusion, status: query.status, failed: query.failed, since, limit: query.limit };
          const page = listRunsPage(db, filter, query.cursor ? decodeCursor(query.cursor) : null);
          const headers: Record<string, string> = { link: linkHeader(c, page.next && encodeCursor(page.next)) };
          if (query.format === 'csv') return { body: runsCsv(page.runs), headers: { ...headers, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="runs.csv"' } };
          return { body: JSON.stringify(page.runs), headers: { ...headers, 'content-type': 'application/json' } };
        };
        // A relative ?since= (24h) moves with the clock: not the same answer a second later.
        const cacheable = !deps.db.inTransaction && (query.since === undefined || parseDuration(query.since) === null);
        const url = new URL(c.req.url);
        const answer = cacheable ? deps.readCache.get(url.pathname + url.search, read) : read();
        return c.body(answer.body, 200, answer.headers);
      },
    },
    {
      method: 'GET',
      path: '/runs/{id}',
      summary: 'One run: its latest attempt and every attempt (`ops runs show --json`)',
      role: 'viewer',
      response: runSchema.extend({ attempts: z.array(runSchema) }),
      handler: (c, { params }) => {
        const attempts = runAttempts(db, params.id!);
        const latest = attempts.at(-1);
        if (!latest) throw httpProblem(404, `run ${params.id} is not in the ledger`);
        return c.json({ ...latest, attempts });
      },
    },
    {
      method: 'GET',
      path: '/kpi',
      summary: 'KPIs of a window (`ops kpi --json`)',
      role: 'viewer',
      query: z.object({ window: z.string().default('7d').describe('24h, 7d, 30d, 2w'), workflow: z.string().min(1).optional() }),
      handler: async (c, { query }) => {
        const windowMs = parseDuration(query.window);
        if (!windowMs) throw httpProblem(400, `query.window: expected a duration such as 24h, 7d or 30d, got ${JSON.stringify(query.window)}`);
        const ctx = requestContext(deps, c.get('key'));
        const timezone = await ctx.timezone();
        const targets = (await ctx.config('config.json')).kpiTargets;
        const workflow = query.workflow === undefined ? null : canonicalWorkflow(db, query.workflow);
        const kpis = ledgerKpis(db, { window: query.window.trim(), windowMs, now: ctx.now, workflow, timezone });
        const status = kpiStatus(kpis, targets);
        return c.json({ ...kpis, targets: status.filter((s) => s.target !== null).map(({ name, comparison, target, value, status }) => ({ name, comparison, target, value, status })) });
      },
    },
    {
      method: 'GET',
      path: '/retries',
      summary: 'The retry queue (`ops retry list --json`); X-Total-Count has the count without the limit',
      role: 'viewer',
      query: z.object({ state: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']).optional(), run: z.string().min(1).optional(), limit: limit(50, 1000) }),
      response: z.array(retryEntrySchema),
      handler: (c, { query }) => {
        const filter = { state: query.state, runId: query.run };
        return c.json(listEntries(db, { ...filter, limit: query.limit }).map(entryJson), 200, { 'x-total-count': String(countEntries(db, filter)) });
      },
    },
    {
      method: 'GET',
      path: '/alerts',
      summary: 'Alerts: the open ones (default), or ?state=all for the latest of every state',
      role: 'viewer',
      query: z.object({ state: z.enum(['open', 'all']).default('open'), limit: limit(100, 1000) }),
      response: z.array(alertSchema),
      handler: (c, { query }) => c.json(query.state === 'open' ? openAlerts(db) : listAlerts(db, query.limit)),
    },
    {
      method: 'GET',
      path: '/audit',
      summary: 'The audit log (event log), oldest first after ?since=SEQ (default: the latest ?limit events)',
      role: 'viewer',
      query: z.object({ since: z.coerce.number().int().min(0).optional().describe('Only events after this seq'), limit: limit(100, 1000) }),
      response: z.array(eventSchema),
      handler: (c, { query }) => {
        const rows = (
          query.since === undefined
            ? (prepared(db, 'SELECT * FROM (SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(query.limit) as AuditEvent[])
            : (prepared(db, 'SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(query.since, query.limit) as AuditEvent[])
        ).map((e) => ({ ...e, payload: payloadOf(e), summary: describeEvent(e) }));
        const last = rows.at(-1);
        const headers: Record<string, string> = {};
        if (last && rows.length === query.limit) headers.link = `<${BASE}/audit?since=${last.seq}&limit=${query.limit}>; rel="next"`;
        return c.json(rows, 200, headers);
      },
    },
    ...evidenceRoutes(deps),
  ];
}
