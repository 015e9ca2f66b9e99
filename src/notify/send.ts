import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Channel } from '../config/schemas';
import type { Notification } from './outbox';
import { DELIVERY_TIMEOUT_MS } from './schedule';
import { signature } from './sign';
import { githubIssue, logLine, slackMessage, webhookBody } from './render';

/** What one attempt to deliver came to: recorded in delivery_attempts, sanitized first. */
export interface AttemptResult {
  ok: boolean;
  request_id: string;
  http_status: number | null;
  duration_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

/** The world a sender touches: injected so tests and `ops notify test` use the same path. */
export interface SendEnv {
  env: NodeJS.ProcessEnv;
  /** `now` of the attempt, UTC ISO: the webhook timestamp and the log line's time. */
  now: () => string;
  gh: string;
  ghTimeoutMs: number;
  /** Appends the line to the notification log (recorded in the ledger first). */
  appendLog(at: string, line: string): void;
}

export const EXCERPT_CHARS = 500;

/** A channel's endpoint, or why it has none. */
export function endpoint(c: Channel, env: NodeJS.ProcessEnv): { url: string } | { error: string } {
  if (c.url) return { url: c.url };
  const url = c.urlEnv ? env[c.urlEnv] : undefined;
  if (!url) return { error: `environment variable ${c.urlEnv} (urlEnv of channel ${c.name}) is not set` };
  if (!/^https?:\/\//.test(url)) return { error: `environment variable ${c.urlEnv} (urlEnv of channel ${c.name}) is not an http(s) URL` };
  return { url };
}

/** Sends one notification to one channel, once. Never throws: a failure is a result. */
export async function send(c: Channel, n: Notification, e: SendEnv): Promise<AttemptResult> {
  const requestId = randomUUID();
  const started = performance.now();
  const done = (r: Partial<AttemptResult>): AttemptResult => ({
    ok: false,
    request_id: requestId,
    http_status: null,
    error: null,
    response_excerpt: null,
    ...r,
    duration_ms: Math.round(performance.now() - started),
  });
  try {
    switch (c.type) {
      case 'log':
        e.appendLog(e.now(), logLine(n));
        return done({ ok: true });
      case 'github_issue':
        return done(await createIssue(c, n, e));
      case 'slack':
      case 'webhook': {
        const where = endpoint(c, e.env);
        if ('error' in where) return done({ error: where.error });
        const body = c.type === 'slack' ? JSON.stringify(slackMessage(n)) : JSON.stringify(webhookBody(n, c.name));
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'ops-notify', 'x-request-id': requestId };
        if (c.type === 'webhook') {
          const secret = c.secretEnv ? e.env[c.secretEnv] : undefined;
          if (!secret) return done({ error: `environment variable ${c.secretEnv} (secretEnv of channel ${c.name}) is not set: not sending unsigned` });
          const ts = String(Math.floor(Date.parse(e.now()) / 1000));
          headers['x-ops-timestamp'] = ts;
          headers['x-ops-signature-256'] = signature(secret, ts, body);
          headers['idempotency-key'] = `notify:${n.id}:${c.name}`;
        }
        return done(await post(where.url, headers, body));
      }
    }
  } catch (err) {
    return done({ error: (err as Error).message });
  }
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Partial<AttemptResult>> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS), redirect: 'error' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { error: `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s` };
    return { error: e.cause?.code ? `${e.message}: ${e.cause.code}` : e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message };
  }
  let text = '';
  try {
    // The rest of the body is not needed; a server that streams forever is cut by the timeout.
    text = (await res.text()).slice(0, EXCERPT_CHARS);
  } catch (err) {
    text = `(body unreadable: ${(err as Error).message})`;
  }
  return { ok: res.ok, http_status: res.status, response_excerpt: text || null, error: res.ok ? null : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` };
}

async function createIssue(c: Channel, n: Notification, e: SendEnv): Promise<Partial<AttemptResult>> {
  const { runCommand, errorExcerpt } = await import('../retry/execute');
  const issue = githubIssue(n);
  const argv = [e.gh, 'issue', 'create', '--title', issue.title, '--body', issue.body, ...(c.repo ? ['--repo', c.repo] : []), ...c.labels.flatMap((l) => ['--label', l])];
  const r = await runCommand(argv, { timeoutMs: e.ghTimeoutMs, env: e.env });
  const out = errorExcerpt(r, EXCERPT_CHARS) || null;
  if (r.spawnError) return { error: r.spawnError };
  if (r.timedOut) return { error: `gh issue create timed out after ${e.ghTimeoutMs / 1000} s`, response_excerpt: out };
  if (r.exitCode !== 0) return { error: `gh issue create exited ${r.exitCode}`, response_excerpt: out };
  return { ok: true, response_excerpt: out };
}
