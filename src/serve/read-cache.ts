import type { Ledger } from '../ledger/open';

/**
 * Answers of hot read routes (GET /runs), kept while the ledger has not changed: a page is
 * reused only if `PRAGMA data_version` of the watching connection is what it was when the
 * page was read, and that number moves with every commit of every other connection (this
 * server's writer included). So an answer is never older than the last commit; fifty
 * dashboards asking for the latest runs cost one query, not fifty.
 */
export class ReadCache {
  private readonly pages = new Map<string, { version: number; body: string; headers: Record<string, string> }>();
  private bytes = 0;

  constructor(
    private readonly watch: Ledger,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  private version(): number {
    return this.watch.pragma('data_version', { simple: true }) as number;
  }

  /** The cached answer for `key`, or the fresh one `read` makes (then kept). */
  get(key: string, read: () => { body: string; headers: Record<string, string> }): { body: string; headers: Record<string, string>; hit: boolean } {
    const version = this.version();
    const hit = this.pages.get(key);
    if (hit && hit.version === version) {
      // Most recently used last: the Map's order is the eviction order.
      this.pages.delete(key);
      this.pages.set(key, hit);
      return { ...hit, hit: true };
    }
    if (hit) this.drop(key);
    const fresh = read();
    this.pages.set(key, { version, ...fresh });
    this.bytes += fresh.body.length;
    for (const k of this.pages.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
    return { ...fresh, hit: false };
  }

  private drop(key: string): void {
    const p = this.pages.get(key);
    if (!p) return;
    this.bytes -= p.body.length;
    this.pages.delete(key);
  }
}
