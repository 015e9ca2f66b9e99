import { eventsAfter, headSeq } from '../events/cursors';
import { describeEvent, payloadOf } from '../events/describe';
import type { AuditEvent } from '../events/log';
import type { Ledger } from '../ledger/open';

/**
 * The server's live event feed (GET /api/v1/events): ONE reader of the ledger for every
 * client. It polls `PRAGMA data_version` (one integer, changed only by another
 * connection's commit) and, when it moved, reads the new events once, formats each as an
 * SSE frame once, and hands the same bytes to every subscribed client.
 *
 * A client that resumes (Last-Event-ID / ?since=) first catches up from the ledger at its
 * own pace (a page whenever its socket has drained), then joins the live feed where the
 * hub is. A client whose unsent bytes pass `maxBufferedBytes` is dropped (the connection
 * is destroyed with its buffer): a stalled reader never grows the server's memory.
 */

export interface HubOptions {
  pollMs?: number;
  heartbeatMs?: number;
  /** Unsent bytes a client may have queued before it is dropped. */
  maxBufferedBytes?: number;
}

export interface Subscription {
  /** Resume after this seq (Last-Event-ID, ?since=); null: only new events. */
  since: number | null;
  /** Only these event types (`killswitch.engage`, or a prefix such as `killswitch.*`); null: all. */
  types: string[] | null;
}

/**
 * Where a client's bytes go: the HTTP response (Node's ServerResponse, written directly: one
 * socket write per event, no stream machinery between the hub and the socket).
 */
export interface Sink {
  write(chunk: Uint8Array): void;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly writableLength: number;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  end(): void;
  destroy(): void;
}

interface Client {
  sink: Sink;
  /** The last seq this client has been given (or skipped by its filter). */
  cursor: number;
  live: boolean;
  matches: (event: string) => boolean;
}

const PAGE = 500;
const enc = new TextEncoder();

/** `ops events tail --json`'s line for an event: the row, its payload parsed, its summary. */
export function eventJson(e: AuditEvent): string {
  return JSON.stringify({ ...e, payload: payloadOf(e), summary: describeEvent(e) });
}

export function sseFrame(e: AuditEvent): Uint8Array {
  return enc.encode(`id: ${e.seq}\nevent: ${e.event}\ndata: ${eventJson(e)}\n\n`);
}

export function typeMatcher(types: string[] | null): (event: string) => boolean {
  if (!types?.length) return () => true;
  const exact = new Set(types.filter((t) => !t.endsWith('*')));
  const prefixes = types.filter((t) => t.endsWith('*')).map((t) => t.slice(0, -1));
  return (event) => exact.has(event) || prefixes.some((p) => event.startsWith(p));
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private last: number;
  private version: number;
  private poller: NodeJS.Timeout | undefined;
  private beat: NodeJS.Timeout | undefined;
  private readonly opts: Required<HubOptions>;
  /** Events fanned out so far, and clients dropped for being slow (GET /healthz shows them). */
  readonly stats = { delivered: 0, dropped: 0 };

  constructor(
    private readonly db: Ledger,
    opts: HubOptions = {},
  ) {
    this.opts = { pollMs: opts.pollMs ?? 100, heartbeatMs: opts.heartbeatMs ?? 15_000, maxBufferedBytes: opts.maxBufferedBytes ?? 256 * 1024 };
    this.last = headSeq(db);
    this.version = db.pragma('data_version', { simple: true }) as number;
  }

  get head(): number {
    return this.last;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  start(): this {
    this.poller = setInterval(() => this.poll(), this.opts.pollMs);
    this.beat = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
    this.poller.unref();
    this.beat.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.poller);
    clearInterval(this.beat);
    for (const c of this.clients) this.close(c);
  }

  /** Reads what was committed since the last look, if anything was; cheap when nothing was. */
  poll(): void {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v === this.version) return;
    this.version = v;
    for (;;) {
      const batch = eventsAfter(this.db, this.last, PAGE);
      for (const e of batch) this.broadcast(e);
      if (batch.length < PAGE) return;
    }
  }

  private broadcast(e: AuditEvent): void {
    this.last = e.seq;
    let frame: Uint8Array | undefined;
    for (const c of this.clients) {
      if (!c.live) continue;
      c.cursor = e.seq;
      if (!c.matches(e.event)) continue;
      frame ??= sseFrame(e);
      this.send(c, frame);
    }
  }

  private send(c: Client, chunk: Uint8Array): void {
    if (c.sink.writableLength > this.opts.maxBufferedBytes) {
      // Its unsent bytes are over the bound: drop it (its buffer goes with it); it reconnects with Last-Event-ID.
      this.stats.dropped++;
      this.clients.delete(c);
      c.sink.destroy();
      return;
    }
    c.sink.write(chunk);
    this.stats.delivered++;
  }

  private heartbeat(): void {
    const beat = enc.encode(': heartbeat\n\n');
    for (const c of this.clients) this.send(c, beat);
  }

  private close(c: Client): void {
    this.clients.delete(c);
    c.sink.end();
  }

  /**
   * Subscribes a client whose response headers are sent: catch-up from `since` (if given),
   * a page at a time as its socket drains, then the live feed.
   */
  subscribe(sink: Sink, sub: Subscription): void {
    const since = sub.since === null ? this.last : Math.min(sub.since, this.last);
    const c: Client = { sink, cursor: since, live: since >= this.last, matches: typeMatcher(sub.types) };
    this.clients.add(c);
    sink.once('close', () => this.clients.delete(c));
    // `retry`: how long a browser waits before it reconnects; the comment tells a client it is subscribed.
    sink.write(enc.encode(`retry: 2000\n: subscribed at ${this.last}\n\n`));
    if (!c.live) this.catchUp(c);
  }

  /**
   * Up to where the hub is (the hub delivers what comes after), so nothing is sent twice and
   * nothing is skipped; paused while the client's buffer is over the bound.
   */
  private catchUp(c: Client): void {
    while (!c.live && this.clients.has(c)) {
      if (c.sink.writableLength > this.opts.maxBufferedBytes) {
        c.sink.once('drain', () => this.catchUp(c));
        return;
      }
      const batch = eventsAfter(this.db, c.cursor, PAGE).filter((e) => e.seq <= this.last);
      for (const e of batch) {
        c.cursor = e.seq;
        if (c.matches(e.event)) {
          c.sink.write(sseFrame(e));
          this.stats.delivered++;
        }
      }
      if (c.cursor >= this.last || batch.length === 0) c.live = true;
    }
  }
}
