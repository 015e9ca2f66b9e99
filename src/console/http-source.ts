import { sseFrames } from '../base/sse-frames';
import { errorText } from '../cli/errors';
import { GLOBAL, isActive, type Engagement } from '../killswitch/state';
import type { Run } from '../runs/types';
import type { QueueSummary, RetryEntry } from '../retry/queue';
import type { Alert } from '../detect/alerts';
import type { Kpis } from '../kpi/types';
import type { KpiStatus } from '../kpi/status';
import type { ConsoleKpis, ConsoleSource, RunQuery, RunTally } from '../../views/source';
import type { ConsoleActions, KillswitchChoice } from '../../views/actions';

/**
 * `ops-console --server URL`: the console's data from a team's `ops serve` instead of a
 * local ledger. The console reads its source synchronously during render, so this keeps a
 * snapshot of what the screen needs (latest runs, the killswitch, the 24 h tally, the retry
 * queue, alerts), refetched as a whole whenever the server's event stream says something
 * happened; each completed refetch moves `dataVersion`, which the console already polls.
 * K and X go through POST /api/v1/killswitch(/release) under the key's name, so a console
 * here and a CI job's `ops guard --server` share one killswitch.
 */

export interface HttpSourceOptions {
  /** The server's base URL (http://host:port). */
  url: string;
  /** OPS_TOKEN: the API key. Sent as Bearer, never shown. */
  token: string;
  /** How many of the latest runs the snapshot keeps (what the runs panel can scroll over). */
  runsWindow?: number;
  /** Each request's timeout. */
  timeoutMs?: number;
}

export interface ServerSession {
  source: ConsoleSource;
  actions: ConsoleActions;
  /** The key's name and role, from GET /whoami. */
  who: { name: string; role: string; can_act: boolean };
  /** Messages for the status line (the stream dropped, came back). */
  notices: { subscribe(listener: (text: string) => void): () => void };
  stop(): void;
}

interface Snapshot {
  runs: Run[];
  total: number;
  engagements: Engagement[];
  tally: RunTally;
  queue: QueueSummary | null;
  retries: RetryEntry[];
  retryTotal: number;
  alerts: Alert[];
}

interface KillswitchJson {
  engaged: boolean;
  scope: string | null;
  reason: string | null;
  actor: string | null;
  since: string | null;
  expires_at: string | null;
}

const FAILED = ['failure', 'timed_out', 'startup_failure'];

/** A request failed: the server's problem detail when it sent one. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The answer's JSON, when it had one. */
    readonly body: any = null,
  ) {
    super(message);
  }
}

/** Connects (GET /whoami, then the first snapshot) and starts following the event stream. */
export async function connectServer(o: HttpSourceOptions): Promise<ServerSession> {
  const base = o.url.replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const runsWindow = o.runsWindow ?? 500;
  const headers = { authorization: `Bearer ${o.token}`, accept: 'application/json' };
  const listeners = new Set<(text: string) => void>();
  const say = (text: string) => listeners.forEach((l) => l(text));

  async function request(path: string, init: RequestInit = {}): Promise<{ body: any; res: Response }> {
    let res: Response;
    try {
      res = await fetch(base + '/api/v1' + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new ServerError(0, e.name === 'TimeoutError' ? `${base}: no answer within ${timeoutMs / 1000} s` : `${base}: unreachable (${e.cause?.code ?? e.message})`);
    }
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) throw new ServerError(res.status, `${res.status}: ${body?.detail ?? body?.title ?? res.statusText}`, body);
    return { body, res };
  }
  const get = async (path: string) => (await request(path)).body;

  let who: ServerSession['who'];
  try {
    who = (await get('/whoami')) as ServerSession['who'];
  } catch (err) {
    // At start the message names the server (later ones are about a screen that already does).
    throw err instanceof ServerError && err.status !== 0 ? new ServerError(err.status, `${base}: ${err.message}`) : err;
  }

  let snap: Snapshot = { runs: [], total: 0, engagements: [], tally: { total: 0, success: 0, failed: 0, active: 0, other: 0 }, queue: null, retries: [], retryTotal: 0, alerts: [] };
  let version = 0;
  let failure: string | null = null;

  async function load(): Promise<void> {
    const [runs, ks, status, retries, alerts] = await Promise.all([
      get(`/runs?limit=${runsWindow}`) as Promise<Run[]>,
      get('/killswitch') as Promise<KillswitchJson & { active: KillswitchJson[] }>,
      get('/status'),
      request('/retries?limit=200'),
      get('/alerts?state=all&limit=100') as Promise<Alert[]>,
    ]);
    const c = status.runs.by_conclusion as Record<string, number>;
    const st = status.runs.by_status as Record<string, number>;
    const failed = FAILED.reduce((n, k) => n + (c[k] ?? 0), 0);
    const active = (st.queued ?? 0) + (st.in_progress ?? 0);
    const success = c.success ?? 0;
    snap = {
      runs,
      total: runs.length,
      engagements: ks.active.map(toEngagement),
      tally: { total: status.runs.total, success, failed, active, other: Math.max(0, status.runs.total - success - failed - active) },
      queue: status.retry_queue ?? null,
      retries: (retries.body as any[]).map(toRetryEntry),
      retryTotal: Number(retries.res.headers.get('x-total-count') ?? (retries.body as unknown[]).length),
      alerts,
    };
  }

  // Refetches coalesce: while one runs, later events only mark that another is due.
  let loading: Promise<void> | null = null;
  let again = false;
  let lastLoad = 0;
  function reload(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        // At most one round of requests a second, whatever the stream brings: the key's
        // rate limit is shared with everything else using it.
        const wait = lastLoad + 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        lastLoad = Date.now();
        try {
          await load();
          failure = null;
        } catch (err) {
          failure = errorText(err);
        }
        version++;
      } while (again);
      loading = null;
    })();
    return loading;
  }

  await load();
  const stream = followEvents(base, headers, () => void reload(), (text) => {
    say(text);
    // Back after a gap: what happened meanwhile may not all have come as events.
    if (text.startsWith('live')) void reload();
  });

  const matches = (r: Run, q: RunQuery) => {
    const has = (v: string | null, t: string) => (v ?? '').toLowerCase().includes(t.toLowerCase());
    return (
      q.workflow.every((t) => has(r.workflow, t)) &&
      q.branch.every((t) => has(r.branch, t)) &&
      q.conclusion.every((t) => has(r.conclusion ?? r.status, t)) &&
      q.words.every((t) => has(r.workflow, t) || has(r.branch, t))
    );
  };

  const source: ConsoleSource = {
    latestRuns: (limit, offset, q) => (q ? snap.runs.filter((r) => matches(r, q)) : snap.runs).slice(offset, offset + limit),
    totalRuns: () => snap.total,
    matchingRuns: (q, cap) => {
      const n = snap.runs.filter((r) => matches(r, q)).length;
      return { count: Math.min(n, cap), more: n > cap, searched: snap.runs.length };
    },
    counts24h: () => snap.tally,
    // The server's answer, less what has lapsed since (an expiry is an event only once swept).
    activeKillswitch: (nowIso) => snap.engagements.filter((e) => isActive(e, nowIso)),
    retryQueue: () => snap.queue,
    retryEntries: (limit, offset) => snap.retries.slice(offset, offset + limit),
    retryTotal: () => Math.min(snap.retryTotal, snap.retries.length),
    // Audit tickets are files in the server's workspace: not over the API.
    tickets: () => [],
    alerts: (limit) => snap.alerts.slice(0, limit),
    runDetails: (runId) => ({ attempts: snap.runs.filter((r) => r.run_id === runId), retries: [], evidence: [] }),
    retryDetails: (id) => {
      const entry = snap.retries.find((e) => e.id === id);
      return entry ? { entry, attempts: [], evidence: [] } : null;
    },
    knownWorkflows: () => [...new Set(snap.runs.map((r) => r.workflow))].sort(),
    latestRollback: () => null,
    dataVersion: () => {
      // The console shows this as its "cannot read" line, and keeps the last data on screen.
      if (failure) throw new Error(failure);
      return version;
    },
    evidenceStamp: () => '',
    async kpis(_now, days): Promise<ConsoleKpis> {
      const k = (await get(`/kpi?window=${days}d`)) as Kpis & { targets: Pick<KpiStatus, 'name' | 'comparison' | 'target' | 'value' | 'status'>[] };
      return { kpis: k, status: k.targets as KpiStatus[], targetsError: null };
    },
  };

  const act = async (path: string, body: Record<string, unknown>): Promise<string> => {
    try {
      const { body: out } = await request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomKey() }, body: JSON.stringify(body) });
      void reload();
      const scope = out.scope === GLOBAL || out.scope == null ? 'all workflows' : `workflow ${JSON.stringify(out.scope)}`;
      const what = out.action === 'engaged' ? 'KILLSWITCH ENGAGED' : out.action === 'released' ? 'killswitch released' : `nothing to do (${out.action})`;
      return `${what} for ${scope} on ${base} as ${who.name}`;
    } catch (err) {
      // A viewer's key: 403 with the server's reason.
      if (err instanceof ServerError && (err.status === 403 || err.status === 401)) return `refused by ${base}: ${err.message}`;
      throw err;
    }
  };
  const request_ = (reason: string, c: KillswitchChoice = {}) => {
    const body: Record<string, unknown> = { reason };
    if (c.scope && c.scope !== GLOBAL) body.scope = c.scope;
    if (c.expiresInMs) body.expires = `${Math.max(1, Math.round(c.expiresInMs / 60_000))}m`;
    return body;
  };
  const actions: ConsoleActions = {
    engageKillswitch: (reason, c) => act('/killswitch', request_(reason, c)),
    releaseKillswitch: (reason, c) => act('/killswitch/release', request_(reason, { scope: c?.scope })),
    async replayRetry(id) {
      try {
        const { body } = await request(`/retries/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomKey() }, body: '{}' });
        void reload();
        const r = (body?.results ?? [])[0] as { result: string; attempt: number; max_attempts: number; state: string } | undefined;
        if (body?.deferred?.length) return `replay #${id}: deferred: the workflow's retry budget for the hour is used up`;
        return r ? `replay #${id}: ${r.result} (attempt ${r.attempt}/${r.max_attempts}, now ${r.state}) on ${base}` : `replay #${id}: not waiting (already running or finished)`;
      } catch (err) {
        if (err instanceof ServerError && (err.status === 403 || err.status === 401)) return `refused by ${base}: ${err.message}`;
        // 423: the killswitch holds it (the server's detail says which).
        if (err instanceof ServerError && err.status === 423) {
          const held = err.body?.held?.[0] as { reason?: string } | undefined;
          return `replay #${id}: held: the killswitch is engaged${held?.reason ? ` (${held.reason})` : ''}`;
        }
        throw err;
      }
    },
  };

  return {
    source,
    actions,
    who,
    notices: {
      subscribe(listener) {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
    },
    stop: () => stream.stop(),
  };
}

const randomKey = () => `console-${crypto.randomUUID()}`;

function toEngagement(k: KillswitchJson): Engagement {
  return {
    id: 0,
    scope: k.scope ?? GLOBAL,
    reason: k.reason ?? '',
    actor: k.actor ?? 'unknown',
    engaged_at: k.since ?? '',
    expires_at: k.expires_at,
    released_at: null,
    released_by: null,
    release_reason: null,
    release_kind: null,
  };
}

function toRetryEntry(j: Record<string, any>): RetryEntry {
  return { watch_attempt: null, dispatched_at: null, ...j, held_by: j.held_by_killswitch ?? null } as RetryEntry;
}

/**
 * GET /api/v1/events with the key as a header (Node's fetch can send one), read as it comes;
 * `changed` after each event. Dropped or refused: tried again every 2 s, resuming with
 * Last-Event-ID from the last seq seen.
 */
function followEvents(base: string, headers: Record<string, string>, changed: () => void, say: (text: string) => void) {
  let stopped = false;
  let ctl: AbortController | null = null;
  let lastId: string | null = null;
  let wasDown = false;
  const loop = async () => {
    while (!stopped) {
      ctl = new AbortController();
      try {
        const res = await fetch(`${base}/api/v1/events`, { headers: { ...headers, accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) }, signal: ctl.signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        if (wasDown) say(`live again: following ${base}`);
        wasDown = false;
        for await (const frame of sseFrames(res.body as AsyncIterable<Uint8Array>)) {
          const id = /^id: ?(.*)$/m.exec(frame)?.[1];
          if (id) lastId = id;
          if (/^data:/m.test(frame)) changed();
        }
        throw new Error('the stream ended');
      } catch (err) {
        if (stopped) return;
        if (!wasDown) say(`event stream from ${base} lost (${errorText(err)}): retrying every 2 s; the screen may be stale`);
        wasDown = true;
        await new Promise((r) => setTimeout(r, 2000).unref());
      }
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      ctl?.abort();
    },
  };
}
