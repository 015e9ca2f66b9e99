import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The access log: one JSON line per request in `.ops/logs/serve-access.log` (key name,
 * role, method, route, path, status, duration). Never the key, the Authorization header or
 * the query string (a client might put a token there). A file, not a ledger table: every
 * request would otherwise be a write competing with the ledger's real writers.
 */
export interface AccessEntry {
  ts: string;
  key: string | null;
  role: string | null;
  method: string;
  route: string;
  path: string;
  status: number;
  ms: number;
}

export interface AccessLog {
  write(e: AccessEntry): void;
  close(): Promise<void>;
  readonly path: string;
}

export function accessLog(path: string): AccessLog {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  // A full disk must not take the API down: the log line is lost, the request is served.
  out.on('error', () => undefined);
  // Lines are gathered and written together every 100 ms (or at 64 KB): one write a tick
  // of the clock instead of one per request under load.
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pending) out.write(pending);
    pending = '';
  };
  return {
    path,
    write: (e) => {
      pending += JSON.stringify(e) + '\n';
      if (pending.length >= 65_536) flush();
      else timer ??= setTimeout(flush, 100).unref();
    },
    close: () => {
      clearTimeout(timer);
      flush();
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}
