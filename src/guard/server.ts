import { describeEngagement, GLOBAL, type Engagement } from '../killswitch/state';
import type { SourceReport, VariableVerdict } from './sources';

/**
 * `ops guard --server URL` (or OPS_SERVER): the killswitch from a team's `ops serve`, so a
 * bare runner without a ledger sees what every console and CI job shares. One GET with a
 * short timeout on the global fetch (nothing heavy on guard's path). Whatever keeps the
 * answer from being read — no token, no connection, a timeout, 401/403, a 5xx, a body
 * that is not the shape — blocks, as an unreadable OPS_KILLSWITCH does: an emergency
 * signal must not pass by being out of reach.
 */

export const DEFAULT_SERVER_TIMEOUT_MS = 5_000;

export interface ServerLookup {
  source: SourceReport;
  verdict: VariableVerdict;
}

export interface ServerOptions {
  url: string;
  /** OPS_TOKEN: an API key (`ops serve keys create NAME --role viewer` is enough). Never printed. */
  token: string | undefined;
  timeoutMs: number;
}

/** The server as messages name it: scheme, host, port and path, never credentials or a query. */
export function serverLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return JSON.stringify(url.replace(/\/\/[^/@]*@/, '//'));
  }
}

export async function askServer(o: ServerOptions, workflow: string | undefined): Promise<ServerLookup> {
  const label = serverLabel(o.url);
  const name = `ops serve ${label}`;
  const unreadable = (what: string): ServerLookup => ({
    source: { kind: 'server', name, state: 'unreadable' },
    verdict: { state: 'unreadable', reason: `${name}: ${what}; a killswitch that cannot be read blocks every workflow: fix the server or its address (--server, OPS_SERVER) and token (OPS_TOKEN)` },
  });
  let base: URL;
  try {
    base = new URL(o.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') return unreadable('expected an http:// or https:// URL');
  } catch {
    return unreadable('not a URL');
  }
  if (!o.token) return unreadable('no API key: set OPS_TOKEN (ops serve keys create NAME --role viewer)');
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/killswitch`, base);
  if (workflow !== undefined) endpoint.searchParams.set('scope', workflow);

  let res: Response;
  let text: string;
  try {
    res = await fetch(endpoint, { headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(o.timeoutMs), redirect: 'error' });
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return unreadable(`no answer within ${o.timeoutMs / 1000} s`);
    return unreadable(`unreachable (${e.cause?.code ?? e.cause?.message ?? e.message})`);
  }
  if (!res.ok) {
    let detail = '';
    try {
      const p = JSON.parse(text) as { detail?: unknown; title?: unknown };
      detail = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : '';
    } catch {
      // not problem JSON: the status alone
    }
    const why = res.status === 401 ? 'refused the token' : res.status === 403 ? 'the key may not read the killswitch' : `answered`;
    return unreadable(`${why} (HTTP ${res.status}${detail ? `: ${detail}` : ''})`);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
    if (body === null || typeof body !== 'object') throw new Error('not an object');
  } catch {
    return unreadable('answered something that is not the killswitch JSON');
  }
  if (typeof body.engaged !== 'boolean') return unreadable(`engaged: expected true or false, got ${JSON.stringify(body.engaged) ?? 'nothing'}`);
  if (!body.engaged) return { source: { kind: 'server', name, state: 'not-engaged' }, verdict: { state: 'not-engaged' } };
  // The server matched the scope (case ignored) and the expiry on its clock: engaged means engaged for this workflow.
  const e: Engagement = {
    id: 0,
    scope: typeof body.scope === 'string' ? body.scope : GLOBAL,
    reason: typeof body.reason === 'string' ? body.reason : '(no reason given)',
    actor: typeof body.actor === 'string' ? body.actor : 'unknown',
    engaged_at: typeof body.since === 'string' ? body.since : 'unknown',
    expires_at: typeof body.expires_at === 'string' ? body.expires_at : null,
    released_at: null,
    released_by: null,
    release_reason: null,
    release_kind: null,
  };
  return { source: { kind: 'server', name, state: 'engaged' }, verdict: { state: 'engaged', reason: `${describeEngagement(e)} (${name})` } };
}
