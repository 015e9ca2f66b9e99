/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `type` names the kind of
 * problem (a stable URI a client may branch on), `title` says it in words, `detail` says
 * what was wrong with this request.
 */

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://ops.dev/problems/';

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Not allowed for this key'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict'],
  413: ['too-large', 'Payload too large'],
  423: ['blocked', 'Blocked by the killswitch'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal server error'],
  503: ['busy', 'Ledger busy'],
};

export function problem(status: number, detail?: string, extra: Record<string, unknown> = {}): Problem {
  const [slug, title] = TITLES[status] ?? ['error', 'Error'];
  return { type: TYPE_BASE + slug, title, status, ...(detail === undefined ? {} : { detail }), ...extra };
}

/** A Response carrying a problem; `headers` adds e.g. WWW-Authenticate or Retry-After. */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), { status: p.status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

/** Thrown by route code; the app's error handler turns it into its problem response. */
export class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
  }
}

export const httpProblem = (status: number, detail?: string, extra?: Record<string, unknown>, headers?: Record<string, string>) => new HttpProblem(problem(status, detail, extra), headers);
