import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Env } from './api';
import type { Context } from '../cli/context';
import { openLedger } from '../ledger/open';
import { reachOut, settleLocally } from '../consumers/after-write';
import { accessLog } from './access-log';
import { createApp } from './app';
import { requestContext, serialQueue, type Deps } from './deps';
import { EventHub } from './hub';
import { ReadCache } from './read-cache';
import { rateLimiter } from './rate-limit';

declare const OPS_VERSION: string;
const version = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';

export interface ServeOptions {
  host: string;
  port: number;
  /** SSE heartbeat interval (tests shorten it). */
  heartbeatMs?: number;
  /**
   * More routes on the same app, before the not-found handler: the web dashboard at `/`
   * (issue 23, item 6) mounts itself here.
   */
  mount?: (app: Hono<Env>, deps: Deps) => void;
  /**
   * Work that runs in the server's process for as long as it runs, on its deps (ledger,
   * write queue, afterWrite): `ops watch`'s job runner (src/watch, startWatch) goes here.
   * Stopped before the ledger connections close.
   */
  background?: (deps: Deps) => Promise<{ stop(): Promise<void> | void }>;
}

export interface RunningServer {
  url: string;
  deps: Deps;
  /** Stops accepting, ends the SSE streams, waits for the background work, closes the ledger connections. */
  close(): Promise<void>;
}

/**
 * Starts `ops serve` on the command's context: one ledger connection for the routes and
 * writes, one for the event hub (its `data_version` moves on every other connection's
 * commit, ours included), the access log, and the HTTP server.
 */
export async function startServer(ctx: Context, opts: ServeOptions): Promise<RunningServer> {
  const config = await ctx.config('config.json');
  const db = await ctx.ledger({ create: true });
  const hubDb = openLedger(ctx.ledgerPath, { now: ctx.nowIso });
  const hub = new EventHub(hubDb, { heartbeatMs: opts.heartbeatMs }).start();
  const write = serialQueue();

  // Background work after writes, coalesced: while one pass runs, later requests only mark
  // that another pass is due.
  let settling: Promise<void> | null = null;
  let again = false;
  const settle = async () => {
    do {
      again = false;
      const ctxNow = requestContext(deps, null);
      const notes: string[] = [];
      // Local work (consumers, detection) in the write queue; GitHub and notification
      // delivery (network, seconds) outside it, so a webhook never waits behind a Slack call.
      await write(async () => {
        try {
          notes.push(...(await settleLocally(ctxNow, db)).notes);
        } catch (err) {
          notes.push(`after-write: ${(err as Error).message}`);
        }
      });
      hub.poll();
      try {
        notes.push(...(await reachOut(ctxNow, db)));
      } catch (err) {
        notes.push(`after-write: ${(err as Error).message}`);
      }
      for (const n of notes) ctx.io.stderr.write(`ops: serve: ${n}\n`);
    } while (again);
    settling = null;
  };

  const deps: Deps = {
    base: ctx,
    db,
    hub,
    readCache: new ReadCache(hubDb),
    limiter: rateLimiter(config.serve.rateLimit),
    accessLog: accessLog(join(ctx.workspace, '.ops', 'logs', 'serve-access.log')),
    config,
    version,
    write,
    afterWrite() {
      if (settling) again = true;
      else settling = settle();
    },
    settling: () => settling !== null,
    committed: () => hub.poll(),
  };
  const app = createApp(deps, opts.mount);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
    s.once('error', reject);
  });
  // 1 000 SSE clients and their reconnects: no per-socket timeout ends a stream.
  if ('requestTimeout' in server) (server as import('node:http').Server).requestTimeout = 0;
  // WHERE THE WATCHER STARTS: `ops watch`'s job runner (src/watch, issue 15) runs in this
  // process, on `deps`, through opts.background (commands/serve passes it; wired at merge).
  const background = opts.background ? await opts.background(deps) : null;
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    deps,
    async close() {
      await background?.stop();
      hub.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as import('node:http').Server).closeAllConnections?.();
      });
      await settling;
      await write(() => undefined);
      await deps.accessLog.close();
      hubDb.close();
    },
  };
}
