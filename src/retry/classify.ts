import type { Classification, FailureClass, RiskLevel } from '../runs/types';

/**
 * Failure classification (SPEC §2.1, §2.2, §5.3): from an HTTP status, an exit code and
 * stderr/log text to {http_status, class, cause, retryable, risk, action}. Pure: no I/O,
 * no clock (pass `now` to turn an `x-ratelimit-reset` epoch into seconds).
 *
 * How a verdict is reached when a log carries several signals (a 502 that was retried,
 * then a 422): every signal found votes for a class, and the class that says "a retry
 * cannot help" wins over the one that says "it might". Order, strongest first:
 * rate_limit > (run cannot be re-run) > permission > configuration > resource > transient
 * > unknown. Rate limits come first because GitHub sends them as 403s, which must not be
 * read as a permission problem; an ops retry of a permission or configuration failure
 * would only fail again the same way and burn the retry budget.
 *
 * Matching is deliberately specific. Bare "not found", "could not find", "timeout" and
 * "rate limit" appear all over ordinary build and test logs ("Module not found", "Could
 * not find a declaration file", jest's "Exceeded timeout of 5000 ms", a test of a "rate
 * limiter"); they count only in the phrasings GitHub, gh, git, npm, docker and Node use.
 *
 * Cost on big logs: one pass of a single regex over the text finds which literal needles
 * occur at all (measured 3x faster on a 20 MB log than lower-casing it and calling
 * `includes` per needle); a rule's own regex runs only when its needle was seen.
 */

export interface ClassifyInput {
  /** Status of an HTTP response the caller saw itself; wins over statuses found in the text. */
  httpStatus?: number | null;
  exitCode?: number | null;
  /** stderr, a log excerpt or a whole log. */
  text?: string;
  /** Epoch ms; only used to turn an `x-ratelimit-reset` epoch into `retry_after_s`. */
  now?: number;
}

/** The §10.4 `classify` object, plus rate-limit timing when the text states it. */
export interface ClassifyResult extends Classification {
  /** Seconds to wait before retrying: `Retry-After`, else the reset epoch minus `now`. */
  retry_after_s?: number;
  /** When the rate-limit window resets (UTC ISO-8601), from `x-ratelimit-reset`. */
  reset_at?: string;
}

interface Verdict {
  class: FailureClass;
  cause: string;
  risk: RiskLevel;
  action: string;
  /** Lower wins; see the order above. */
  rank: number;
}

const RANK: Record<FailureClass, number> = {
  rate_limit: 0,
  permission: 2,
  configuration: 3,
  resource: 4,
  transient: 5,
  unknown: 6,
};
/** "This run cannot be re-run" arrives as a 403: it must beat the generic 403 → permission. */
const RANK_NOT_RERUNNABLE = 1;

const RISK: Record<FailureClass, RiskLevel> = {
  // §5.3: high = permission or secret exposure, medium = configuration, low = transient.
  permission: 'high',
  configuration: 'medium',
  // A missing repository/workflow/ref needs an operator like a configuration error does.
  resource: 'medium',
  transient: 'low',
  rate_limit: 'low',
  unknown: 'low',
};

const RETRYABLE: Record<FailureClass, boolean> = {
  rate_limit: true,
  transient: true,
  permission: false,
  configuration: false,
  resource: false,
  // SPEC §2.1: unknown is retried only if the policy says so (retryUnknown); that is the
  // policy's decision, not the classifier's.
  unknown: false,
};

const ACTION = {
  rateLimit: 'wait for the rate-limit window to reset (Retry-After / x-ratelimit-reset), then retry; lower the concurrency of API calls',
  transient5xx: 'check https://www.githubstatus.com and retry later',
  network: 'network problem between the runner and the service: check https://www.githubstatus.com and retry later',
  permission: "grant the workflow's permissions (the `permissions:` block, or the token's scopes)",
  configuration: 'fix the request or the workflow configuration; a retry fails the same way',
  resource: 'check that the repository, workflow, run or ref exists and that the token can see it',
  unknown: 'inspect the logs',
} as const;

function verdict(cls: FailureClass, cause: string, action: string, risk: RiskLevel = RISK[cls], rank = RANK[cls]): Verdict {
  return { class: cls, cause, risk, action, rank };
}

/** Class of a bare HTTP status (SPEC §2.1 table), for when no message says more. */
function statusVerdict(status: number): Verdict | null {
  if (status === 429) return verdict('rate_limit', 'rate limit exceeded', ACTION.rateLimit);
  if (status === 401) return verdict('permission', 'authentication failed', 'refresh the token (GH_TOKEN or the secret that holds it): it is missing, invalid or expired');
  if (status === 403) return verdict('permission', 'forbidden', ACTION.permission);
  if (status === 404 || status === 410) return verdict('resource', 'not found', ACTION.resource);
  if (status === 408) return verdict('transient', 'request timeout', ACTION.network);
  if (status >= 400 && status < 500) return verdict('configuration', 'invalid request', ACTION.configuration);
  if (status >= 500 && status < 600) {
    const cause = status === 502 ? 'bad gateway' : status === 503 ? 'service unavailable' : status === 504 ? 'gateway timeout' : 'server error';
    return verdict('transient', cause, ACTION.transient5xx);
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// HTTP statuses in text. Each pattern is gated by its needle; only 4xx/5xx are kept.

interface StatusPattern {
  needle: string | readonly string[];
  re: RegExp;
}

const REASON_NEEDLES = ['bad request', 'unauthorized', 'forbidden', 'not found', 'conflict', 'unprocessable', 'too many', 'server error', 'bad gateway', 'unavailable', 'time-out', 'timeout'];

const STATUS_PATTERNS: readonly StatusPattern[] = [
  // gh: "HTTP 422: …"; curl -v / git: "HTTP/1.1 503", "HTTP/2 502"; docker: "HTTP status: 503"
  { needle: 'http', re: /\bHTTP(?:\/\d(?:\.\d)?)?(?: status)?[ :][ \t]*([1-5]\d\d)\b/gi },
  // axios "Request failed with status code 502"; .NET "Response status code does not indicate success: 503"
  // octokit "status: 403", JSON "\"status\": 503", "statusCode: 500", "status=504"
  // A bare "status 404" is not enough: test names say "returns status 404 for …".
  { needle: 'status', re: /\bstatus(?:[ _]?code\b(?: does not indicate success)?[ \t]*:?|["']?[ \t]*[:=])[ \t]*["']?([1-5]\d\d)\b/gi },
  // git/curl "The requested URL returned error: 403"
  { needle: 'returned error', re: /\breturned error:?[ \t]*([1-5]\d\d)\b/gi },
  // actions/cache "Cache service responded with 503", generic "responded with status 502"
  { needle: 'responded with', re: /\bresponded with(?: status)?:?[ \t]*([1-5]\d\d)\b/gi },
  // npm "npm ERR! code E503", "npm error code E404"
  { needle: 'code e', re: /\bcode E([45]\d\d)\b/g },
  // nginx/npm "502 Bad Gateway", "npm ERR! 503 Service Unavailable - GET …"
  {
    needle: REASON_NEEDLES,
    re: /\b([45]\d\d) (?:Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Unprocessable Entity|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b/gi,
  },
];

/** Reason phrases without a number (octokit "HttpError: Service Unavailable"). */
const STATUS_PHRASES: readonly [string, number][] = [
  ['bad gateway', 502],
  ['service unavailable', 503],
  ['gateway timeout', 504],
  ['gateway time-out', 504],
  ['internal server error', 500],
  ['too many requests', 429],
];

/** At most this many regex matches per pattern: a log that prints 10⁵ statuses says nothing more with the rest. */
const MAX_STATUS_MATCHES = 64;

function statusesIn(text: string, found: Found): number[] {
  const statuses: number[] = [];
  const add = (s: number) => {
    if (s >= 400 && s < 600 && !statuses.includes(s)) statuses.push(s);
  };
  for (const p of STATUS_PATTERNS) {
    if (!hasNeedle(found, p.needle)) continue;
    p.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let n = 0;
    while ((m = p.re.exec(text)) !== null && n++ < MAX_STATUS_MATCHES) add(Number(m[1]));
  }
  for (const [phrase, status] of STATUS_PHRASES) if (found.has(phrase)) add(status);
  return statuses;
}

// ---------------------------------------------------------------------------------------
// Message rules: the first matching rule of each rank is kept; ranks decide between them.

interface MessageRule {
  /** Lower-case literal that must occur for the rule to be tried. */
  needle: string | readonly string[];
  /** Confirms the match in the original text; when absent the needle is enough. */
  re?: RegExp;
  /** The verdict, given the regex match (for names such as the missing secret). */
  verdict: (m: RegExpExecArray | null) => Verdict;
}

const SECRETISH = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|WEBHOOK|PAT\b|_PAT|AUTH/i;

/**
 * A missing secret or unset variable: configuration, not retryable, risk medium. Not high:
 * §5.3 keeps high for permission problems and secret *exposure*, and an absent secret
 * exposes nothing; it is a configuration gap that a retry cannot close. The cause stays
 * "missing secret" whatever the name, so tickets and KPIs group them; the name goes into
 * the action.
 */
function missing(name: string | undefined, how: 'input' | 'env' | 'secret'): Verdict {
  const n = name ?? '';
  if (how === 'input') {
    // actions report an empty input this way; almost always `with: x: ${{ secrets.X }}` with X unset
    return verdict('configuration', 'missing secret', `set the secret that feeds the action input "${n}" (an unset secret expands to an empty string), or pass the input`);
  }
  if (how === 'secret' || SECRETISH.test(n)) {
    return verdict('configuration', 'missing secret', `set the secret ${n} (repository or environment settings → Secrets and variables → Actions)`);
  }
  return verdict('configuration', 'unset environment variable', `set ${n} for the step (env:, or a repository variable / secret)`);
}

const MESSAGE_RULES: readonly MessageRule[] = [
  // --- rate limits (GitHub answers 403 or 429; both mean "wait", never "forbidden")
  {
    needle: ['secondary rate limit', 'abuse detection'],
    verdict: () => verdict('rate_limit', 'secondary rate limit', ACTION.rateLimit),
  },
  {
    needle: ['pull rate limit', 'toomanyrequests'],
    verdict: () => verdict('rate_limit', 'registry pull rate limit', 'wait for the registry rate limit to reset, then retry; authenticate the pulls (docker login) or use a mirror'),
  },
  {
    needle: 'rate limit',
    re: /\b(?:api rate limit exceeded|rate limit exceeded|exceeded (?:a|the|your) (?:\w+ )?rate limit|rate limit (?:reached|hit))/i,
    verdict: () => verdict('rate_limit', 'API rate limit exceeded', ACTION.rateLimit),
  },
  {
    needle: 'x-ratelimit-remaining',
    re: /x-ratelimit-remaining["']?[ \t]*[:=][ \t]*["']?0\b/i,
    verdict: () => verdict('rate_limit', 'API rate limit exceeded', ACTION.rateLimit),
  },

  // --- a run that GitHub will not re-run (403 on the rerun endpoint)
  {
    // The run is a resource that no longer accepts re-runs: no permission or configuration
    // change fixes that, and retrying is pointless. Harmless in itself, hence low risk.
    needle: 'created over a month ago',
    verdict: () => verdict('resource', 'run too old to re-run', 'start a new run (gh workflow run) instead: runs can be re-run only within 30 days', 'low', RANK_NOT_RERUNNABLE),
  },
  {
    needle: 'cannot be rerun',
    verdict: () =>
      verdict('resource', 'run cannot be re-run', 'open the run: it may be older than 30 days, still running, or its workflow file changed; start a new run instead', 'medium', RANK_NOT_RERUNNABLE),
  },

  // --- permission
  {
    needle: 'not accessible by',
    re: /resource not accessible by (?:integration|personal access token)/i,
    verdict: () =>
      verdict('permission', 'token lacks permission', "grant the workflow's permissions (`permissions:` in the workflow); pull requests from forks and Dependabot get a read-only GITHUB_TOKEN"),
  },
  {
    needle: 'must have admin rights',
    verdict: () => verdict('permission', 'admin rights required', 'use a token of an account with admin rights on the repository'),
  },
  {
    needle: ['bad credentials', 'requires authentication', 'gh auth login', 'authentication required'],
    verdict: () => verdict('permission', 'authentication failed', 'refresh the token (GH_TOKEN or the secret that holds it): it is missing, invalid or expired'),
  },
  {
    needle: 'denied to',
    re: /\bpermission to \S+ denied to\b/i,
    verdict: () => verdict('permission', 'push denied', 'grant `contents: write` to the workflow token (or use a deploy key / app token that may push)'),
  },
  {
    needle: 'saml enforcement',
    verdict: () => verdict('permission', 'SAML SSO not authorised', "authorise the token for the organisation's SAML single sign-on"),
  },
  {
    needle: 'not authorized to perform',
    verdict: () => verdict('permission', 'cloud role denied', "allow the workflow's OIDC identity in the cloud role's trust policy (and `permissions: id-token: write`)"),
  },
  {
    needle: 'permission_denied',
    verdict: () => verdict('permission', 'registry permission denied', 'grant `packages: write` to the workflow token for this package'),
  },

  // --- configuration
  {
    needle: 'workflow_dispatch',
    re: /does not have 'workflow_dispatch' trigger/i,
    verdict: () =>
      verdict('configuration', 'workflow_dispatch trigger missing', 'make sure the workflow has an `on: workflow_dispatch` trigger on the default branch (dispatch reads the workflow file of the default branch)'),
  },
  {
    needle: 'no ref found',
    verdict: () => verdict('configuration', 'ref not found', 'make sure the ref (branch or tag) exists on GitHub: push it first, or dispatch with an existing --ref'),
  },
  {
    needle: 'input required and not supplied',
    re: /input required and not supplied:[ \t]*([\w.-]+)/i,
    verdict: (m) => missing(m?.[1], 'input'),
  },
  {
    needle: 'not found',
    re: /\bsecrets?[ \t]+["'`]?([A-Za-z_][\w-]*)["'`]?[ \t]+(?:was[ \t]+|is[ \t]+)?not found/i,
    verdict: (m) => missing(m?.[1], 'secret'),
  },
  {
    needle: 'is not set',
    // Upper-case names only: "Error: NPM_TOKEN is not set", not "the value is not set yet".
    re: /\b([A-Z][A-Z0-9_]{2,})(?: environment variable| env(?:ironment)? var)? is not set\b/,
    verdict: (m) => missing(m?.[1], 'env'),
  },
  {
    needle: 'unbound variable',
    re: /\b([A-Za-z_]\w*): unbound variable/,
    verdict: (m) => missing(m?.[1], 'env'),
  },
  {
    needle: ['invalid workflow file', 'the workflow is not valid'],
    verdict: () => verdict('configuration', 'invalid workflow file', 'fix the workflow file at the line named in the message'),
  },

  // --- resource
  {
    needle: 'could not find',
    re: /could not find (?:any )?(?:workflows?|run|repository|pull request|branch|ref|release|artifact|job|environment)\b/i,
    verdict: () => verdict('resource', 'not found', ACTION.resource),
  },
  {
    needle: 'not found',
    re: /\bnot found \(https?:\/\/|\bhttperror\]?:?[ \t]*not found|\brepository not found\b|\b404 not found\b/i,
    verdict: () => verdict('resource', 'not found', ACTION.resource),
  },
  {
    needle: 'unable to resolve action',
    verdict: () => verdict('resource', 'action not found', 'check the action reference (owner/repo@version): the repository, tag or commit does not exist or is not accessible'),
  },
  {
    needle: 'artifact not found',
    verdict: () => verdict('resource', 'artifact not found', 'check the artifact name and that the producing job uploaded it (artifacts expire)'),
  },

  // --- transient: network and runner
  { needle: ['etimedout', 'esockettimedout'], verdict: () => verdict('transient', 'network timeout', ACTION.network) },
  { needle: ['econnreset', 'connection reset', 'socket hang up'], verdict: () => verdict('transient', 'connection reset', ACTION.network) },
  { needle: ['econnrefused', 'connection refused'], verdict: () => verdict('transient', 'connection refused', ACTION.network) },
  { needle: ['eai_again', 'temporary failure in name resolution'], verdict: () => verdict('transient', 'DNS lookup failed', ACTION.network) },
  {
    needle: ['received a shutdown signal', 'lost communication with the server'],
    verdict: () => verdict('transient', 'runner lost', 'the runner went away mid-job (preempted or restarted): retry; check https://www.githubstatus.com if it repeats'),
  },

  // --- unknown, with a more useful cause than "unrecognised"
  {
    needle: ['out of memory', 'oomkilled'],
    verdict: () => verdict('unknown', 'out of memory', 'inspect the logs: the job ran out of memory (raise the heap limit or use a larger runner)'),
  },
  {
    needle: 'exceeded the maximum execution time',
    verdict: () => verdict('unknown', 'job timed out', 'inspect the logs: the job hit its timeout-minutes (a hung step?)'),
  },
  {
    needle: ['fail', 'assertionerror'],
    // Not anchored at line starts: job logs prefix every line with a timestamp.
    re: /\bTests?:[ \t]+\d+ failed|\b\d+ failed\b|--- FAIL: \w|\*\* TEST FAILED \*\*|\b\d+ failing\b|AssertionError|There were failing tests|\bFAILED [\w/.-]+::/i,
    verdict: () => verdict('unknown', 'test failure', 'inspect the logs: a test failed (a re-run helps only if it is flaky)'),
  },
  {
    needle: ['error', 'fail'],
    re: /\berror TS\d{4}:|\berror\[E\d{4}\]|\bcompilation failed\b|\bBUILD FAILED\b|\bcannot find symbol\b|\bSyntaxError:/,
    verdict: () => verdict('unknown', 'build error', 'inspect the logs: the build failed'),
  },
  {
    needle: ['problem', 'found'],
    // eslint "✖ 3 problems (3 errors, 0 warnings)"; ruff "Found 2 errors."
    re: /\b\d+ problems? \(\d+ errors?|\bFound \d+ errors?\./,
    verdict: () => verdict('unknown', 'lint error', 'inspect the logs: the linter reported errors'),
  },
  {
    needle: '│ error:',
    verdict: () => verdict('unknown', 'terraform error', 'inspect the logs: terraform reported an error at the file and line it names'),
  },
];

// Network timeouts in their usual phrasings. "timeout" alone is too common (step echoes,
// `timeout-minutes:`), so it counts only with a qualifier; "timed out" is an event.
const TIMEOUT_RE =
  /\b(?:connect(?:ion)?|request|read|write|i\/o|socket|handshake|operation|network|idle)[ _-]?timed?[ _-]?out\b|\btimeout (?:exceeded|awaiting|expired|error)|\bclient\.timeout exceeded|\btimeouterror\b|\btimed out\b/gi;
// Test frameworks' timeouts are test failures, not network trouble (jest, mocha, vitest, playwright).
const TEST_TIMEOUT_RE = /exceeded timeout of|timeout of \d+ ?ms exceeded|test timeout|timed out \d+ ?ms waiting|(?:test|hook) timed out|waiting for (?:selector|locator)/i;
const MAX_TIMEOUT_MATCHES = 256;

function networkTimeout(text: string, found: Found): boolean {
  if (!found.has('time')) return false;
  TIMEOUT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = TIMEOUT_RE.exec(text)) !== null && n++ < MAX_TIMEOUT_MATCHES) {
    if (!TEST_TIMEOUT_RE.test(lineAt(text, m.index))) return true;
  }
  return false;
}

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end);
}

function hasNeedle(found: Found, needle: string | readonly string[]): boolean {
  if (typeof needle === 'string') return found.has(needle);
  for (const n of needle) if (found.has(n)) return true;
  return false;
}

function messageVerdict(text: string, found: Found): Verdict | null {
  let best: Verdict | null = null;
  for (const rule of MESSAGE_RULES) {
    if (!hasNeedle(found, rule.needle)) continue;
    let m: RegExpExecArray | null = null;
    if (rule.re) {
      rule.re.lastIndex = 0;
      m = rule.re.exec(text);
      if (!m) continue;
    }
    const v = rule.verdict(m);
    if (!best || v.rank < best.rank) best = v;
    // The rules are listed strongest class first, so a rate limit can stop the scan.
    if (best.rank === 0) break;
  }
  if ((!best || best.rank > RANK.transient) && networkTimeout(text, found)) best = verdict('transient', 'network timeout', ACTION.network);
  return best;
}

// ---------------------------------------------------------------------------------------
// The single pass: which needles occur in the text.

/** Lower-case needles seen in the text. */
type Found = ReadonlySet<string>;

const EXTRA_NEEDLES = ['time', 'retry-after', 'x-ratelimit-reset'];

const ALL_NEEDLES: readonly string[] = [
  ...new Set([
    ...STATUS_PATTERNS.flatMap((p) => p.needle),
    ...STATUS_PHRASES.map(([phrase]) => phrase),
    ...MESSAGE_RULES.flatMap((r) => r.needle),
    ...EXTRA_NEEDLES,
  ]),
];
// Longest first, so that at one position the longest needle is the one reported; the
// shorter needles it contains are added from CONTAINED.
const NEEDLE_RE = new RegExp(
  [...ALL_NEEDLES]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|'),
  'gi',
);
const CONTAINED = new Map<string, string[]>(ALL_NEEDLES.map((n) => [n, ALL_NEEDLES.filter((o) => o !== n && n.includes(o))]));

function needlesIn(text: string): Found {
  const found = new Set<string>();
  if (!text) return found;
  NEEDLE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NEEDLE_RE.exec(text)) !== null) {
    const needle = m[0].toLowerCase();
    if (!found.has(needle)) {
      found.add(needle);
      for (const inner of CONTAINED.get(needle) ?? []) found.add(inner);
    }
    // Restart one character later, not after the match: needles may overlap.
    NEEDLE_RE.lastIndex = m.index + 1;
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// Rate-limit timing.

const RETRY_AFTER_RE = /retry-after["']?[ \t]*[:=][ \t]*["']?(\d{1,6})\b/i;
const RESET_RE = /x-ratelimit-reset["']?[ \t]*[:=][ \t]*["']?(\d{9,11})\b/i;

function rateLimitTiming(text: string, found: Found, now: number | undefined): Pick<ClassifyResult, 'retry_after_s' | 'reset_at'> {
  const out: Pick<ClassifyResult, 'retry_after_s' | 'reset_at'> = {};
  if (found.has('retry-after')) {
    const m = RETRY_AFTER_RE.exec(text);
    if (m) out.retry_after_s = Number(m[1]);
  }
  if (found.has('x-ratelimit-reset')) {
    const m = RESET_RE.exec(text);
    if (m) {
      const resetS = Number(m[1]);
      out.reset_at = new Date(resetS * 1000).toISOString().replace('.000Z', 'Z');
      if (out.retry_after_s === undefined && now !== undefined) out.retry_after_s = Math.max(0, resetS - Math.floor(now / 1000));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------

export function classify(input: ClassifyInput): ClassifyResult {
  const text = input.text ?? '';
  const found = needlesIn(text);
  const explicit = typeof input.httpStatus === 'number' && Number.isInteger(input.httpStatus) ? input.httpStatus : null;

  const statuses = text ? statusesIn(text, found) : [];
  if (explicit !== null) {
    const i = statuses.indexOf(explicit);
    if (i !== -1) statuses.splice(i, 1);
    statuses.unshift(explicit);
  }

  let best: Verdict | null = text ? messageVerdict(text, found) : null;
  for (const s of statuses) {
    const v = statusVerdict(s);
    if (v && (!best || v.rank < best.rank)) best = v;
  }
  if (!best) {
    const code = input.exitCode;
    best = verdict('unknown', typeof code === 'number' && code !== 0 ? `exit code ${code}` : 'unrecognised failure', ACTION.unknown);
  }

  const result: ClassifyResult = {
    http_status: reportedStatus(best, statuses, explicit),
    class: best.class,
    cause: best.cause,
    retryable: RETRYABLE[best.class],
    risk: best.risk,
    action: best.action,
  };
  if (best.class === 'rate_limit') Object.assign(result, rateLimitTiming(text, found, input.now));
  return result;
}

/** The caller's status when it gave one; else the first status in the text that fits the verdict. */
function reportedStatus(v: Verdict, statuses: number[], explicit: number | null): number | null {
  if (explicit !== null) return explicit;
  for (const s of statuses) {
    const sv = statusVerdict(s);
    if (sv?.class === v.class) return s;
    // GitHub's primary and secondary rate limits are 403s.
    if (v.class === 'rate_limit' && s === 403) return s;
    // "Unable to retry … created over a month ago" is a 403 on the rerun endpoint.
    if (v.rank === RANK_NOT_RERUNNABLE && s === 403) return s;
  }
  return null;
}
