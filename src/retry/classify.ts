import type { Classification, FailureClass, RiskLevel } from '../runs/types';

/**
 * Failure classification (SPEC §2.1, §2.2, §5.3): from an HTTP status, an exit code and
 * stderr/log text to {http_status, class, cause, retryable, risk, action}. Pure: no I/O,
 * no clock (pass `now` to turn an `x-ratelimit-reset` epoch into seconds).
 *
 * How a verdict is reached when a log carries several signals (a 502 that was retried,
 * then a 422): every signal found votes for a class, and the class that says "a retry
 * cannot help" wins over the one that says "it might". Order, strongest first:
 * rate_limit > (run cannot be re-run) > permission > configuration > resource > capacity
 * > timeout > build_failure > lint_failure > test_failure > transient > cancelled > unknown.
 * Rate limits come first because GitHub sends them as 403s, which must not be read as a
 * permission problem; an ops retry of a permission or configuration failure would only
 * fail again the same way and burn the retry budget. A failed test beats the network
 * noise a test log is full of (a test that saw ECONNRESET still failed; whether that is
 * worth a re-run is the policy's retryFlakyTests, not a guess here). "The operation was
 * canceled." comes last because it also follows a job timeout or a lost runner.
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
  // The runner's limits and the code itself: a retry on the same runner with the same
  // commit fails the same way. A limit comes first because it is the root cause of the
  // build or test failure it interrupts (an out-of-memory kill makes a test suite fail).
  capacity: 5,
  timeout: 6,
  build_failure: 7,
  lint_failure: 8,
  test_failure: 9,
  transient: 10,
  // "The operation was canceled." follows a timeout or a lost runner too: any other signal says more.
  cancelled: 11,
  unknown: 12,
};
/** "This run cannot be re-run" arrives as a 403: it must beat the generic 403 → permission. */
const RANK_NOT_RERUNNABLE = 1;
/**
 * A build tool's bare "BUILD FAILED" / "Build failed with an exception": it also ends a
 * Gradle build whose dependency download got a 502, or whose tests failed; those say more.
 */
const RANK_GENERIC_BUILD = RANK.transient + 0.5;

const RISK: Record<FailureClass, RiskLevel> = {
  // §5.3: high = permission or secret exposure, medium = configuration, low = transient.
  permission: 'high',
  configuration: 'medium',
  // A missing repository/workflow/ref needs an operator like a configuration error does.
  resource: 'medium',
  // So does a runner too small for the job (memory, disk).
  capacity: 'medium',
  transient: 'low',
  rate_limit: 'low',
  // Failing code is the developers' everyday work: nothing is exposed, nothing is down.
  test_failure: 'low',
  build_failure: 'low',
  lint_failure: 'low',
  timeout: 'low',
  cancelled: 'low',
  unknown: 'low',
};

const RETRYABLE: Record<FailureClass, boolean> = {
  rate_limit: true,
  transient: true,
  permission: false,
  configuration: false,
  resource: false,
  // The same commit on the same runner fails the same way.
  build_failure: false,
  lint_failure: false,
  capacity: false,
  // A re-run costs the whole timeout again; a one-off hang is re-run by hand.
  timeout: false,
  // Cancelled on purpose (a person, a newer run, fail-fast): nothing to retry.
  cancelled: false,
  // SPEC §2.1: unknown is retried only if the policy says so (retryUnknown), and a failed
  // test suite only if the policy says the tests are flaky (retryFlakyTests); that is the
  // policy's decision, not the classifier's.
  test_failure: false,
  unknown: false,
};

const ACTION = {
  rateLimit: 'wait for the rate-limit window to reset (Retry-After / x-ratelimit-reset), then retry; lower the concurrency of API calls',
  transient5xx: 'check https://www.githubstatus.com and retry later',
  permission: "grant the workflow's permissions (the `permissions:` block, or the token's scopes)",
  configuration: 'fix the request or the workflow configuration; a retry fails the same way',
  resource: 'check that the repository, workflow, run or ref exists and that the token can see it',
  runnerLost: 'the runner went away mid-job (preempted or restarted): retry; check https://www.githubstatus.com if it repeats',
  outOfMemory:
    "the job ran out of memory: raise the limit (NODE_OPTIONS=--max-old-space-size, -Xmx, the container's memory) or use a larger runner; a re-run on the same runner usually fails the same way",
  killed: 'a process was killed with SIGKILL (a shell reports exit code 137), most often by the out-of-memory killer: use less memory (fewer parallel workers, a heap limit) or a larger runner',
  diskFull: "the runner's disk is full: free space before the step (remove unused tool caches and Docker images, e.g. docker system prune) or write less; on a self-hosted runner, clean its work folder",
  unknown: 'inspect the logs',
} as const;

function verdict(cls: FailureClass, cause: string, action: string, risk: RiskLevel = RISK[cls], rank = RANK[cls]): Verdict {
  return { class: cls, cause, risk, action, rank };
}

// ---------------------------------------------------------------------------------------
// Hosts: a 5xx or a network failure is advice about the service that failed, so the
// action names it; githubstatus.com only when that service is GitHub.

const HOST = String.raw`[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+`;
const HOST_IN_LINE: readonly RegExp[] = [
  // a URL, with or without userinfo
  new RegExp(String.raw`\bhttps?://(?:[^\s/@'"]+@)?(${HOST})`, 'i'),
  // urllib3/pip "HTTPSConnectionPool(host='pypi.org', port=443)"
  new RegExp(String.raw`\bhost=['"](${HOST})['"]`, 'i'),
  // Node "connect ETIMEDOUT 140.82.112.6:443", Go "dial tcp 54.227.20.253:443"
  new RegExp(String.raw`\b(?:connect E[A-Z]+|dial tcp) (${HOST}|localhost|\[[0-9a-f:]+\]):\d+`, 'i'),
];

/** The host named on the line at `index`, else on the line after or before it (npm prints the URL a line later). */
function hostNear(text: string, index: number): string | null {
  const start = text.lastIndexOf('\n', index) + 1;
  const lines = [lineAt(text, index)];
  const next = text.indexOf('\n', index);
  if (next !== -1) lines.push(lineAt(text, next + 1));
  if (start > 0) lines.push(lineAt(text, start - 1));
  for (const line of lines) {
    for (const re of HOST_IN_LINE) {
      const m = re.exec(line);
      if (m) return m[1]!.toLowerCase();
    }
  }
  return null;
}

// github.com, api.github.com, codeload, uploads, *.githubusercontent.com (raw, objects,
// Actions' pipelines and results), ghcr.io, Pages; and GitHub's published address blocks.
const GITHUB_HOST_RE =
  /(?:^|\.)(?:github\.com|githubusercontent\.com|githubapp\.com|github\.io|ghcr\.io)$|^(?:140\.82\.(?:11[2-9]|12[0-7])|192\.30\.25[2-5]|185\.199\.1(?:0[89]|1[01])|143\.55\.(?:6[4-9]|7\d))\./;
const isGitHub = (host: string) => GITHUB_HOST_RE.test(host);
const isLocal = (host: string) => /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/.test(host);

/** Status pages of the registries CI depends on most. */
const STATUS_PAGES: readonly [RegExp, string][] = [
  [/(?:^|\.)npmjs\.(?:org|com)$/, 'https://status.npmjs.org'],
  [/(?:^|\.)(?:pypi\.org|pythonhosted\.org|python\.org)$/, 'https://status.python.org'],
  [/(?:^|\.)docker\.(?:io|com)$/, 'https://www.dockerstatus.com'],
  [/(?:^|\.)rubygems\.org$/, 'https://status.rubygems.org'],
  [/(?:^|\.)crates\.io$/, 'https://status.crates.io'],
];
function statusOf(host: string): string {
  const page = STATUS_PAGES.find(([re]) => re.test(host))?.[1];
  if (page) return `${page} (${host})`;
  return /^[\d.]+$|^\[/.test(host) ? `the status of the service at ${host}` : `the status of ${host}`;
}

function serverErrorAction(host: string | null): string {
  // No host in sight: SPEC §5.3's advice, since ops's own calls go to GitHub; but not as if it were certain.
  if (!host) return 'check https://www.githubstatus.com if the step called GitHub (else the status of the service it called) and retry later';
  if (isGitHub(host)) return ACTION.transient5xx;
  return `${host} answered with a server error (the fault is on its side, not in this workflow): retry later; if it persists, check ${statusOf(host)}`;
}

function networkAction(host: string | null): string {
  if (!host) return "network problem between the runner and the service it called: retry; if it persists, check the runner's network and the service's status (https://www.githubstatus.com for GitHub)";
  if (isLocal(host)) return `nothing answered on ${host}: a service the job starts itself (a database, container or server) was not ready or crashed; wait for it (a health check) before the step, then retry`;
  const status = isGitHub(host) ? 'https://www.githubstatus.com' : statusOf(host);
  return `network problem between the runner and ${host}: retry; if it persists, check ${status} and the runner's network`;
}

function dnsAction(host: string | null): string {
  const h = host ?? 'the host';
  return `the runner could not resolve ${h} (DNS): retry; if it persists, check the runner's DNS and network (self-hosted: resolver, proxy, firewall)${host && isGitHub(host) ? ' and https://www.githubstatus.com' : ''}`;
}

/** Class of a bare HTTP status (SPEC §2.1 table), for when no message says more. */
function statusVerdict(status: number, host: string | null = null): Verdict | null {
  if (status === 429) return verdict('rate_limit', 'rate limit exceeded', ACTION.rateLimit);
  if (status === 401) return verdict('permission', 'authentication failed', 'refresh the token (GH_TOKEN or the secret that holds it): it is missing, invalid or expired');
  if (status === 403) return verdict('permission', 'forbidden', ACTION.permission);
  if (status === 404 || status === 410) return verdict('resource', 'not found', ACTION.resource);
  if (status === 408) return verdict('transient', 'request timeout', networkAction(host));
  if (status >= 400 && status < 500) return verdict('configuration', 'invalid request', ACTION.configuration);
  if (status >= 500 && status < 600) {
    const cause = status === 502 ? 'bad gateway' : status === 503 ? 'service unavailable' : status === 504 ? 'gateway timeout' : 'server error';
    return verdict('transient', cause, serverErrorAction(host));
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
  // gh: "HTTP 422: …"; curl -v / git: "HTTP/1.1 503", "HTTP/2 502"; docker: "HTTP status: 503"; pip: "HTTP error 503 while getting"
  { needle: 'http', re: /\bHTTP(?:\/\d(?:\.\d)?)?(?: status| error| code)?[ :][ \t]*([1-5]\d\d)\b/gi },
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
  // urllib3/pip after its retries: "(Caused by ResponseError('too many 503 error responses'))"
  { needle: 'error responses', re: /\btoo many ([45]\d\d) error responses\b/gi },
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

/** Statuses in the text, in order of discovery, each with where it was seen (to find its host). */
function statusesIn(text: string, found: Found): Map<number, number[]> {
  const statuses = new Map<number, number[]>();
  const add = (s: number, at: number | null) => {
    if (s < 400 || s >= 600) return;
    const where = statuses.get(s) ?? [];
    if (at !== null && where.length < 8) where.push(at);
    statuses.set(s, where);
  };
  for (const p of STATUS_PATTERNS) {
    if (!hasNeedle(found, p.needle)) continue;
    p.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let n = 0;
    while ((m = p.re.exec(text)) !== null && n++ < MAX_STATUS_MATCHES) add(Number(m[1]), m.index);
  }
  for (const [phrase, status] of STATUS_PHRASES) if (found.has(phrase)) add(status, null);
  return statuses;
}

function hostOfStatus(text: string, where: readonly number[]): string | null {
  for (const at of where) {
    const host = hostNear(text, at);
    if (host) return host;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Message rules: the first matching rule of each rank is kept; ranks decide between them.

interface MessageRule {
  /** Lower-case literal that must occur for the rule to be tried. */
  needle: string | readonly string[];
  /** Confirms the match in the original text; when absent the needle is enough. */
  re?: RegExp;
  /** The verdict, given the regex match (for names such as the missing secret), the text and where the match (else the needle) is. */
  verdict: (m: RegExpExecArray | null, text: string, at: number) => Verdict;
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

/** A path in the runner's checkout, relative to it: `/home/runner/work/api/api/src/x.ts` → `src/x.ts`. */
const relativeToCheckout = (path: string) => path.replace(/^(?:file:\/\/)?.*?\/work\/[^/]+\/[^/]+\/|^[A-Za-z]:\\a\\[^\\]+\\[^\\]+\\/, '');

/** The earliest of several patterns in the text: the first failure is the one to read. */
function earliest(text: string, patterns: readonly [RegExp, (m: RegExpExecArray) => string][]): string | null {
  let best: { at: number; name: string } | null = null;
  for (const [re, name] of patterns) {
    re.lastIndex = 0;
    const m = re.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, name: name(m) };
  }
  return best?.name ?? null;
}

// First failing test, as each runner names it.
const FIRST_TEST: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/(?:^|[\s\]])FAIL {1,2}([\w@./\\-]+\.\w+)/m, (m) => m[1]!], // jest, vitest
  [/--- FAIL: (\S+)/, (m) => m[1]!], // go test
  [/\bFAILED ([\w/.-]+::[^\s]+)/, (m) => m[1]!], // pytest
  [/\d+\) \[[\w -]+\] › ([\w@./-]+:\d+:\d+)/, (m) => m[1]!], // playwright
  [/\b([A-Z]\w*(?:Test|Tests|Spec|IT)(?: > [^\n>]+?)+) FAILED\b/, (m) => m[1]!], // gradle
  [/<<< FAILURE! -{1,2} in ([\w.$]+)/, (m) => m[1]!], // maven surefire
  [/^---- (\S+) stdout ----$/m, (m) => m[1]!], // cargo test
];

function testFailure(_m: RegExpExecArray | null, text: string): Verdict {
  const first = earliest(text, FIRST_TEST);
  return verdict(
    'test_failure',
    'test failure',
    `fix the failing tests; ${first ? `the first failure: ${first}` : 'see the first failure in the log'}. A re-run helps only if the test is flaky (retry-policy.json retryFlakyTests)`,
  );
}

// First compile error's place, as each compiler prints it.
const FIRST_ERROR_AT: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/([\w@./\\-]+\.[cm]?[jt]sx?)\((\d+),\d+\): error TS\d/, (m) => `${m[1]}:${m[2]}`], // tsc
  [/--> ([\w@./\\-]+\.rs:\d+)/, (m) => m[1]!], // rustc
  [/([\w@./\\-]+\.go:\d+):\d+: /, (m) => m[1]!], // go
  [/([\w@./\\-]+\.java):\[(\d+),\d+\]/, (m) => `${m[1]}:${m[2]}`], // maven javac
  [/([\w@./\\-]+\.java):(\d+): error:/, (m) => `${m[1]}:${m[2]}`], // javac
  [/\be: (?:file:\/\/)?([\w@./\\-]+\.kts?):(\d+)/, (m) => `${m[1]}:${m[2]}`], // kotlinc
  [/([\w@./\\-]+\.cs)\((\d+),\d+\): error CS/, (m) => `${m[1]}:${m[2]}`], // C#
  [/File "([^"]+)", line (\d+)/, (m) => `${m[1]}:${m[2]}`], // python SyntaxError
];

function buildFailure(_m: RegExpExecArray | null, text: string): Verdict {
  const at = earliest(text, FIRST_ERROR_AT);
  return verdict('build_failure', 'build error', `fix the code: it does not build (${at ? `first error at ${relativeToCheckout(at)}` : 'see the first error in the log'}); a re-run fails the same way`);
}

// A test run's own timeouts are test failures, not network trouble (jest, mocha, vitest, playwright).
const TEST_TIMEOUT_RE = /exceeded timeout of|timeout of \d+ ?ms exceeded|test timeout|timed out \d+ ?ms waiting|(?:test|hook) timed out|waiting for (?:selector|locator)/i;

// Summaries and markers of a failed test run. Counts must be ≥ 1: a passing run prints
// "0 failed" (cargo) and "Failures: 0" (surefire). `(?:^|\dZ |\])` lets a line start after
// GitHub's timestamp or an `##[error]` prefix.
const TEST_FAILED_RE = new RegExp(
  [
    String.raw`\bTest(?:s| Files| Suites)?:?[ \t]+[1-9]\d* failed\b`, // jest, vitest
    String.raw`(?:^|[\s\]])FAIL {1,2}[\w@./\\-]+\.\w+`, // jest, vitest: FAIL path
    String.raw`(?:^|\dZ |\])=+ [^=\n]*\b[1-9]\d* (?:failed\b|errors? in )`, // pytest summary (errors: a test module that does not import)
    String.raw`(?:^|\dZ |\])FAILED \((?:failures|errors)=[1-9]`, // unittest
    String.raw`\bFAILED [\w/.-]+::`, // pytest id
    String.raw`--- FAIL: \S`, // go test
    String.raw`(?:^|\s|\])FAIL\t\S+\t\d`, // go test package line ("[build failed]" has no time)
    String.raw`\b[1-9]\d* failing\b`, // mocha
    String.raw`\bTests run: \d+, Failures: (?:[1-9]|\d+, Errors: [1-9])`, // surefire, JUnit
    String.raw`\bThere (?:are|were) (?:test failures|failing tests)`, // maven, gradle
    String.raw`\btests completed, [1-9]\d* failed`, // gradle
    String.raw`\btest result: FAILED\b`, // cargo
    String.raw`\*\* TEST FAILED \*\*`, // xcodebuild
    String.raw`(?:^|\dZ|\])[ \t]*[1-9]\d* failed[ \t]*\r?$`, // playwright: "  1 failed" on its own line
    String.raw`\b\d+ examples?, [1-9]\d* failures?`, // rspec
    String.raw`\bFailed!\s+-\s+Failed:\s+[1-9]`, // dotnet test
    String.raw`\bTests: \d+, Assertions: \d+, (?:Errors: \d+, )?Failures: [1-9]`, // phpunit
    String.raw`\bAssertionError\b`,
  ].join('|'),
  'm',
);

// Code that does not compile or type-check. `SyntaxError` from JSON.parse is a response
// that was not JSON (often an HTML error page from a proxy), not a code error.
const BUILD_ERROR_RE = new RegExp(
  [
    String.raw`\berror TS\d{4}:`, // tsc
    String.raw`\berror\[E\d{4}\]`, // rustc
    String.raw`\berror: could not compile\b`, // cargo
    String.raw`\bCOMPILATION ERROR\b|\bCompilation (?:failed|error)\b|maven-compiler-plugin`, // maven, gradle
    String.raw`\bcannot find symbol\b`, // javac
    String.raw`\bUnresolved reference:`, // kotlinc
    String.raw`:compile\w*(?:Kotlin|Java|Swift|Scala|Groovy)\w* FAILED\b`, // gradle compile task
    String.raw`\.go:\d+:\d+: (?:undefined: |cannot use |syntax error|imported and not used|declared and not used|missing return|too many arguments|not enough arguments)`,
    String.raw`\[build failed\]`, // go test
    String.raw`Module not found: Error: Can't resolve`, // webpack
    String.raw`\bBuild failed with \d+ errors?`, // esbuild, vite
    String.raw`\bSyntaxError: (?!Unexpected token .{0,40} in JSON|Unexpected end of JSON|.{0,80}is not valid JSON)`,
    String.raw`\berror CS\d{4}:`, // C#
    String.raw`\bFound [1-9]\d* errors? in \d+ files? \(checked`, // mypy
    String.raw`\berror: linker command failed\b|\bld: symbol\(s\) not found\b|\bundefined reference to\b`, // linkers
  ].join('|'),
);

// Terraform code that does not validate (as opposed to a provider's API error, which stays unknown).
const TERRAFORM_INVALID_RE =
  /(?:^|│ |\dZ |\])Error: (?:Reference to undeclared|Unsupported (?:argument|attribute|block type)|Missing required (?:argument|provider)|Invalid (?:reference|expression|function argument|value for (?:input )?variable)|Call to unknown function|Argument or block definition required|Duplicate \w+ (?:configuration|definition|resource)|Incorrect attribute value type|Unclosed configuration block|Module not installed)/m;

const LINT_ERROR_RE = new RegExp(
  [
    String.raw`\b\d+ problems? \([1-9]\d* errors?`, // eslint, stylelint
    String.raw`\bFound [1-9]\d* errors?\.`, // ruff
    String.raw`(?:^|\dZ |\])\S+\.py:\d+:\d+: [EFWC]\d{3} `, // flake8
    String.raw`\b\d+ files? inspected, [1-9]\d* offenses? detected`, // rubocop
    String.raw`\[SC\d{4}\]`, // shellcheck
    String.raw`\bgolangci-lint\b.*\b[1-9]\d* issues?\b`,
    String.raw`\bclippy::\w+`,
  ].join('|'),
  'm',
);
const FORMAT_RE = /Code style issues found|\bwould reformat\b|\b[1-9]\d* files? would be reformatted|\bDiff in \S+\.rs at line \d+/;

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
  {
    // npm against a private registry (GitHub Packages, Artifactory) without a usable token
    needle: ['e401', 'e403', 'unable to authenticate, need'],
    re: /\bcode E40[13]\b|\bUnable to authenticate, need: /,
    verdict: () => verdict('permission', 'registry authentication failed', 'check the registry token (NODE_AUTH_TOKEN or NPM_TOKEN, read by .npmrc): it is missing, expired, or has no access to the package'),
  },

  // --- configuration
  {
    // gh exits 4 with this when neither GH_TOKEN nor GITHUB_TOKEN is in its environment
    needle: 'set the gh_token environment variable',
    verdict: () =>
      verdict('configuration', 'GH_TOKEN not set', 'set GH_TOKEN for the step that runs gh (env: GH_TOKEN: ${{ github.token }}, or a secret holding a token with the scopes it needs); a re-run fails the same way'),
  },
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
  {
    needle: ['command not found', 'not found', 'is not recognized as', 'unable to locate executable file'],
    re: /(?:sh|bash|zsh)(?:: line \d+|: \d+)?: ([\w.+-]+): (?:command )?not found\b|'([\w.+-]+)' is not recognized as an internal or external command|Unable to locate executable file: ([\w.+-]+)/,
    verdict: (m) => {
      const cmd = m?.[1] ?? m?.[2] ?? m?.[3] ?? 'the command';
      return verdict('configuration', 'command not found', `install ${cmd} in an earlier step (its setup action or the package manager) or fix the command's name; a re-run fails the same way`);
    },
  },
  {
    needle: 'eresolve',
    verdict: () =>
      verdict('configuration', 'dependency conflict', 'fix the dependency versions in package.json: npm cannot resolve the dependency tree (the conflict is in the log); a re-run fails the same way'),
  },
  {
    needle: ['are in sync', 'frozen-lockfile', 'err_pnpm_outdated_lockfile', 'lockfile would have been modified'],
    re: /package\.json and package-lock\.json or npm-shrinkwrap\.json are in sync|--frozen-lockfile|ERR_PNPM_OUTDATED_LOCKFILE|lockfile would have been modified/i,
    verdict: () => verdict('configuration', 'lockfile out of sync', 'run the install locally (npm install / yarn / pnpm install) and commit the updated lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml); a re-run fails the same way'),
  },
  {
    needle: ['etarget', 'no matching version found', 'no matching distribution found'],
    // pip says "from versions: none" when it could not reach the index at all: that is the network.
    re: /\bcode ETARGET\b|No matching version found for \S+|Could not find a version that satisfies the requirement \S+ \(from versions: (?!none\))/,
    verdict: () => verdict('configuration', 'no matching version', 'fix the version range of the dependency: no published version matches it (a typo, or a version not published yet); a re-run fails the same way'),
  },
  {
    needle: 'ebadengine',
    re: /\b(?:ERR!|error) code EBADENGINE\b/,
    verdict: () => verdict('configuration', 'unsupported Node version', 'use the Node version the package requires (actions/setup-node node-version, or engines in package.json)'),
  },

  // --- resource
  {
    needle: 'could not find',
    re: /could not find (?:any )?(?:workflows?|run|repository|pull request|branch|ref|release|artifact|job|environment)\b/i,
    verdict: () => verdict('resource', 'not found', ACTION.resource),
  },
  {
    // Before the generic 404: npm's 404 is a package, not a repository or a run.
    needle: ['is not in this registry', 'e404'],
    re: /\bcode E404\b|is not in this registry/,
    verdict: () =>
      verdict('resource', 'package not found', 'check the package name and version in package.json; a private or scoped package also answers 404 when the registry token has no access to it (NODE_AUTH_TOKEN / .npmrc)'),
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

  // --- capacity: the runner's memory and disk
  {
    needle: ['out of memory', 'oomkilled', 'outofmemory', 'cannot allocate memory', 'memoryerror'],
    // The runtimes' own words, not a bare "out of memory": a test may be named "handles out of memory".
    re: /JavaScript heap out of memory|\bruntime: out of memory|Out of memory: Kill(?:ed)? process|\bOOMKilled\b|OutOfMemory(?:Error|Exception)|(?:^|\dZ |\])MemoryError\b|Cannot allocate memory|\b(?:ran|runs?|running|is) out of memory\b|\berror: out of memory\b/m,
    verdict: () => verdict('capacity', 'out of memory', ACTION.outOfMemory),
  },
  {
    needle: ['killed', 'exit code 137', 'sigkill', 'exited with code 137'],
    // bash "line 1:  2345 Killed  npm run build", a lone "Killed", exit 137 = 128 + SIGKILL
    re: /\bline \d+: +\d+ Killed\b|(?:^|\dZ )Killed\s*$|\bexit(?:ed with)? code 137\b|\bsignal: killed\b|signal=SIGKILL/m,
    verdict: () => verdict('capacity', 'process killed (out of memory?)', ACTION.killed),
  },
  {
    needle: ['no space left on device', 'enospc', 'running out of disk space', 'not enough space on the disk', 'disk quota exceeded'],
    // ENOSPC is also inotify's "System limit for number of file watchers reached": not a disk.
    re: /no space left on device|\bENOSPC\b(?!:? System limit)|running out of disk space|not enough space on the disk|disk quota exceeded/i,
    verdict: () => verdict('capacity', 'disk full', ACTION.diskFull),
  },

  // --- timeout: the job's or a step's timeout-minutes
  {
    needle: 'exceeded the maximum execution time',
    verdict: () =>
      verdict('timeout', 'job timed out', 'the job ran past its timeout-minutes: find the step that hung (its last lines before the cancel); raise timeout-minutes if the job only got slower; re-run by hand if it was a one-off hang'),
  },
  {
    needle: 'has timed out after',
    re: /has timed out after \d+ minutes?/,
    verdict: () =>
      verdict('timeout', 'step timed out', "a step ran past its timeout-minutes: look at the step's last lines for what hung; raise timeout-minutes if it only got slower; re-run by hand if it was a one-off hang"),
  },

  // --- code: builds, linters, tests
  {
    // One needle per kind of message, so that a big log with an ordinary "error" in it does not pay for this regex.
    needle: ['error ts', 'error[e', 'compil', 'cannot find symbol', 'unresolved reference', '.go:', 'build failed', "can't resolve", 'syntaxerror', 'error cs', '(checked', 'linker command failed', 'symbol(s) not found', 'undefined reference'],
    re: BUILD_ERROR_RE,
    verdict: buildFailure,
  },
  {
    needle: ['undeclared', 'unsupported', 'missing required', 'invalid reference', 'invalid expression', 'invalid function argument', 'invalid value for', 'unknown function', 'block definition required', 'duplicate', 'incorrect attribute value', 'unclosed configuration', 'module not installed'],
    re: TERRAFORM_INVALID_RE,
    verdict: () => verdict('build_failure', 'build error', 'fix the terraform code at the file and line the error names (terraform validate shows it locally); a re-run fails the same way'),
  },
  {
    needle: ['problem', 'found', 'inspected', '[sc', 'golangci-lint', 'clippy::', '.py:'],
    re: LINT_ERROR_RE,
    verdict: () => verdict('lint_failure', 'lint error', 'fix the lint errors the log lists (run the linter locally; many fix themselves with --fix); a re-run fails the same way'),
  },
  {
    needle: ['code style issues', 'reformat', 'diff in'],
    re: FORMAT_RE,
    verdict: () => verdict('lint_failure', 'formatting', 'format the code (prettier --write, black, cargo fmt …) and commit it; a re-run fails the same way'),
  },
  { needle: ['fail', 'assertionerror', 'error in', 'errors in'], re: TEST_FAILED_RE, verdict: testFailure },
  { needle: ['timeout', 'timed out', 'waiting for'], re: TEST_TIMEOUT_RE, verdict: testFailure },
  {
    // Gradle/Ant's last line and a failed Dockerfile step: something in the build failed; the lines above it say what.
    needle: ['build failed', 'did not complete successfully'],
    re: /\bBUILD FAILED\b|\bBuild failed with an exception\b|failed to solve: process .{0,200} did not complete successfully/,
    verdict: () => verdict('build_failure', 'build error', 'fix the build: the first error above the build tool\'s "failed" line says what broke; a re-run fails the same way', RISK.build_failure, RANK_GENERIC_BUILD),
  },

  // --- transient: network and runner
  {
    needle: ['enotfound', 'eai_again', 'no such host', 'server misbehaving', 'could not resolve host', 'temporary failure in name resolution', 'name or service not known', 'nodename nor servname'],
    re: /\bENOTFOUND\b|\bEAI_AGAIN\b|: no such host\b|: server misbehaving\b|Could not resolve host|Temporary failure in name resolution|Name or service not known|nodename nor servname/i,
    verdict: (_m, text, at) => verdict('transient', 'DNS lookup failed', dnsAction(dnsHost(text) ?? hostNear(text, at))),
  },
  {
    // gh: "error connecting to api.github.com" / "check your internet connection or https://githubstatus.com"
    needle: ['error connecting to', 'check your internet connection'],
    re: /error connecting to (\S+)|check your internet connection/i,
    verdict: (m) => verdict('transient', 'connection failed', networkAction(m?.[1]?.toLowerCase() ?? 'api.github.com')),
  },
  { needle: ['etimedout', 'esockettimedout'], verdict: (_m, text, at) => verdict('transient', 'network timeout', networkAction(hostNear(text, at))) },
  { needle: ['econnreset', 'connection reset', 'socket hang up'], verdict: (_m, text, at) => verdict('transient', 'connection reset', networkAction(hostNear(text, at))) },
  { needle: ['econnrefused', 'connection refused'], verdict: (_m, text, at) => verdict('transient', 'connection refused', networkAction(hostNear(text, at))) },
  {
    needle: ['received a shutdown signal', 'lost communication with the server', 'was not acquired by runner', 'received request to deprovision'],
    verdict: () => verdict('transient', 'runner lost', ACTION.runnerLost),
  },

  // --- cancelled: on purpose, or because of something else that failed
  {
    needle: 'the strategy configuration was canceled because',
    re: /the strategy configuration was canceled because "?([^"\n]+?)"? failed/i,
    verdict: (m) =>
      verdict('cancelled', 'cancelled by fail-fast', `fail-fast cancelled this job because another matrix job${m?.[1] ? ` (${m[1]})` : ''} failed: look at that job first; nothing to retry here`),
  },
  {
    needle: 'canceling since a higher priority waiting request',
    verdict: () => verdict('cancelled', 'superseded (concurrency)', 'a newer run in the same concurrency group replaced this one (concurrency: cancel-in-progress): nothing to retry; look at the newer run'),
  },
  {
    needle: 'the operation was canceled',
    verdict: () =>
      verdict('cancelled', 'cancelled', 'the job was cancelled (by someone, by a newer run in its concurrency group, or by fail-fast after another job failed): look at the job that failed first; nothing to retry unless the cancel was a mistake'),
  },

  // --- unknown, with a more useful cause than "unrecognised"
  {
    needle: '│ error:',
    verdict: () => verdict('unknown', 'terraform error', 'inspect the logs: terraform reported an error at the file and line it names (a provider API error says which resource)'),
  },
];

/** The host a DNS failure names: Node, Go, curl/git. */
function dnsHost(text: string): string | null {
  const m = /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)|\blookup ([\w.-]+)(?: on [\w.:[\]%-]+?)?: |Could not resolve host: ([\w.-]+)/i.exec(text);
  const host = m?.[1] ?? m?.[2] ?? m?.[3];
  return host ? host.toLowerCase() : null;
}

// Network timeouts in their usual phrasings. "timeout" alone is too common (step echoes,
// `timeout-minutes:`), so it counts only with a qualifier; "timed out" is an event.
const TIMEOUT_RE =
  /\b(?:connect(?:ion)?|request|read|write|i\/o|socket|handshake|operation|network|idle)[ _-]?timed?[ _-]?out\b|\btimeout (?:exceeded|awaiting|expired|error)|\bclient\.timeout exceeded|\btimeouterror\b|\btimed out\b/gi;
const MAX_TIMEOUT_MATCHES = 256;

/** Where the first network timeout is, or -1. */
function networkTimeout(text: string, found: Found): number {
  if (!found.has('time')) return -1;
  TIMEOUT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = TIMEOUT_RE.exec(text)) !== null && n++ < MAX_TIMEOUT_MATCHES) {
    if (!TEST_TIMEOUT_RE.test(lineAt(text, m.index))) return m.index;
  }
  return -1;
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

/** Where the first of a rule's needles was seen. */
function needleAt(found: Found, needle: string | readonly string[]): number {
  let at = Infinity;
  for (const n of typeof needle === 'string' ? [needle] : needle) at = Math.min(at, found.get(n) ?? Infinity);
  return at;
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
    const v = rule.verdict(m, text, m ? m.index : needleAt(found, rule.needle));
    if (!best || v.rank < best.rank) best = v;
    // The rules are listed strongest class first, so a rate limit can stop the scan.
    if (best.rank === 0) break;
  }
  if (!best || best.rank > RANK.transient) {
    const at = networkTimeout(text, found);
    if (at !== -1) best = verdict('transient', 'network timeout', networkAction(hostNear(text, at)));
  }
  return best;
}

/** Exit codes that say something on their own (when no text does). */
function exitCodeVerdict(code: number | null | undefined): Verdict | null {
  // 128 + SIGKILL: on a runner, nearly always the out-of-memory killer
  if (code === 137) return verdict('capacity', 'process killed (out of memory?)', ACTION.killed);
  // the shell's "command not found"
  if (code === 127) return verdict('configuration', 'command not found', "install the command in an earlier step (its setup action or the package manager) or fix its name; a re-run fails the same way");
  return null;
}

// ---------------------------------------------------------------------------------------
// The single pass: which needles occur in the text.

/** Lower-case needles seen in the text, each with where it was first seen (the line a host is looked for on). */
type Found = ReadonlyMap<string, number>;

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
  const found = new Map<string, number>();
  if (!text) return found;
  NEEDLE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NEEDLE_RE.exec(text)) !== null) {
    const needle = m[0].toLowerCase();
    if (!found.has(needle)) {
      found.set(needle, m.index);
      for (const inner of CONTAINED.get(needle) ?? []) if (!found.has(inner)) found.set(inner, m.index);
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

  const seen = text ? statusesIn(text, found) : new Map<number, number[]>();
  const statuses = [...seen.keys()];
  if (explicit !== null) {
    const i = statuses.indexOf(explicit);
    if (i !== -1) statuses.splice(i, 1);
    statuses.unshift(explicit);
  }

  let best: Verdict | null = text ? messageVerdict(text, found) : null;
  for (const s of statuses) {
    const v = statusVerdict(s, hostOfStatus(text, seen.get(s) ?? []));
    if (v && (!best || v.rank < best.rank)) best = v;
  }
  best ??= exitCodeVerdict(input.exitCode);
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
