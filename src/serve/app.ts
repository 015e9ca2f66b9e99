import { Hono, type MiddlewareHandler } from 'hono';
import { Exit, OpsError, isBusyError } from '../base/errors';
import { BASE, openApi, register, type Env, type RouteDef } from './api';
import type { Deps } from './deps';
import { findKey, roleRank } from './keys';
import { HttpProblem, problem, problemResponse } from './problem';
import { readRoutes } from './routes/read';
import { killswitchRoutes } from './routes/killswitch';
import { eventRoutes } from './routes/events';
import { actionRoutes } from './routes/actions';
import { keyRoutes } from './routes/keys';
import { webhookRoutes } from './webhooks';
import { sessionRoutes } from './routes/session';
import { dashboardRoutes } from './web/dashboard';

/** Every /api/v1 route, in the order openapi.json lists them. */
export function apiRoutes(deps: Deps): RouteDef<any, any>[] {
  return [...readRoutes(deps), ...killswitchRoutes(deps), ...actionRoutes(deps), ...eventRoutes(deps), ...keyRoutes(deps), ...sessionRoutes()];
}

/** The HTTP app: access log around everything, then per route its key, role and rate limit. */
export function createApp(deps: Deps, mount?: (app: Hono<Env>, deps: Deps) => void): Hono<Env> {
  const app = new Hono<Env>();
  const routes = apiRoutes(deps);
  const spec = JSON.stringify(openApi(routes, deps.version));

  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('key', null);
    await next();
    const key = c.get('key');
    deps.accessLog.write({
      ts: new Date().toISOString(),
      key: key?.name ?? null,
      role: key?.role ?? null,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });

  app.get(`${BASE}/openapi.json`, () => new Response(spec, { headers: { 'content-type': 'application/json' } }));
  register(app, routes, (def) => guard(deps, def));
  webhookRoutes(app, deps);
  // The web dashboard's page and files (no key: the page asks for one).
  dashboardRoutes(app);
  mount?.(app, deps);

  app.notFound((c) => problemResponse(problem(404, `no route ${c.req.method} ${c.req.path}`)));
  app.onError((err) => errorResponse(deps, err));
  return app;
}

/**
 * A route's gate: `Authorization: Bearer <key>` names an active key (401 otherwise), the
 * key's role is enough (403), the key has tokens left (429 + Retry-After).
 */
function guard(deps: Deps, def: RouteDef): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (def.role === null) return next();
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    // EventSource cannot send headers: the SSE route also takes ?access_token= (never logged).
    const secret = m?.[1] ?? (def.produces?.includes('text/event-stream') ? c.req.query('access_token') : undefined);
    const challenge = { 'www-authenticate': 'Bearer realm="ops"' };
    if (!secret) return problemResponse(problem(401, 'send an API key as Authorization: Bearer <key> (ops serve keys create)'), challenge);
    const key = findKey(deps.db, secret);
    if (!key) return problemResponse(problem(401, 'unknown or revoked API key'), challenge);
    c.set('key', key);
    const wait = deps.limiter.take(String(key.id));
    if (wait > 0) return problemResponse(problem(429, `rate limit of key ${key.name} reached: retry in ${wait} s`), { 'retry-after': String(wait) });
    if (roleRank[key.role] < roleRank[def.role]) return problemResponse(problem(403, `${def.method} ${BASE}${def.path} needs the ${def.role} role; key ${key.name} is a ${key.role}`));
    return next();
  };
}

/** What a thrown error answers: its problem; an OpsError by its exit code; anything else 500 (details on stderr only). */
export function errorResponse(deps: Deps, err: unknown): Response {
  if (err instanceof HttpProblem) return problemResponse(err.problem, err.headers);
  if (err instanceof OpsError) {
    const detail = `${err.subject}: ${err.message}`;
    if (err.code === Exit.usage) return problemResponse(problem(400, detail));
    if (err.code === Exit.blocked) return problemResponse(problem(423, detail));
    if (err.code === Exit.busy) return problemResponse(problem(503, detail), { 'retry-after': '1' });
    deps.base.io.stderr.write(`ops: serve: ${detail}\n`);
    return problemResponse(problem(500, detail));
  }
  if (isBusyError(err)) return problemResponse(problem(503, 'the ledger is locked by another ops process; try again'), { 'retry-after': '1' });
  deps.base.io.stderr.write(`ops: serve: ${(err as Error)?.stack ?? String(err)}\n`);
  return problemResponse(problem(500, 'an internal error (the server log has it)'));
}
