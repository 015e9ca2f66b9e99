import { describeEngagement, GLOBAL, type Engagement } from '../killswitch/state';
import type { SourceReport, VariableVerdict } from './sources';

/**
 * `ops guard --server URL` (or OPS_SERVER): the killswitch from a team's `ops serve`, so a
 * bare runner without a ledger sees what every console and CI job shares. One GET with a
 * short timeout, on node:http (a first fetch() in a fresh process loads undici: 75-180 ms
 * against 30-45 ms for http.get on this machine; guard runs before every job). Whatever keeps the
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

  let res: { status: number; text: string };
  try {
    res = await get(endpoint, { authorization: `Bearer ${o.token}`, accept: 'application/json' }, o.timeoutMs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ETIMEDOUT_OPS') return unreadable(`no answer within ${o.timeoutMs / 1000} s`);
    return unreadable(`unreachable (${e.code ?? e.message})`);
  }
  const text = res.text;
  if (res.status < 200 || res.status > 299) {
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

/** One GET: status and body, or an error (code ETIMEDOUT_OPS when `timeoutMs` passed first). Redirects are not followed. */
async function get(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_OPS' })), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
