import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { MainConfig } from '../config/schemas';
import { resolveNow, toIso } from '../time/clock';
import type { AccessLog } from './access-log';
import type { EventHub } from './hub';
import type { ReadCache } from './read-cache';
import type { ApiKey } from './keys';
import type { rateLimiter } from './rate-limit';

/** What the routes share: one ledger connection, the event hub, the write queue. */
export interface Deps {
  /** The `ops serve` command's context: workspace, config, io. */
  base: Context;
  db: Ledger;
  hub: EventHub;
  /** Hot read answers, valid until the next commit. */
  readCache: ReadCache;
  limiter: ReturnType<typeof rateLimiter>;
  accessLog: AccessLog;
  config: MainConfig;
  version: string;
  /**
   * Runs a write alone: the connection is shared, and an import's transaction spans awaits,
   * so writes queue here (reads need not: SQLite reads are synchronous between them).
   */
  write<T>(work: () => Promise<T> | T): Promise<T>;
  /**
   * After a write: the event log's consumers, detection, GitHub's side of the killswitch and
   * notification delivery, as the CLI runs them after its commands; in the background,
   * coalesced (fifty webhooks in a burst make one pass, not fifty).
   */
  afterWrite(): void;
  /** True while background work after writes runs (GET /healthz `settling`). */
  settling(): boolean;
  /** Wakes the hub now (a write of ours is committed): clients see it without waiting for the poll. */
  committed(): void;
}

/**
 * The context of one request: the command's, with the time of the request (OPS_NOW still
 * pins it) and the key as actor (`key:alice-laptop`), so audit events name who acted.
 */
export function requestContext(deps: Deps, key: ApiKey | null): Context {
  const now = resolveNow(deps.base.io.env);
  return Object.assign(Object.create(deps.base) as Context, {
    now,
    nowIso: toIso(now),
    json: true,
    actor: key ? `key:${key.name}` : 'github-webhook',
    role: key ? key.role : 'webhook',
  });
}

/** A queue of async jobs run one at a time, in order. */
export function serialQueue(): <T>(work: () => Promise<T> | T) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T> | T) => {
    const run = tail.then(work);
    tail = run.catch(() => undefined);
    return run;
  };
}
