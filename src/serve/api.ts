import type { Context as HonoContext, Hono } from 'hono';
import { z } from 'zod';
import type { ApiKey, Role } from './keys';
import { httpProblem } from './problem';
import { closest } from '../cli/suggest';

/**
 * The API's routes as data: each declares its method, path, the role it needs and its
 * zod schemas. One table registers the Hono handlers (validating input with the schemas)
 * and generates /api/v1/openapi.json, so the published schema is the one enforced.
 */

export type Env = { Variables: { key: ApiKey | null; route: string } };
export type Ctx = HonoContext<Env>;

export interface RouteDef<Q extends z.ZodObject = z.ZodObject, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI style, under /api/v1: `/runs/{id}`. */
  path: string;
  summary: string;
  /** null: no key needed. */
  role: Role | null;
  query?: Q;
  body?: B;
  /** What a 2xx answers (documentation; handlers build it). */
  response?: z.ZodType;
  /** Content types besides JSON it may answer (text/csv, text/event-stream, a file). */
  produces?: string[];
  /** Honours an Idempotency-Key header. */
  idempotent?: boolean;
  handler(c: Ctx, input: { query: z.output<Q>; body: z.output<B>; params: Record<string, string> }): Promise<Response> | Response;
}

export const BASE = '/api/v1';

/** zod's first issue as `field: problem`, the API's 400 detail (and the CLI's config errors' shape). */
export function issueText(err: z.ZodError, where: string): string {
  const i = err.issues[0]!;
  return `${[where, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`;
}

export function register(app: Hono<Env>, routes: RouteDef<any, any>[], before: (def: RouteDef) => import('hono').MiddlewareHandler<Env>): void {
  for (const def of routes) {
    const path = BASE + def.path.replace(/\{(\w+)\*\}/g, ':$1{.+}').replace(/\{(\w+)\}/g, ':$1');
    app.on(def.method, path, before(def), async (c) => {
      let query: unknown = {};
      if (def.query) {
        const raw = c.req.query();
        // A misspelt parameter (`?limt=5`) would otherwise be ignored and answer as if absent.
        const known = Object.keys(def.query.shape);
        const unknown = Object.keys(raw).find((k) => !known.includes(k) && k !== 'access_token');
        if (unknown !== undefined) {
          const near = closest(unknown, known);
          throw httpProblem(400, `query.${unknown}: unknown parameter; ${near ? `did you mean ${near}?` : `known: ${known.join(', ') || 'none'}`}`);
        }
        const parsed = def.query.safeParse(raw);
        if (!parsed.success) throw httpProblem(400, issueText(parsed.error, 'query'));
        query = parsed.data;
      }
      let body: unknown = undefined;
      if (def.body) {
        let raw: unknown = {};
        const text = await c.req.text();
        if (text.trim()) {
          try {
            raw = JSON.parse(text);
          } catch {
            throw httpProblem(400, 'body: not JSON');
          }
        }
        const parsed = def.body.safeParse(raw);
        if (!parsed.success) throw httpProblem(400, issueText(parsed.error, 'body'));
        body = parsed.data;
      }
      return def.handler(c, { query, body, params: c.req.param() as Record<string, string> } as never);
    });
  }
}

const jsonSchema = (t: z.ZodType, io: 'input' | 'output') => {
  try {
    return z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return {};
  }
};

const PROBLEM = {
  description: 'RFC 9457 problem details',
  content: {
    'application/problem+json': {
      schema: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } }, required: ['type', 'title', 'status'] },
    },
  },
};

/** The OpenAPI 3.1 document of the routes (and the webhook receiver). */
export function openApi(routes: RouteDef<any, any>[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params: unknown[] = [];
    for (const m of r.path.matchAll(/\{(\w+)\*?\}/g)) params.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
    if (r.query) {
      for (const [name, field] of Object.entries(r.query.shape)) {
        const f = field as z.ZodType;
        params.push({ name, in: 'query', required: !f.safeParse(undefined).success, schema: jsonSchema(f, 'input'), ...(f.description ? { description: f.description } : {}) });
      }
    }
    if (r.idempotent) params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' }, description: 'A repeated key within the TTL answers the first call instead of acting again' });
    const content: Record<string, unknown> = { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output') : {} } };
    for (const t of r.produces ?? []) content[t] = {};
    const responses: Record<string, unknown> = { '200': { description: 'OK', content } };
    if (r.role) {
      responses['401'] = PROBLEM;
      responses['403'] = PROBLEM;
      responses['429'] = PROBLEM;
    }
    if (r.query || r.body) responses['400'] = PROBLEM;
    (paths[BASE + r.path.replace('*}', '}')] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.role ? { security: [{ bearer: [] }], 'x-ops-role': r.role } : { security: [] }),
      parameters: params,
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  paths['/webhooks/github'] = {
    post: {
      summary: 'GitHub webhook receiver: workflow_run and workflow_job (X-Hub-Signature-256 verified, X-GitHub-Delivery de-duplicated)',
      security: [],
      responses: { '202': { description: 'Accepted (or a repeated delivery: the first outcome)' }, '204': { description: 'Event not handled' }, '401': PROBLEM, '413': PROBLEM },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'ops serve', version, description: 'The ops ledger over HTTP: runs, KPIs, retries, alerts, audit, evidence, the killswitch, live events.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `ops serve keys create`' } } },
    paths,
  };
}
