// execa is loaded when gh is called: `ops killswitch status` reads the GitHub side's
// record without it (start-up cost).

/**
 * GitHub's REST API through `gh api -i` (issue 21): gh does the authentication and the
 * host (GitHub.com or Enterprise), ops reads the status line and the headers it prints
 * (ETag, Link, x-ratelimit-*, Retry-After) and honours the rate limits: a request that
 * hits a primary or secondary limit waits (saying so on stderr) and is asked again.
 */

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ApiClient {
  /** `path` relative to the API root (`/repos/o/r/actions/runs?per_page=100`). */
  get(path: string, opts?: { etag?: string | null }): Promise<ApiResponse>;
  /** Any method without a body (POST …/cancel, PUT …/disable): rate limits honoured as for get. */
  request(method: 'POST' | 'PUT' | 'DELETE' | 'GET', path: string): Promise<ApiResponse>;
  /** Requests made (for the report). */
  readonly requests: number;
}

export class ApiError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  gh: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** "Now" in epoch ms for x-ratelimit-reset (real time: a reset is GitHub's clock). */
  clock?: () => number;
  /** Waits (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each wait: one line for stderr. */
  onWait?: (text: string) => void;
  /** The longest a single wait may be before the sync gives up (default 15 min). */
  maxWaitMs?: number;
  /** How often one request is asked again after a rate limit or a 5xx (default 5). */
  maxTries?: number;
}

const STATUS_LINE = /^HTTP\/[\d.]+ (\d{3})[^\n]*\r?\n/;

/** Splits `gh api -i` output into status, headers (lower-case names) and body. */
export function parseIncluded(out: Buffer): ApiResponse | null {
  const head = out.subarray(0, Math.min(out.length, 64 * 1024)).toString('latin1');
  const m = STATUS_LINE.exec(head);
  if (!m) return null;
  const end = head.search(/\r?\n\r?\n/);
  const headerText = end < 0 ? head : head.slice(0, end);
  const bodyStart = end < 0 ? out.length : end + (head.slice(end).startsWith('\r\n\r\n') ? 4 : 2);
  const headers: Record<string, string> = {};
  for (const line of headerText.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(m[1]), headers, body: out.subarray(bodyStart) };
}

/** The `rel="next"` URL of a Link header, as a path gh api accepts (host and /api/v3 removed). */
export function nextLink(headers: Record<string, string>): string | null {
  const link = headers.link;
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1]!.replace(/^https?:\/\/[^/]+(\/api\/v3)?/, '');
  }
  return null;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function ghApi(opts: ApiOptions): ApiClient {
  const clock = opts.clock ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const maxWait = opts.maxWaitMs ?? 15 * 60_000;
  const maxTries = opts.maxTries ?? 5;
  let requests = 0;
  /** Primary limit exhausted: no request before this (epoch ms). */
  let pausedUntil = 0;

  const wait = async (ms: number, why: string, path: string) => {
    if (ms > maxWait) throw new ApiError(path, `${why}: would have to wait ${Math.ceil(ms / 1000)} s (more than ${Math.round(maxWait / 1000)} s)`, 429);
    opts.onWait?.(`${why}: waiting ${Math.max(1, Math.ceil(ms / 1000))} s`);
    await sleep(ms);
  };

  const client: ApiClient = {
    get requests() {
      return requests;
    },
    get(path, { etag } = {}) {
      return call('GET', path, etag);
    },
    request(method, path) {
      return call(method, path, null);
    },
  };
  async function call(method: string, path: string, etag: string | null | undefined): Promise<ApiResponse> {
    for (let attempt = 1; ; attempt++) {
      if (pausedUntil > clock()) await wait(pausedUntil - clock(), 'rate limit exhausted (x-ratelimit-remaining: 0)', path);
      const args = ['api', '-i', '--method', method, '-H', 'Accept: application/vnd.github+json'];
      if (etag) args.push('-H', `If-None-Match: ${etag}`);
      args.push(path);
      requests++;
      const { execa } = await import('execa');
      const r = await execa(opts.gh, args, {
        env: { ...opts.env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1', CLICOLOR: '0' },
        extendEnv: false,
        timeout: opts.timeoutMs,
        reject: false,
        encoding: 'buffer',
        maxBuffer: 512 * 1024 * 1024,
        stdin: 'ignore',
      });
      const stderr = Buffer.from(r.stderr ?? []).toString('utf8').trim();
      if (r.failed && (r as { code?: string }).code === 'ENOENT') throw new ApiError(path, `cannot run ${JSON.stringify(opts.gh)}: not found (set OPS_GH or config.json gh)`, null);
      if (r.timedOut) throw new ApiError(path, `gh api gave no answer within ${Math.round(opts.timeoutMs / 1000)} s (config.json ghTimeoutSeconds)`, null);
      const res = parseIncluded(Buffer.from(r.stdout ?? []));
      if (!res) throw new ApiError(path, `gh api failed (exit ${r.exitCode ?? '?'}): ${stderr.split('\n')[0] || 'no response'}`, null);
      const remaining = res.headers['x-ratelimit-remaining'];
      const reset = Number(res.headers['x-ratelimit-reset']);
      if (remaining === '0' && Number.isFinite(reset)) pausedUntil = reset * 1000;
      const limited = res.status === 429 || (res.status === 403 && (remaining === '0' || 'retry-after' in res.headers || /rate limit/i.test(res.body.toString('utf8', 0, 2000))));
      const retryable = limited || res.status >= 500;
      if (!retryable) return res;
      if (attempt >= maxTries) return res;
      const retryAfter = Number(res.headers['retry-after']);
      if (Number.isFinite(retryAfter) && retryAfter >= 0) {
        await wait(retryAfter * 1000, `${limited ? 'secondary rate limit' : `HTTP ${res.status}`} (HTTP ${res.status}, retry-after ${retryAfter})`, path);
      } else if (limited && remaining === '0' && Number.isFinite(reset)) {
        await wait(reset * 1000 - clock(), `rate limit exhausted (HTTP ${res.status})`, path);
      } else {
        // No hint: back off 1, 2, 4 … s (GitHub asks for at least a minute on a secondary limit without Retry-After).
        await wait(limited ? 60_000 : 1000 * 2 ** (attempt - 1), limited ? `secondary rate limit (HTTP ${res.status})` : `HTTP ${res.status}`, path);
      }
    }
  }
  return client;
}
