import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, type ClassifyInput } from '../src/retry/classify';
import type { FailureClass, RiskLevel } from '../src/runs/types';
import { ops, opsProcess, tempDir } from './helpers';

interface Row {
  name: string;
  input: ClassifyInput;
  class: FailureClass;
  http_status: number | null;
  retryable: boolean;
  risk: RiskLevel;
  cause?: string;
}

const rows: Row[] = [
  // --- configuration (422, missing secrets, unset env)
  {
    name: 'gh workflow run without workflow_dispatch',
    input: { text: "could not create workflow dispatch event: HTTP 422: Workflow does not have 'workflow_dispatch' trigger (https://api.github.com/repos/o/r/actions/workflows/x.yml/dispatches)" },
    class: 'configuration', http_status: 422, retryable: false, risk: 'medium', cause: 'workflow_dispatch trigger missing',
  },
  {
    name: 'dispatch to a missing ref',
    input: { text: 'could not create workflow dispatch event: HTTP 422: No ref found for: release/2.4 (https://api.github.com/repos/acme/api/actions/workflows/deploy.yml/dispatches)' },
    class: 'configuration', http_status: 422, retryable: false, risk: 'medium', cause: 'ref not found',
  },
  {
    name: 'bare 422 from the caller',
    input: { httpStatus: 422, text: 'Validation Failed' },
    class: 'configuration', http_status: 422, retryable: false, risk: 'medium', cause: 'invalid request',
  },
  {
    name: 'action input fed by an unset secret',
    input: { text: '##[error]Input required and not supplied: token' },
    class: 'configuration', http_status: null, retryable: false, risk: 'medium', cause: 'missing secret',
  },
  {
    name: 'script checks its env',
    input: { exitCode: 1, text: 'Error: NPM_TOKEN is not set\nError: Process completed with exit code 1.' },
    class: 'configuration', http_status: null, retryable: false, risk: 'medium', cause: 'missing secret',
  },
  {
    name: 'secret lookup',
    input: { text: 'Error: secret DEPLOY_SSH_KEY not found' },
    class: 'configuration', http_status: null, retryable: false, risk: 'medium', cause: 'missing secret',
  },
  {
    name: 'bash set -u',
    input: { exitCode: 1, text: './scripts/deploy.sh: line 12: DEPLOY_ENV: unbound variable' },
    class: 'configuration', http_status: null, retryable: false, risk: 'medium', cause: 'unset environment variable',
  },
  {
    name: 'invalid workflow file (startup failure)',
    input: { text: "Invalid workflow file: .github/workflows/e2e.yml#L41\nThe workflow is not valid. .github/workflows/e2e.yml (Line: 41, Col: 9): Unexpected value 'runs-on'" },
    class: 'configuration', http_status: null, retryable: false, risk: 'medium', cause: 'invalid workflow file',
  },

  // --- permission (403/401)
  {
    name: 'GITHUB_TOKEN without the permission',
    input: { text: 'HTTP 403: Resource not accessible by integration (https://api.github.com/repos/acme/api/issues/412/comments)' },
    class: 'permission', http_status: 403, retryable: false, risk: 'high', cause: 'token lacks permission',
  },
  {
    name: 'github-script / octokit error',
    input: { text: 'RequestError [HttpError]: Resource not accessible by integration\n    at /home/runner/work/_actions/actions/github-script/v7/dist/index.js:9537:21\n  status: 403,' },
    class: 'permission', http_status: 403, retryable: false, risk: 'high',
  },
  {
    name: 'admin rights',
    input: { text: 'HTTP 403: Must have admin rights to Repository. (https://api.github.com/repos/acme/web/environments/production)' },
    class: 'permission', http_status: 403, retryable: false, risk: 'high', cause: 'admin rights required',
  },
  {
    name: 'git push by the bot',
    input: { text: "remote: Permission to acme/infra.git denied to github-actions[bot].\nfatal: unable to access 'https://github.com/acme/infra/': The requested URL returned error: 403" },
    class: 'permission', http_status: 403, retryable: false, risk: 'high', cause: 'push denied',
  },
  {
    name: 'bad credentials',
    input: { text: 'HTTP 401: Bad credentials (https://api.github.com/graphql)\nTry authenticating with:  gh auth login' },
    class: 'permission', http_status: 401, retryable: false, risk: 'high', cause: 'authentication failed',
  },
  {
    name: 'AWS OIDC role',
    input: { text: 'Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity' },
    class: 'permission', http_status: null, retryable: false, risk: 'high', cause: 'cloud role denied',
  },

  // --- resource (404, runs that cannot be re-run)
  {
    name: 'gh 404',
    input: { text: 'HTTP 404: Not Found (https://api.github.com/repos/acme/mobile/releases/tags/v3.12.0)' },
    class: 'resource', http_status: 404, retryable: false, risk: 'medium', cause: 'not found',
  },
  {
    name: 'gh could not find workflow',
    input: { exitCode: 1, text: 'could not find any workflows named nightly-e2e.yml' },
    class: 'resource', http_status: null, retryable: false, risk: 'medium',
  },
  {
    name: 'unresolvable action',
    input: { text: "Error: Unable to resolve action `acme/setup-toolchain@v3`, unable to find version `v3`" },
    class: 'resource', http_status: null, retryable: false, risk: 'medium', cause: 'action not found',
  },
  {
    name: 'run older than 30 days (403 from the rerun endpoint)',
    input: { text: 'HTTP 403: Unable to retry this workflow run because it was created over a month ago (https://api.github.com/repos/o/r/actions/runs/1/rerun-failed-jobs)' },
    class: 'resource', http_status: 403, retryable: false, risk: 'low', cause: 'run too old to re-run',
  },
  {
    name: 'gh rerun refused',
    input: { exitCode: 1, text: 'run 11620789306 cannot be rerun; its workflow file may be broken' },
    class: 'resource', http_status: null, retryable: false, risk: 'medium', cause: 'run cannot be re-run',
  },

  // --- transient (5xx, network)
  {
    name: 'axios 502',
    input: { text: 'Error: Request failed with status code 502\n    at createError (/app/node_modules/axios/lib/core/createError.js:16:15)' },
    class: 'transient', http_status: 502, retryable: true, risk: 'low', cause: 'bad gateway',
  },
  {
    name: 'status: 503 in a log line',
    input: { text: 'health check failed: GET https://staging.acme.dev/healthz status: 503' },
    class: 'transient', http_status: 503, retryable: true, risk: 'low',
  },
  {
    name: 'gh 504',
    input: { text: 'HTTP 504: Gateway Timeout (https://api.github.com/repos/acme/api/actions/runs/123/rerun)' },
    class: 'transient', http_status: 504, retryable: true, risk: 'low',
  },
  {
    name: 'git clone 500',
    input: { text: "fatal: unable to access 'https://github.com/acme/web/': The requested URL returned error: 500" },
    class: 'transient', http_status: 500, retryable: true, risk: 'low',
  },
  {
    name: 'npm 503',
    input: { text: 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/react' },
    class: 'transient', http_status: 503, retryable: true, risk: 'low',
  },
  {
    name: 'connect ETIMEDOUT',
    input: { exitCode: 1, text: 'Error: connect ETIMEDOUT 140.82.112.6:443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)' },
    class: 'transient', http_status: null, retryable: true, risk: 'low', cause: 'network timeout',
  },
  {
    name: 'npm ECONNRESET',
    input: { text: 'npm ERR! code ECONNRESET\nnpm ERR! network aborted\nnpm ERR! network This is a problem related to network connectivity.' },
    class: 'transient', http_status: null, retryable: true, risk: 'low', cause: 'connection reset',
  },
  {
    name: 'ECONNREFUSED',
    input: { text: 'Error: connect ECONNREFUSED 127.0.0.1:5432' },
    class: 'transient', http_status: null, retryable: true, risk: 'low', cause: 'connection refused',
  },
  {
    name: 'docker client timeout',
    input: { text: 'Error response from daemon: Get "https://ghcr.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)' },
    class: 'transient', http_status: null, retryable: true, risk: 'low', cause: 'network timeout',
  },
  {
    name: 'operation timed out',
    input: { text: 'curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received' },
    class: 'transient', http_status: null, retryable: true, risk: 'low',
  },
  {
    name: 'runner shutdown',
    input: { text: 'Error: The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.' },
    class: 'transient', http_status: null, retryable: true, risk: 'low', cause: 'runner lost',
  },

  // --- rate limits (429, and 403s that are rate limits)
  {
    name: 'primary rate limit as 403',
    input: { text: 'HTTP 403: API rate limit exceeded for installation ID 41234567. (https://api.github.com/repos/acme/infra/pulls?per_page=100)' },
    class: 'rate_limit', http_status: 403, retryable: true, risk: 'low', cause: 'API rate limit exceeded',
  },
  {
    name: 'secondary rate limit',
    input: { text: 'HTTP 403: You have exceeded a secondary rate limit. Please wait a few minutes before you try again. (https://api.github.com/graphql)' },
    class: 'rate_limit', http_status: 403, retryable: true, risk: 'low', cause: 'secondary rate limit',
  },
  {
    name: '429 from the caller',
    input: { httpStatus: 429, text: 'Too Many Requests' },
    class: 'rate_limit', http_status: 429, retryable: true, risk: 'low',
  },
  {
    name: 'docker hub pull limit',
    input: { text: 'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit' },
    class: 'rate_limit', http_status: null, retryable: true, risk: 'low', cause: 'registry pull rate limit',
  },
  {
    name: '403 with x-ratelimit-remaining: 0',
    input: { httpStatus: 403, text: 'x-ratelimit-limit: 5000\nx-ratelimit-remaining: 0\nx-ratelimit-reset: 1763078400' },
    class: 'rate_limit', http_status: 403, retryable: true, risk: 'low',
  },

  // --- test and build failures (they were unknown), and nothing recognised
  {
    name: 'jest failure',
    input: { exitCode: 1, text: 'FAIL src/orders/checkout.test.ts\n  ● checkout › applies the discount code\nTests:       1 failed, 212 passed, 213 total' },
    class: 'test_failure', http_status: null, retryable: false, risk: 'low', cause: 'test failure',
  },
  {
    name: 'jest test timeout is not a network timeout',
    input: { text: 'thrown: "Exceeded timeout of 5000 ms for a test.\nAdd a timeout value to this test to increase the timeout"' },
    class: 'test_failure', http_status: null, retryable: false, risk: 'low',
  },
  {
    name: 'playwright expect timeout is not a network timeout',
    input: { text: 'Error: Timed out 5000ms waiting for expect(locator).toBeVisible()\n  1 failed\n    [chromium] › tests/login.spec.ts:24:5 › login › shows the dashboard' },
    class: 'test_failure', http_status: null, retryable: false, risk: 'low', cause: 'test failure',
  },
  {
    name: 'a test named after a status is not an HTTP error',
    input: { text: '  ✕ returns status 404 for unknown orders (12 ms)\nTests:       1 failed, 40 passed, 41 total' },
    class: 'test_failure', http_status: null, retryable: false, risk: 'low', cause: 'test failure',
  },
  {
    name: 'webpack module not found is not a 404',
    input: { text: "Module not found: Error: Can't resolve './Foo' in '/home/runner/work/web/web/src'" },
    class: 'build_failure', http_status: null, retryable: false, risk: 'low',
  },
  {
    name: 'a test of the rate limiter is not a rate limit',
    input: { text: '  ✕ rate limiter blocks the 101st request within a minute (8 ms)\nTests:       1 failed, 87 passed, 88 total' },
    class: 'test_failure', http_status: null, retryable: false, risk: 'low', cause: 'test failure',
  },
  {
    name: 'a missing type declaration is not a missing resource',
    input: { text: "src/index.ts(3,22): error TS7016: Could not find a declaration file for module 'left-pad'." },
    class: 'build_failure', http_status: null, retryable: false, risk: 'low', cause: 'build error',
  },
  {
    name: 'TypeScript error',
    input: { text: "src/api/routes.ts(42,7): error TS2322: Type 'string' is not assignable to type 'number'." },
    class: 'build_failure', http_status: null, retryable: false, risk: 'low', cause: 'build error',
  },
  {
    name: 'exit code only',
    input: { exitCode: 2 },
    class: 'unknown', http_status: null, retryable: false, risk: 'low', cause: 'exit code 2',
  },
  {
    name: 'nothing at all',
    input: {},
    class: 'unknown', http_status: null, retryable: false, risk: 'low', cause: 'unrecognised failure',
  },
];

describe('classify', () => {
  it.each(rows)('$name → $class', (row) => {
    const c = classify(row.input);
    expect({ class: c.class, http_status: c.http_status, retryable: c.retryable, risk: c.risk }).toEqual({
      class: row.class,
      http_status: row.http_status,
      retryable: row.retryable,
      risk: row.risk,
    });
    if (row.cause !== undefined) expect(c.cause).toBe(row.cause);
    expect(c.action.length).toBeGreaterThan(0);
  });

  it('keeps the §10.4 keys first and in order', () => {
    const c = classify({ text: 'HTTP 502: Bad Gateway' });
    expect(Object.keys(c)).toEqual(['http_status', 'class', 'cause', 'retryable', 'risk', 'action']);
  });

  it('gives the documented actions for the §5.3 cases', () => {
    expect(classify({ text: "HTTP 422: Workflow does not have 'workflow_dispatch' trigger" }).action).toMatch(/workflow_dispatch.*default branch/);
    expect(classify({ text: 'HTTP 403: Resource not accessible by integration' }).action).toMatch(/grant the workflow's permissions/);
    expect(classify({ text: 'HTTP 503: Service Unavailable' }).action).toMatch(/githubstatus\.com.*retry later/);
    expect(classify({ text: 'Error: secret SLACK_WEBHOOK_URL not found' }).action).toMatch(/set the secret SLACK_WEBHOOK_URL/);
  });

  it('extracts Retry-After and the rate-limit reset time', () => {
    const ra = classify({ text: "HttpError: You have exceeded a secondary rate limit.\n  status: 403,\n  headers: { 'retry-after': '60', 'x-ratelimit-remaining': '4988' }" });
    expect(ra).toMatchObject({ class: 'rate_limit', http_status: 403, retry_after_s: 60 });

    const reset = classify({ httpStatus: 429, text: 'x-ratelimit-reset: 1763078460', now: Date.parse('2025-11-14T00:00:00Z') });
    expect(reset).toMatchObject({ class: 'rate_limit', http_status: 429, reset_at: '2025-11-14T00:01:00Z', retry_after_s: 60 });
    // Not a rate limit: no timing keys at all.
    expect(Object.keys(classify({ text: 'HTTP 500 Retry-After: 5' }))).not.toContain('retry_after_s');
  });

  it('lets a signal that a retry cannot help win over a transient one', () => {
    const log = 'HTTP 502: Bad Gateway (https://api.github.com/…)\nretrying…\nHTTP 422: No ref found for: v9 (https://api.github.com/…)';
    expect(classify({ text: log })).toMatchObject({ class: 'configuration', http_status: 422 });
    // …and a rate limit wins over the 403 it arrives as.
    expect(classify({ httpStatus: 403, text: 'API rate limit exceeded for user ID 1.' }).class).toBe('rate_limit');
  });

  it('prefers the caller’s status for http_status', () => {
    expect(classify({ httpStatus: 503, text: 'upstream said: status: 500' }).http_status).toBe(503);
  });

  it('is fast on a big log', () => {
    const line = '2025-11-13T09:12:03.4812345Z   ✓ renders the order list (12 ms) https://example.test/a/b?c=d status ok\n';
    const big = line.repeat(200_000) + 'Error: connect ETIMEDOUT 140.82.112.6:443\n'; // ~20 MB
    const t0 = performance.now();
    const c = classify({ text: big });
    const ms = performance.now() - t0;
    expect(c.class).toBe('transient');
    expect(ms).toBeLessThan(1500);
  });
});

describe('ops classify (CLI)', () => {
  it('prints the §10.4 object with --json, from text, a file, stdin or a status', async () => {
    const fromText = await ops(['classify', '--text', "HTTP 422: Workflow does not have 'workflow_dispatch' trigger (https://api.github.com/repos/a/b/actions/workflows/d.yml/dispatches)", '--json']);
    expect(fromText.code).toBe(0);
    expect(Object.keys(JSON.parse(fromText.stdout)).slice(0, 6)).toEqual(['http_status', 'class', 'cause', 'retryable', 'risk', 'action']);
    expect(JSON.parse(fromText.stdout)).toMatchObject({ http_status: 422, class: 'configuration', retryable: false });
    const log = join(tempDir(), 'job.log');
    writeFileSync(log, 'npm ERR! network request to https://registry.npmjs.org/x failed, reason: read ECONNRESET\n');
    expect(JSON.parse((await ops(['classify', '--file', log, '--json'])).stdout)).toMatchObject({ class: 'transient', retryable: true });
    const stdin = await ops(['classify', '--file', '-', '--json'], { stdin: 'HTTP 429: Too Many Requests\nRetry-After: 30\n' });
    expect(JSON.parse(stdin.stdout)).toMatchObject({ http_status: 429, class: 'rate_limit', retryable: true, retry_after_s: 30 });
    expect(JSON.parse((await ops(['classify', '--http-status', '404', '--json'])).stdout)).toMatchObject({ class: 'resource', retryable: false });
    const human = await ops(['classify', '--http-status', '503']);
    expect(human.stdout).toMatch(/^class {6}transient\nhttp {7}503\n/);
  });

  it.each([
    [['classify'], /^ops: classify: nothing to classify/],
    [['classify', '--http-status', '42'], /^ops: --http-status: expected an HTTP status from 100 to 599/],
    [['classify', '--exit-code', '-1'], /^ops: --exit-code: expected 0 to 255/],
    [['classify', '--text', 'x', '--file', 'y'], /^ops: classify: arguments file and text are mutually exclusive/],
    [['classify', '--file', 'missing.log'], /^ops: missing\.log: no such file/],
  ])('%j → exit 2', async (args, message) => {
    const r = await ops(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------
// Issue 18 item 9: real messages that were misclassified, through the built binary.

const classifyBin = (text: string, extra: string[] = []) => {
  // Through stdin, as `… 2>&1 | ops classify --file -` in a job: a message may begin with "--".
  const r = opsProcess(['classify', '--file', '-', ...extra, '--json'], { input: text });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { http_status: number | null; class: string; cause: string; retryable: boolean; risk: string; action: string };
};

describe('ops classify (real binary): runner network failures are transient', () => {
  it.each([
    ['node DNS failure', 'Error: getaddrinfo ENOTFOUND api.github.com\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:120:26) {\n  errno: -3008,\n  code: \'ENOTFOUND\',\n  syscall: \'getaddrinfo\',\n  hostname: \'api.github.com\'\n}'],
    ['Go no such host', 'Get "https://api.github.com/repos/acme/api/releases": dial tcp: lookup api.github.com: no such host'],
    ['Go resolver misbehaving', 'Post "https://api.github.com/graphql": dial tcp: lookup api.github.com on 127.0.0.53:53: server misbehaving'],
    ['EAI_AGAIN', 'request to https://api.github.com/repos/acme/api failed, reason: getaddrinfo EAI_AGAIN api.github.com'],
    ['gh cannot connect', 'error connecting to api.github.com\ncheck your internet connection or https://githubstatus.com'],
    ['curl/git cannot resolve', "fatal: unable to access 'https://github.com/acme/api/': Could not resolve host: github.com"],
  ])('%s → transient, retryable, naming the host', (_name, text) => {
    const c = classifyBin(text, ['--exit-code', '1']);
    expect(c).toMatchObject({ class: 'transient', retryable: true, risk: 'low', http_status: null });
    expect(c.action).toMatch(/github\.com/);
    expect(c.action).toMatch(/retry/);
  });
});

describe('ops classify (real binary): a refused connection on the runner itself', () => {
  it('points at the service the job starts, not at GitHub', () => {
    const c = classifyBin('Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1637:16)');
    expect(c).toMatchObject({ class: 'transient', retryable: true });
    expect(c.action).toMatch(/^nothing answered on 127\.0\.0\.1: a service the job starts itself/);
    expect(c.action).not.toMatch(/githubstatus/);
  });
});

describe('ops classify (real binary): gh without a token', () => {
  it('is configuration, not retryable, and says to set GH_TOKEN', () => {
    const text = 'gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: ${{ github.token }}';
    const c = classifyBin(text, ['--exit-code', '4']);
    expect(c).toMatchObject({ class: 'configuration', retryable: false, risk: 'medium' });
    expect(c.action).toMatch(/GH_TOKEN/);
    expect(c.action).toMatch(/github\.token/);
  });
});

describe('ops classify (real binary): a 5xx names its host', () => {
  it.each([
    ['npm registry', 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/react', 503, 'registry.npmjs.org', /status\.npmjs\.org/],
    ['pypi', "ERROR: HTTP error 502 while getting https://files.pythonhosted.org/packages/source/p/pydantic/pydantic-2.12.4.tar.gz", 502, 'files.pythonhosted.org', /status\.python\.org/],
    ['pip retries', "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/pydantic/ (Caused by ResponseError('too many 503 error responses'))", 503, 'pypi.org', /status\.python\.org/],
    ['private artifactory', "> Could not GET 'https://acme.jfrog.io/artifactory/libs-release/com/acme/core/1.2.0/core-1.2.0.pom'. Received status code 502 from server: Bad Gateway", 502, 'acme.jfrog.io', /acme\.jfrog\.io/],
    ['any API', 'HTTP 502 from https://api.example.com/v1/deployments', 502, 'api.example.com', /api\.example\.com/],
  ])('%s → transient, no githubstatus.com', (_name, text, status, host, page) => {
    const c = classifyBin(text);
    expect(c).toMatchObject({ class: 'transient', retryable: true, http_status: status });
    expect(c.action).not.toMatch(/githubstatus/);
    expect(c.action).toContain(host);
    expect(c.action).toMatch(page);
    expect(c.action).toMatch(/retry/);
  });

  it('a 5xx from GitHub still points to githubstatus.com', () => {
    expect(classifyBin('HTTP 502: Server Error (https://api.github.com/repos/acme/api/deployments)').action).toMatch(/githubstatus\.com/);
    expect(classifyBin("fatal: unable to access 'https://github.com/acme/web/': The requested URL returned error: 500").action).toMatch(/githubstatus\.com/);
  });
});

describe('ops classify (real binary): a failed test suite is test_failure', () => {
  it.each([
    ['jest summary', 'Tests:       3 failed, 45 passed, 48 total'],
    ['jest FAIL line', 'FAIL src/orders/checkout.test.ts (5.2 s)\n  ● checkout › applies the discount code', 'src/orders/checkout.test.ts'],
    ['vitest FAIL line', ' FAIL  test/x.test.ts > orders > totals\nAssertionError: expected 100 to be 90', 'test/x.test.ts'],
    ['vitest summary', ' Test Files  1 failed | 40 passed (41)\n      Tests  1 failed | 212 passed (213)'],
    ['pytest summary', '=========================== 2 failed, 10 passed in 3.2s ============================'],
    ['pytest collection error', '==================== 1 error in 0.31s ===================='],
    ['unittest', 'FAIL: test_total (tests.test_cart.CartTest)\n----------------------------------------------------------------------\nRan 12 tests in 0.004s\n\nFAILED (failures=1)'],
    ['pytest FAILED line', 'FAILED tests/test_tax.py::test_reduced_rate - AssertionError: assert 108 == 110', 'tests/test_tax.py::test_reduced_rate'],
    ['go test', '--- FAIL: TestCheckoutTotal (0.00s)\n    checkout_test.go:42: got 100, want 90\nFAIL\nFAIL\tgithub.com/acme/api/orders\t0.412s', 'TestCheckoutTotal'],
    ['go test package line', 'FAIL\tgithub.com/acme/api/orders\t0.412s'],
    ['mocha', '  45 passing (2s)\n  3 failing\n\n  1) orders\n       totals the cart:\n     AssertionError [ERR_ASSERTION]: 100 == 90'],
    ['maven surefire', '[ERROR] Tests run: 10, Failures: 2, Errors: 0, Skipped: 0\n[ERROR] There are test failures.'],
    ['JUnit errors only', 'Tests run: 12, Failures: 0, Errors: 1, Skipped: 0'],
    ['cargo test', 'failures:\n    tests::totals\n\ntest result: FAILED. 9 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s'],
  ])('%s', (_name, text, first?: string) => {
    const c = classifyBin(text, ['--exit-code', '1']);
    expect(c).toMatchObject({ class: 'test_failure', retryable: false, cause: 'test failure' });
    expect(c.action).toMatch(/^fix the failing tests/);
    if (first) expect(c.action).toContain(first);
  });

  it.each([
    ['jest all passed', 'Tests:       45 passed, 45 total'],
    ['cargo ok', 'test result: ok. 10 passed; 0 failed; 0 ignored'],
    ['surefire ok', 'Tests run: 10, Failures: 0, Errors: 0, Skipped: 0'],
  ])('a passing summary (%s) is not a test failure', (_name, text) => {
    expect(classifyBin(text).class).not.toBe('test_failure');
  });
});

describe('ops classify (real binary): everyday failures are not unknown', () => {
  it.each([
    // code that does not build
    ['tsc', "src/routes/orders.ts(42,7): error TS2322: Type 'string' is not assignable to type 'number'.\nFound 1 error in src/routes/orders.ts:42", 'build_failure', false, /src\/routes\/orders\.ts/],
    ['rustc', 'error[E0425]: cannot find value `total` in this scope\n --> src/main.rs:4:5\nerror: could not compile `api` (bin "api") due to 1 previous error', 'build_failure', false, /fix the code/],
    ['javac', '[ERROR] COMPILATION ERROR :\n[ERROR] /home/runner/work/api/api/src/main/java/com/acme/Order.java:[12,8] cannot find symbol', 'build_failure', false, /fix the code/],
    ['kotlin', 'e: file:///home/runner/work/m/m/app/src/main/java/com/acme/Cart.kt:57:17 Unresolved reference: formatPrice\n> Task :app:compileDebugKotlin FAILED', 'build_failure', false, /fix the code/],
    ['go build', '# github.com/acme/api/orders\norders/total.go:12:2: undefined: roundHalfEven\nFAIL\tgithub.com/acme/api/orders [build failed]', 'build_failure', false, /fix the code/],
    ['webpack', "Module not found: Error: Can't resolve './Foo' in '/home/runner/work/web/web/src'", 'build_failure', false, /fix the code/],
    ['terraform', '│ Error: Reference to undeclared resource\n│ \n│   on modules/network/main.tf line 42, in resource "aws_route" "private":', 'build_failure', false, /terraform/],
    // lint
    ['eslint', "  12:7  error  'total' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)", 'lint_failure', false, /lint/],
    ['ruff', 'src/billing/tax.py:12:5: F841 Local variable `rate` is assigned to but never used\nFound 1 error.', 'lint_failure', false, /lint/],
    ['prettier', '[warn] src/app.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.', 'lint_failure', false, /format/],
    ['black', 'would reformat src/app.py\nOh no! 💥 💔 💥\n1 file would be reformatted, 12 files would be left unchanged.', 'lint_failure', false, /format/],
    // npm's own error codes
    ['npm ERESOLVE', 'npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree', 'configuration', false, /dependenc/],
    ['npm ci out of sync', 'npm ERR! code EUSAGE\nnpm ERR! `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.', 'configuration', false, /package-lock\.json/],
    ['npm ETARGET', 'npm ERR! code ETARGET\nnpm ERR! notarget No matching version found for react@^99.0.0.', 'configuration', false, /version/],
    ['npm E404', "npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fui - Not found\nnpm ERR! 404  '@acme/ui@^2.0.0' is not in this registry.", 'resource', false, /package/],
    ['npm E401', 'npm ERR! code E401\nnpm ERR! Unable to authenticate, need: Basic realm="GitHub Package Registry"', 'permission', false, /NODE_AUTH_TOKEN/],
    // the runner's limits
    ['node heap', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'capacity', false, /memory/],
    ['Killed', '/home/runner/work/_temp/3f1c.sh: line 1:  2345 Killed                  npm run build\n##[error]Process completed with exit code 137.', 'capacity', false, /memory/],
    ['java OOM', 'java.lang.OutOfMemoryError: Java heap space', 'capacity', false, /memory/],
    ['disk full', "npm ERR! code ENOSPC\nnpm ERR! nospc ENOSPC: no space left on device, write", 'capacity', false, /disk/],
    ['disk full (tar)', 'tar: node_modules/.cache/x: Cannot write: No space left on device', 'capacity', false, /disk/],
    ['runner disk warning', 'You are running out of disk space. The runner will stop working when the machine runs out of disk space. Free space left: 0 MB', 'capacity', false, /disk/],
    // time and cancellation
    ['job timeout', '##[error]The job running on runner GitHub Actions 12 has exceeded the maximum execution time of 30 minutes.\n##[error]The operation was canceled.', 'timeout', false, /timeout-minutes/],
    ['step timeout', "##[error]The action 'Run tests' has timed out after 10 minutes.", 'timeout', false, /timeout-minutes/],
    ['cancelled', '##[error]The operation was canceled.', 'cancelled', false, /cancel/],
    ['fail-fast', '##[error]The strategy configuration was canceled because "test.ubuntu-latest_20" failed', 'cancelled', false, /first/],
    ['concurrency', "Canceling since a higher priority waiting request for 'deploy-production' exists", 'cancelled', false, /concurrency/],
    // runner lost: transient
    ['runner lost', 'The hosted runner: GitHub Actions 7 lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.', 'transient', true, /retry/],
    ['runner shut down', '##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.\n##[error]The operation was canceled.', 'transient', true, /retry/],
    // tools the job did not install
    ['command not found', '/home/runner/work/_temp/9a1b.sh: line 1: pnpm: command not found\n##[error]Process completed with exit code 127.', 'configuration', false, /pnpm/],
  ])('%s', (_name, text, cls, retryable, action) => {
    const c = classifyBin(text);
    expect(c).toMatchObject({ class: cls, retryable });
    expect(c.cause).not.toMatch(/unrecognised|exit code/);
    expect(c.action).toMatch(action);
    expect(c.action).not.toMatch(/^inspect the logs/);
  });
});

describe('ops classify (real binary): words in test names are not failures of their own', () => {
  it.each([
    ['out of memory', '  ✓ handles out of memory gracefully (3 ms)\n  ✕ totals the cart (5 ms)\nTests:       1 failed, 3 passed, 4 total', 'test_failure'],
    ['file watchers', "Error: ENOSPC: System limit for number of file watchers reached, watch '/home/runner/work/web/web/src'", 'unknown'],
    ['JSON.parse of an HTML page', 'SyntaxError: Unexpected token \'<\', "<html><hea"... is not valid JSON\n    at JSON.parse (<anonymous>)', 'unknown'],
  ])('%s', (_name, text, cls) => {
    expect(classifyBin(text).class).toBe(cls);
  });
});
