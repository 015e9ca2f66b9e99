import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import { NOW, OPS_BIN, opsProcess } from './helpers';
import { sseFrames } from '../src/base/sse-frames';

/** A real `ops serve` child on a random loopback port. */
export interface Served {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

const running: Served[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

export async function startServe(ws: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [OPS_BIN, 'serve', '--port', '0', '--json', ...(args.includes('--watch') ? [] : ['--no-watch']), '--workspace', ws, ...args], {
    env: { PATH: process.env.PATH, OPS_NOW: NOW, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    exited.then((code) => reject(new Error(`ops serve exited ${code}: ${err}`)));
  });
  const served: Served = {
    url: (JSON.parse(line) as { url: string }).url,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  running.push(served);
  return served;
}

/** `ops serve keys create NAME --role ROLE`: the key. */
export function createKey(ws: string, name: string, role: 'viewer' | 'operator' | 'admin'): string {
  const r = opsProcess(['serve', 'keys', 'create', name, '--role', role, '--workspace', ws]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

export async function call(base: string, path: string, o: { key?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
    headers: { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
  });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (CSV, a file)
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
  at: number;
}

/** An SSE reader: frames as they arrive (with the time each arrived), comments skipped. */
export function sse(base: string, key: string, o: { lastEventId?: number; query?: string } = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const ctl = new AbortController();
  let status = 0;
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const done = (async () => {
    const res = await fetch(`${base}/api/v1/events${o.query ? `?${o.query}` : ''}`, {
      headers: { authorization: `Bearer ${key}`, ...(o.lastEventId === undefined ? {} : { 'last-event-id': String(o.lastEventId) }) },
      signal: ctl.signal,
    });
    status = res.status;
    if (!res.ok || !res.body) return connected();
    try {
      for await (const frame of sseFrames(res.body as AsyncIterable<Uint8Array>)) {
        const f: SseEvent = { id: null, event: 'message', data: '', at: Date.now() };
        let isEvent = false;
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) {
            comments.push(line);
            if (line.startsWith(': subscribed')) connected();
          } else if (line.startsWith('id: ')) (f.id = line.slice(4)), (isEvent = true);
          else if (line.startsWith('event: ')) f.event = line.slice(7);
          else if (line.startsWith('data: ')) (f.data += line.slice(6)), (isEvent = true);
        }
        if (isEvent) events.push(f);
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    comments,
    ready,
    status: () => status,
    close: () => ctl.abort(),
    done,
    async waitFor(pred: (events: SseEvent[]) => boolean, timeoutMs = 5000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!pred(events)) {
        if (Date.now() > until) throw new Error(`SSE: condition not met in ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.id + ' ' + e.event))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Waits until the server's background work after writes (consumers, detection, delivery) is done. */
export async function settled(base: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const h = (await call(base, '/api/v1/healthz')).json;
    if (!h.settling) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('server still busy after 5 s');
}
