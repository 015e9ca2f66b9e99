import { classify } from '../retry/classify';
import { failedConclusions, type Classification, type RunConclusion, type RunInput, type RunStatus } from '../runs/types';

/**
 * The demo data set (`ops demo`): a deterministic, streaming generator of run attempts that
 * look like a small company's GitHub Actions history. Pure: the same options give the same
 * attempts in the same order, whatever machine or time zone it runs on, and nothing is
 * kept in memory but a few hundred precomputed numbers, so a million runs stream through.
 *
 * What it models, because the console, KPIs and detection rules feed on it:
 * - several repositories with their own workflows, each with a duration distribution
 *   (log-normal around a median), a failure rate and a cancel rate;
 * - activity that follows a Tokyo working week (busy weekday afternoons, quiet nights and
 *   weekends) and nightly schedules at fixed cron times;
 * - pushes and pull requests that start several workflows on the same commit;
 * - failures drawn from a weighted set of real-looking errors (test and build failures,
 *   network trouble, GitHub 5xx, rate limits, 422/403/404, missing secrets), classified by
 *   the same `classify()` the retry engine uses;
 * - re-runs: every attempt is its own record with the same run_id; transient failures are
 *   re-run and mostly recover, configuration errors fail the same way again;
 * - a GitHub outage window (transient failures spike) and a broken-deploy streak
 *   (consecutive identical failures of one workflow), so detection has something to find;
 * - the newest runs still queued or in progress at `now`.
 */

export interface DemoOptions {
  runs: number;
  days: number;
  seed: number;
  /** Epoch ms: the demo ends here (OPS_NOW in tests). */
  now: number;
}

/** Why an attempt failed, kept so its log can be rendered on demand (only a few are written). */
export interface DemoFailure {
  scenario: string;
  /** The step that failed, as GitHub prints it ("Run npm test"). */
  step: string;
  /** The error lines the step printed. */
  lines: string[];
  /** The step's exit code; null when the job was stopped rather than a process failing. */
  exitCode: number | null;
  /** Seeds the log's incidental detail (timings, package counts), independent of the main stream. */
  logSeed: number;
}

/** A run attempt (a RunInput, ready for the ledger) plus what its failure log needs. */
export interface DemoAttempt extends RunInput {
  failure: DemoFailure | null;
}

// ---------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32. Small, fast, good enough statistically, and
// identical on every platform (32-bit integer arithmetic only).

/** Byte → two hex digits: a commit sha per run made Number#toString(16) a hot spot. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** Log-normal around a median: durations are skewed, with a long slow tail. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Log-uniform in [lo, hi]: "a minute to half an hour" without favouring either end. */
  logUniform(lo: number, hi: number): number {
    return lo * Math.exp(this.next() * Math.log(hi / lo));
  }

  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  hex(chars: number): string {
    let s = '';
    while (s.length < chars) {
      const u = this.uint32();
      s += HEX[u >>> 24]! + HEX[(u >>> 16) & 255]! + HEX[(u >>> 8) & 255]! + HEX[u & 255]!;
    }
    return s.length === chars ? s : s.slice(0, chars);
  }
}

/** A second, independent stream from (seed, id, n): logs are rendered out of order. */
function subSeed(seed: number, id: string, n: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return Math.imul(h ^ n, 0x01000193) >>> 0;
}

// ---------------------------------------------------------------------------------------
// The organisation.

type Lang = 'node' | 'python' | 'mobile' | 'terraform';
type Kind = 'ci' | 'e2e' | 'deploy' | 'preview' | 'nightly' | 'security' | 'release' | 'plan' | 'apply' | 'drift';
type EventName = 'push' | 'pull_request' | 'workflow_dispatch' | 'schedule';

interface Workflow {
  repo: string;
  name: string;
  file: string;
  lang: Lang;
  kind: Kind;
  /** Probability the workflow starts for an event of that kind (subject to `branches`). */
  on: Partial<Record<Exclude<EventName, 'schedule'>, number>>;
  /** Which pushed branches trigger it: any, or only main (deploys), or main + release/*. */
  pushBranches: 'any' | 'main' | 'release';
  /** Cron, UTC. */
  schedule?: { hour: number; minute: number };
  jobs: string[];
  medianMin: number;
  sigma: number;
  failRate: number;
  cancelRate: number;
  timeoutMin: number;
  runner: 'ubuntu-24.04' | 'macos-15';
}

interface Repo {
  name: string;
  weight: number;
  lang: Lang;
  ticket: string;
  team: string[];
  releases: string[];
}

const REPOS: readonly Repo[] = [
  { name: 'acme/api', weight: 0.31, lang: 'node', ticket: 'API', team: ['aiko-tanaka', 'kenji-sato', 'maria-lopez', 'devon-reed'], releases: ['release/2.3', 'release/2.4'] },
  { name: 'acme/web', weight: 0.29, lang: 'node', ticket: 'WEB', team: ['yuki-mori', 'sam-okafor', 'maria-lopez', 'lena-vogel'], releases: ['release/2025.11'] },
  { name: 'acme/mobile', weight: 0.14, lang: 'mobile', ticket: 'MOB', team: ['haruto-ito', 'priya-nair', 'tom-hughes'], releases: ['release/5.12', 'release/5.13'] },
  { name: 'acme/infra', weight: 0.12, lang: 'terraform', ticket: 'INF', team: ['rin-kobayashi', 'devon-reed', 'omar-haddad'], releases: [] },
  { name: 'acme/billing', weight: 0.14, lang: 'python', ticket: 'BIL', team: ['sofia-rossi', 'kenji-sato', 'omar-haddad'], releases: ['release/1.9'] },
];

const wf = (w: Omit<Workflow, 'sigma' | 'cancelRate' | 'timeoutMin' | 'runner' | 'pushBranches'> & Partial<Workflow>): Workflow => ({
  sigma: 0.35,
  cancelRate: 0.01,
  timeoutMin: Math.max(15, Math.round(w.medianMin * 4)),
  runner: 'ubuntu-24.04',
  pushBranches: 'any',
  ...w,
});

const WORKFLOWS: readonly Workflow[] = [
  // acme/api — TypeScript service
  wf({ repo: 'acme/api', name: 'CI', file: 'ci.yml', lang: 'node', kind: 'ci', on: { push: 1, pull_request: 1 }, jobs: ['lint', 'test (node 20)', 'test (node 22)', 'build'], medianMin: 6.5, failRate: 0.11, cancelRate: 0.05 }),
  wf({ repo: 'acme/api', name: 'Integration', file: 'integration.yml', lang: 'node', kind: 'e2e', on: { push: 1, pull_request: 0.8 }, pushBranches: 'main', jobs: ['integration (postgres 16)', 'contract-tests'], medianMin: 14, sigma: 0.4, failRate: 0.16, cancelRate: 0.05 }),
  wf({ repo: 'acme/api', name: 'Deploy', file: 'deploy.yml', lang: 'node', kind: 'deploy', on: { push: 1, workflow_dispatch: 1 }, pushBranches: 'main', jobs: ['build-image', 'deploy-staging', 'deploy-production'], medianMin: 9, sigma: 0.25, failRate: 0.07 }),
  wf({ repo: 'acme/api', name: 'CodeQL', file: 'codeql.yml', lang: 'node', kind: 'security', on: { push: 0.5, pull_request: 0.4 }, pushBranches: 'main', schedule: { hour: 3, minute: 17 }, jobs: ['analyze (javascript-typescript)'], medianMin: 11, sigma: 0.2, failRate: 0.03 }),
  wf({ repo: 'acme/api', name: 'Nightly', file: 'nightly.yml', lang: 'node', kind: 'nightly', on: { workflow_dispatch: 0.3 }, schedule: { hour: 18, minute: 0 }, jobs: ['load-test', 'integration (full)'], medianMin: 42, sigma: 0.25, failRate: 0.18, timeoutMin: 90 }),
  // acme/web — Next.js front end
  wf({ repo: 'acme/web', name: 'CI', file: 'ci.yml', lang: 'node', kind: 'ci', on: { push: 1, pull_request: 1 }, jobs: ['lint', 'typecheck', 'unit', 'build'], medianMin: 4.5, failRate: 0.1, cancelRate: 0.06 }),
  wf({ repo: 'acme/web', name: 'E2E', file: 'e2e.yml', lang: 'node', kind: 'e2e', on: { push: 1, pull_request: 0.9 }, pushBranches: 'main', jobs: ['e2e (chromium)', 'e2e (webkit)', 'e2e (firefox)'], medianMin: 16, failRate: 0.19, cancelRate: 0.06, timeoutMin: 45 }),
  wf({ repo: 'acme/web', name: 'Preview', file: 'preview.yml', lang: 'node', kind: 'preview', on: { pull_request: 1 }, jobs: ['deploy-preview'], medianMin: 3, sigma: 0.3, failRate: 0.05, cancelRate: 0.08 }),
  wf({ repo: 'acme/web', name: 'Deploy', file: 'deploy.yml', lang: 'node', kind: 'deploy', on: { push: 1, workflow_dispatch: 1 }, pushBranches: 'main', jobs: ['build', 'deploy-production'], medianMin: 7, sigma: 0.25, failRate: 0.06 }),
  // acme/mobile — iOS + Android
  wf({ repo: 'acme/mobile', name: 'CI', file: 'ci.yml', lang: 'mobile', kind: 'ci', on: { push: 1, pull_request: 1 }, jobs: ['android (unit)', 'ios (unit)', 'detekt'], medianMin: 21, sigma: 0.3, failRate: 0.13, cancelRate: 0.05, timeoutMin: 60, runner: 'macos-15' }),
  wf({ repo: 'acme/mobile', name: 'E2E', file: 'e2e.yml', lang: 'mobile', kind: 'e2e', on: { pull_request: 0.5 }, schedule: { hour: 19, minute: 30 }, jobs: ['detox (ios)', 'detox (android)'], medianMin: 34, failRate: 0.24, cancelRate: 0.04, timeoutMin: 75, runner: 'macos-15' }),
  wf({ repo: 'acme/mobile', name: 'Release', file: 'release.yml', lang: 'mobile', kind: 'release', on: { push: 1, workflow_dispatch: 1 }, pushBranches: 'release', jobs: ['build-ipa', 'build-aab', 'upload-testflight', 'upload-play'], medianMin: 38, sigma: 0.2, failRate: 0.12, timeoutMin: 90, runner: 'macos-15' }),
  // acme/infra — Terraform
  wf({ repo: 'acme/infra', name: 'Terraform Plan', file: 'plan.yml', lang: 'terraform', kind: 'plan', on: { pull_request: 1 }, jobs: ['plan (staging)', 'plan (production)'], medianMin: 3.5, failRate: 0.12, cancelRate: 0.03 }),
  wf({ repo: 'acme/infra', name: 'Terraform Apply', file: 'apply.yml', lang: 'terraform', kind: 'apply', on: { push: 1, workflow_dispatch: 1 }, pushBranches: 'main', jobs: ['apply (staging)', 'apply (production)'], medianMin: 8, sigma: 0.3, failRate: 0.09 }),
  wf({ repo: 'acme/infra', name: 'Drift Check', file: 'drift.yml', lang: 'terraform', kind: 'drift', on: { workflow_dispatch: 0.2 }, schedule: { hour: 0, minute: 5 }, jobs: ['drift (production)'], medianMin: 5, sigma: 0.2, failRate: 0.1 }),
  // acme/billing — Python
  wf({ repo: 'acme/billing', name: 'CI', file: 'ci.yml', lang: 'python', kind: 'ci', on: { push: 1, pull_request: 1 }, jobs: ['lint (ruff)', 'test (py3.12)', 'test (py3.13)'], medianMin: 8, failRate: 0.12, cancelRate: 0.05 }),
  wf({ repo: 'acme/billing', name: 'Deploy', file: 'deploy.yml', lang: 'python', kind: 'deploy', on: { push: 1, workflow_dispatch: 1 }, pushBranches: 'main', jobs: ['migrate', 'deploy'], medianMin: 10, sigma: 0.25, failRate: 0.07 }),
  wf({ repo: 'acme/billing', name: 'Reconciliation', file: 'reconcile.yml', lang: 'python', kind: 'nightly', on: { workflow_dispatch: 0.2 }, schedule: { hour: 20, minute: 0 }, jobs: ['reconcile'], medianMin: 25, sigma: 0.3, failRate: 0.08, timeoutMin: 60 }),
];

/** Repositories and workflow names of the demo: for tests and the summary. */
export const demoRepositories: readonly string[] = REPOS.map((r) => r.name);
export const demoWorkflowCount = WORKFLOWS.length;

const WORKFLOWS_BY_REPO = new Map(REPOS.map((r) => [r.name, WORKFLOWS.filter((w) => w.repo === r.name)]));
const DEPLOYISH: ReadonlySet<Kind> = new Set(['deploy', 'release', 'apply']);

// ---------------------------------------------------------------------------------------
// Failure scenarios: real-looking errors, weighted, restricted to where they make sense.

interface Ctx {
  rng: Rng;
  wf: Workflow;
  repo: Repo;
  branch: string;
  runId: string;
}

interface Produced {
  step: string;
  lines: string[];
  exitCode: number | null;
  /** Where in the job it fails, as a fraction range of the job's usual duration. */
  at: [number, number];
}

type Category = 'test' | 'build' | 'lint' | 'oom' | 'disk' | 'script' | 'transient' | 'rate_limit' | 'configuration' | 'permission' | 'resource';

interface Scenario {
  id: string;
  category: Category;
  weight: number;
  kinds?: readonly Kind[];
  langs?: readonly Lang[];
  /** Only on pull requests (read-only tokens); `dependabotBoost` multiplies the weight there. */
  prOnly?: boolean;
  dependabotBoost?: number;
  make(c: Ctx): Produced;
}

const TEST_KINDS: readonly Kind[] = ['ci', 'e2e', 'nightly', 'security'];
const host = (repo: string) => repo.split('/')[1]!;
const api = (repo: string, path: string) => `https://api.github.com/repos/${repo}${path}`;
const reqId = (rng: Rng) => `${rng.hex(4).toUpperCase()}:${rng.hex(4).toUpperCase()}:${rng.hex(6).toUpperCase()}:${rng.hex(7).toUpperCase()}:${rng.hex(8).toUpperCase()}`;
const ip = (rng: Rng) => rng.pick(['140.82.112.6', '140.82.113.5', '140.82.114.9', '185.199.108.133', '104.16.24.34']);

const NODE_TESTS = [
  ['src/orders/checkout.test.ts', 'checkout', 'applies the discount code', 'expected 100 to be 90 // Object.is equality'],
  ['src/ledger/upsert.test.ts', 'ledger', 'keeps one row per run id', 'expected [ …(2) ] to have a length of 1 but got 2'],
  ['src/auth/session.test.ts', 'session', 'refreshes an expired token', "expected 'expired' to be 'active' // Object.is equality"],
  ['src/api/pagination.test.ts', 'pagination', 'returns the next cursor', 'expected undefined to be defined'],
  ['src/i18n/format.test.ts', 'formatPrice', 'formats yen without decimals', "expected '¥4,980.00' to be '¥4,980' // Object.is equality"],
] as const;
const E2E_TESTS = [
  ['tests/checkout.spec.ts:31:7', 'checkout › pays with a saved card', "getByTestId('order-total')", '"¥4,980"', '"¥5,480"'],
  ['tests/login.spec.ts:24:5', 'login › shows the dashboard', "getByRole('heading', { name: 'Dashboard' })", '"Dashboard"', '""'],
  ['tests/search.spec.ts:58:9', 'search › filters by status', "getByTestId('result-count')", '"12 results"', '"0 results"'],
] as const;
const PY_TESTS = [
  ['tests/test_invoices.py::test_rounding_half_even', "AssertionError: assert Decimal('10.01') == Decimal('10.00')"],
  ['tests/test_tax.py::test_consumption_tax_reduced_rate', 'AssertionError: assert 108 == 110'],
  ['tests/test_webhooks.py::test_duplicate_delivery_is_ignored', 'AssertionError: assert 2 == 1'],
] as const;
const KT_TESTS = [
  ['CartViewModelTest', 'totalIncludesTax', 'CartViewModelTest.kt:57'],
  ['CheckoutRepositoryTest', 'retriesOnceOnConflict', 'CheckoutRepositoryTest.kt:112'],
] as const;

function testFailure(c: Ctx): Produced {
  const { rng, wf } = c;
  const passed = rng.int(120, 900);
  if (wf.lang === 'node' && wf.kind === 'e2e' && wf.repo === 'acme/web') {
    const [file, title, locator, expected, received] = rng.pick(E2E_TESTS);
    const browser = /\((\w+)\)/.exec(rng.pick(wf.jobs))?.[1] ?? 'chromium';
    return {
      step: 'Run npx playwright test',
      lines: [
        `  1) [${browser}] › ${file} › ${title} ───────────────────────────`,
        '',
        `    Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)`,
        '',
        `    Locator: ${locator}`,
        `    Expected string: ${expected}`,
        `    Received string: ${received}`,
        '',
        '  1 failed',
        `    [${browser}] › ${file} › ${title}`,
        `  ${rng.int(30, 90)} passed (${(rng.int(60, 300) / 60).toFixed(1)}m)`,
      ],
      exitCode: 1,
      at: [0.6, 1],
    };
  }
  if (wf.lang === 'node') {
    const [file, suite, title, message] = rng.pick(NODE_TESTS);
    const line = rng.int(20, 140);
    return {
      step: 'Run npm test',
      lines: [
        ` FAIL  ${file} > ${suite} > ${title}`,
        `AssertionError: ${message}`,
        ` ❯ ${file}:${line}:${rng.int(8, 40)}`,
        '',
        ` Test Files  1 failed | ${rng.int(40, 90)} passed (${rng.int(41, 91)})`,
        `      Tests  1 failed | ${passed} passed (${passed + 1})`,
        `   Duration  ${(rng.int(80, 400) / 10).toFixed(2)}s`,
      ],
      exitCode: 1,
      at: [0.6, 1],
    };
  }
  if (wf.lang === 'python') {
    const [id, message] = rng.pick(PY_TESTS);
    return {
      step: 'Run pytest -q --maxfail=5',
      lines: [`FAILED ${id} - ${message}`, `==== 1 failed, ${passed} passed in ${(rng.int(200, 900) / 10).toFixed(2)}s ====`],
      exitCode: 1,
      at: [0.6, 1],
    };
  }
  if (wf.lang === 'mobile') {
    if (wf.kind === 'e2e') {
      return {
        step: 'Run npx detox test --configuration ios.sim.release',
        lines: [
          ' FAIL  e2e/checkout.e2e.ts (94.2 s)',
          '  ● Checkout › completes a purchase with Apple Pay',
          '    Test Failed: No elements found for “MATCHER(id == “order-confirmation”)”',
          `Tests:       1 failed, ${rng.int(20, 60)} passed, ${rng.int(61, 80)} total`,
        ],
        exitCode: 1,
        at: [0.6, 1],
      };
    }
    const [cls, test, where] = rng.pick(KT_TESTS);
    return {
      step: 'Run ./gradlew testDebugUnitTest',
      lines: [
        '> Task :app:testDebugUnitTest FAILED',
        '',
        `${cls} > ${test} FAILED`,
        `    java.lang.AssertionError at ${where}`,
        '',
        `${passed} tests completed, 1 failed`,
        '',
        'FAILURE: Build failed with an exception.',
        '',
        '* What went wrong:',
        "Execution failed for task ':app:testDebugUnitTest'.",
        '> There were failing tests. See the report at: file:///Users/runner/work/mobile/mobile/app/build/reports/tests/testDebugUnitTest/index.html',
      ],
      exitCode: 1,
      at: [0.6, 1],
    };
  }
  // terraform: a plan that does not validate
  return {
    step: 'Run terraform plan -input=false -no-color',
    lines: [
      '╷',
      '│ Error: Reference to undeclared resource',
      '│ ',
      '│   on modules/network/main.tf line 42, in resource "aws_route" "private":',
      '│   42:   nat_gateway_id = aws_nat_gateway.main.id',
      '│ ',
      '│ A managed resource "aws_nat_gateway" "main" has not been declared in module.network.',
      '╵',
    ],
    exitCode: 1,
    at: [0.3, 0.8],
  };
}

const SCENARIOS: readonly Scenario[] = [
  // --- the everyday failures: tests, builds, linters, the runner's limits
  { id: 'test-failure', category: 'test', weight: 42, kinds: [...TEST_KINDS, 'plan', 'drift'], make: testFailure },
  {
    id: 'typescript-error',
    category: 'build',
    weight: 6,
    kinds: ['ci', 'deploy', 'preview'],
    langs: ['node'],
    make: ({ rng }) => {
      const at = rng.int(20, 200);
      return {
        step: 'Run npm run build',
        lines: [
          `src/routes/orders.ts(${at},${rng.int(5, 30)}): error TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'.`,
          "  Type 'undefined' is not assignable to type 'string'.",
          '',
          `Found 1 error in src/routes/orders.ts:${at}`,
        ],
        exitCode: 2,
        at: [0.2, 0.6],
      };
    },
  },
  {
    id: 'kotlin-compile',
    category: 'build',
    weight: 6,
    kinds: ['ci', 'release'],
    langs: ['mobile'],
    make: ({ rng }) => ({
      step: 'Run ./gradlew assembleDebug',
      lines: [
        `e: file:///Users/runner/work/mobile/mobile/app/src/main/java/com/acme/cart/CartScreen.kt:${rng.int(20, 200)}:17 Unresolved reference: formatPrice`,
        '',
        "> Task :app:compileDebugKotlin FAILED",
        '',
        `BUILD FAILED in ${rng.int(2, 6)}m ${rng.int(0, 59)}s`,
      ],
      exitCode: 1,
      at: [0.2, 0.6],
    }),
  },
  {
    id: 'eslint',
    category: 'lint',
    weight: 5,
    kinds: ['ci'],
    langs: ['node'],
    make: ({ rng, repo }) => ({
      step: 'Run npm run lint',
      lines: [
        `/home/runner/work/${host(repo.name)}/${host(repo.name)}/src/components/OrderList.tsx`,
        `  ${rng.int(10, 120)}:7  error  'total' is assigned a value but never used  @typescript-eslint/no-unused-vars`,
        '',
        '✖ 1 problem (1 error, 0 warnings)',
      ],
      exitCode: 1,
      at: [0.15, 0.4],
    }),
  },
  {
    id: 'ruff',
    category: 'lint',
    weight: 5,
    kinds: ['ci'],
    langs: ['python'],
    make: ({ rng }) => ({
      step: 'Run ruff check .',
      lines: [`src/billing/tax.py:${rng.int(10, 90)}:5: F841 Local variable \`rate\` is assigned to but never used`, 'Found 1 error.', 'No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).'],
      exitCode: 1,
      at: [0.1, 0.3],
    }),
  },
  {
    id: 'heap-oom',
    category: 'oom',
    weight: 1.5,
    kinds: ['ci', 'e2e', 'nightly', 'deploy'],
    langs: ['node'],
    make: ({ rng }) => ({
      step: 'Run npm run build',
      lines: [
        '<--- Last few GCs --->',
        '',
        `[${rng.int(1800, 2600)}:0x${rng.hex(12)}]   ${rng.int(80000, 190000)} ms: Mark-Compact 4046.2 (4137.9) -> 4034.8 (4140.4) MB, 2893.06 / 0.00 ms  (average mu = 0.151, current mu = 0.012) allocation failure;`,
        '',
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      ],
      exitCode: 134,
      at: [0.5, 1],
    }),
  },
  {
    id: 'disk-full',
    category: 'disk',
    weight: 0.8,
    kinds: ['ci', 'e2e', 'deploy', 'release'],
    langs: ['node', 'mobile'],
    make: ({ rng, wf }) =>
      wf.lang === 'mobile'
        ? {
            step: 'Run ./gradlew assembleRelease',
            lines: ['java.io.IOException: No space left on device', '', 'FAILURE: Build failed with an exception.', '', `BUILD FAILED in ${rng.int(3, 9)}m ${rng.int(0, 59)}s`],
            exitCode: 1,
            at: [0.5, 1],
          }
        : {
            step: 'Run docker build -t app .',
            lines: ['ERROR: failed to solve: failed to copy files: copy file range failed: no space left on device'],
            exitCode: 1,
            at: [0.3, 0.9],
          },
  },
  {
    // A project's own check in its own words: nothing a classifier can know. Rare, as on a real team.
    id: 'script-error',
    category: 'script',
    weight: 1.5,
    kinds: ['deploy', 'release', 'nightly'],
    make: ({ rng }) => {
      const [minor, patch] = [rng.int(30, 60), rng.int(0, 9)];
      return {
        step: 'Run ./scripts/verify-release.sh',
        lines: [`verify-release: /version reports 1.${minor}.${patch}, expected 1.${minor}.${patch + 1}`, 'verify-release: refusing to continue'],
        exitCode: 3,
        at: [0.7, 1],
      };
    },
  },

  // --- transient: GitHub 5xx, network, runner
  {
    id: 'gh-5xx',
    category: 'transient',
    weight: 2.5,
    kinds: ['deploy', 'release', 'nightly', 'apply', 'preview'],
    make: ({ rng, repo, runId }) => {
      const [status, text] = rng.pick([
        [502, 'Server Error'],
        [503, 'Service Unavailable'],
        [500, 'Internal Server Error'],
        [504, "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists."],
      ] as const);
      const path = rng.pick([`/deployments`, `/releases`, `/actions/runs/${runId}/artifacts`, `/statuses/${rng.hex(40)}`]);
      return { step: `Run gh api --method POST repos/${repo.name}${path.replace(/\/[0-9a-f]{40}$/, '/$GITHUB_SHA')}`, lines: [`HTTP ${status}: ${text} (${api(repo.name, path)})`], exitCode: 1, at: [0.3, 1] };
    },
  },
  {
    id: 'axios-5xx',
    category: 'transient',
    weight: 2,
    kinds: ['deploy', 'nightly', 'e2e', 'preview'],
    langs: ['node', 'mobile'],
    make: ({ rng, repo }) => ({
      step: 'Run node scripts/notify-release.mjs',
      lines: [
        `Error: Request failed with status code ${rng.pick([502, 503, 504])}`,
        `    at settle (/home/runner/work/${host(repo.name)}/${host(repo.name)}/node_modules/axios/lib/core/settle.js:19:12)`,
        `    at IncomingMessage.handleStreamEnd (/home/runner/work/${host(repo.name)}/${host(repo.name)}/node_modules/axios/lib/adapters/http.js:599:11)`,
        '    at IncomingMessage.emit (node:events:531:35)',
      ],
      exitCode: 1,
      at: [0.4, 1],
    }),
  },
  {
    id: 'npm-econnreset',
    category: 'transient',
    weight: 3,
    langs: ['node'],
    make: () => ({
      step: 'Run npm ci',
      lines: [
        'npm error code ECONNRESET',
        'npm error network aborted',
        'npm error network This is a problem related to network connectivity.',
        'npm error network In most cases you are behind a proxy or have bad network settings.',
      ],
      exitCode: 1,
      at: [0.05, 0.25],
    }),
  },
  {
    id: 'npm-eai-again',
    category: 'transient',
    weight: 1,
    langs: ['node'],
    make: () => ({
      step: 'Run npm ci',
      lines: ['npm error code EAI_AGAIN', 'npm error syscall getaddrinfo', 'npm error errno EAI_AGAIN', 'npm error request to https://registry.npmjs.org/@types%2fnode failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org'],
      exitCode: 1,
      at: [0.05, 0.25],
    }),
  },
  {
    id: 'dns-enotfound',
    category: 'transient',
    weight: 0.8,
    kinds: ['deploy', 'release', 'nightly', 'preview'],
    make: ({ rng, repo }) =>
      rng.chance(0.5)
        ? {
            step: `Run gh release view --repo ${repo.name} --json tagName`,
            lines: ['error connecting to api.github.com', 'check your internet connection or https://githubstatus.com'],
            exitCode: 1,
            at: [0.05, 0.9],
          }
        : {
            step: 'Run node scripts/notify-release.mjs',
            lines: [
              'Error: getaddrinfo ENOTFOUND api.github.com',
              '    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:120:26) {',
              '  errno: -3008,',
              "  code: 'ENOTFOUND',",
              "  syscall: 'getaddrinfo',",
              "  hostname: 'api.github.com'",
              '}',
            ],
            exitCode: 1,
            at: [0.4, 1],
          },
  },
  {
    id: 'npm-registry-5xx',
    category: 'transient',
    weight: 0.8,
    langs: ['node'],
    make: ({ rng }) => {
      const [status, text] = rng.pick([
        [502, 'Bad Gateway'],
        [503, 'Service Unavailable'],
      ] as const);
      return {
        step: 'Run npm ci',
        lines: [`npm error code E${status}`, `npm error ${status} ${text} - GET https://registry.npmjs.org/${rng.pick(['react-dom', '@types%2fnode', 'vitest', 'zod'])}`],
        exitCode: 1,
        at: [0.05, 0.25],
      };
    },
  },
  {
    id: 'pip-timeout',
    category: 'transient',
    weight: 3,
    langs: ['python'],
    make: () => ({
      step: 'Run pip install -r requirements.txt',
      lines: [
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError(\"HTTPSConnectionPool(host='pypi.org', port=443): Read timed out. (read timeout=15)\")': /simple/pydantic/",
        "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded with url: /packages/source/p/pydantic/pydantic-2.12.4.tar.gz (Caused by ReadTimeoutError(\"HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out. (read timeout=15)\"))",
      ],
      exitCode: 1,
      at: [0.05, 0.3],
    }),
  },
  {
    id: 'gradle-5xx',
    category: 'transient',
    weight: 3,
    langs: ['mobile'],
    make: ({ rng }) => ({
      step: 'Run ./gradlew assembleDebug',
      lines: [
        'FAILURE: Build failed with an exception.',
        '',
        '* What went wrong:',
        "Could not resolve all files for configuration ':app:debugRuntimeClasspath'.",
        "> Could not resolve androidx.compose.ui:ui:1.9.4.",
        `   > Could not GET 'https://dl.google.com/dl/android/maven2/androidx/compose/ui/ui/1.9.4/ui-1.9.4.pom'. Received status code ${rng.pick([500, 502, 503])} from server: ${rng.pick(['Bad Gateway', 'Service Unavailable'])}`,
      ],
      exitCode: 1,
      at: [0.05, 0.4],
    }),
  },
  {
    id: 'etimedout',
    category: 'transient',
    weight: 2,
    kinds: ['deploy', 'e2e', 'nightly', 'apply', 'release', 'preview'],
    make: ({ rng }) => ({
      step: 'Run node scripts/smoke.mjs',
      lines: [`Error: connect ETIMEDOUT ${ip(rng)}:443`, '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1637:16) {', "  errno: -110,", "  code: 'ETIMEDOUT',", "  syscall: 'connect',", '}'],
      exitCode: 1,
      at: [0.2, 1],
    }),
  },
  {
    id: 'docker-io-timeout',
    category: 'transient',
    weight: 2,
    kinds: ['deploy', 'ci', 'e2e'],
    langs: ['node', 'python'],
    make: ({ rng }) => ({
      step: 'Run docker/build-push-action@v6',
      lines: [
        `ERROR: failed to solve: node:20-alpine: failed to resolve source metadata for docker.io/library/node:20-alpine: failed to do request: Head "https://registry-1.docker.io/v2/library/node/manifests/20-alpine": dial tcp ${rng.pick(['54.227.20.253', '3.219.239.5', '44.205.64.79'])}:443: i/o timeout`,
      ],
      exitCode: 1,
      at: [0.1, 0.5],
    }),
  },
  {
    id: 'checkout-500',
    category: 'transient',
    weight: 2,
    make: ({ rng, repo }) => ({
      step: 'Run actions/checkout@v4',
      lines: [
        `fatal: unable to access 'https://github.com/${repo.name}/': The requested URL returned error: 500`,
        "The process '/usr/bin/git' failed with exit code 128",
        `Waiting ${rng.int(10, 20)} seconds before trying again`,
        `fatal: unable to access 'https://github.com/${repo.name}/': The requested URL returned error: 500`,
        "The process '/usr/bin/git' failed with exit code 128",
      ],
      exitCode: 128,
      at: [0.01, 0.05],
    }),
  },
  {
    id: 'runner-shutdown',
    category: 'transient',
    weight: 2.5,
    make: () => ({
      step: '',
      lines: [
        '##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.',
        '##[error]The operation was canceled.',
      ],
      exitCode: null,
      at: [0.2, 0.9],
    }),
  },
  {
    id: 'healthcheck-503',
    category: 'transient',
    weight: 3,
    kinds: ['deploy'],
    make: ({ repo }) => ({
      step: 'Run ./scripts/wait-healthy.sh',
      lines: [
        `curl: (22) The requested URL returned error: 503`,
        `health check failed after 10 attempts: GET https://${host(repo.name)}.staging.acme.dev/healthz status: 503`,
      ],
      exitCode: 1,
      at: [0.7, 1],
    }),
  },

  // --- rate limits
  {
    id: 'gh-rate-limit',
    category: 'rate_limit',
    weight: 1.5,
    kinds: ['plan', 'apply', 'drift', 'nightly', 'deploy', 'release', 'ci'],
    make: ({ rng, repo }) => ({
      step: 'Run gh pr list --state merged --limit 200 --json number,title',
      lines: [
        `HTTP 403: API rate limit exceeded for installation ID ${rng.int(40_000_000, 59_999_999)}. If you reach out to GitHub Support for help, please include the request ID ${reqId(rng)} and timestamp ${'{ts}'}. (${api(repo.name, '/pulls?per_page=100&state=closed')})`,
      ],
      exitCode: 1,
      at: [0.1, 0.6],
    }),
  },
  {
    id: 'secondary-rate-limit',
    category: 'rate_limit',
    weight: 1,
    kinds: ['ci', 'e2e', 'nightly', 'plan', 'preview'],
    make: ({ rng }) => ({
      step: 'Run actions/github-script@v7',
      lines: [
        'RequestError [HttpError]: You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        '    at /home/runner/work/_actions/actions/github-script/v7/dist/index.js:9537:21',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5) {',
        '  status: 403,',
        '  response: {',
        '    headers: {',
        `      'retry-after': '${rng.pick([60, 60, 120, 300])}',`,
        `      'x-github-request-id': '${reqId(rng)}',`,
        `      'x-ratelimit-remaining': '${rng.int(3000, 4990)}',`,
        '    },',
        '  },',
        '}',
      ],
      exitCode: 1,
      at: [0.2, 0.8],
    }),
  },
  {
    id: 'docker-pull-limit',
    category: 'rate_limit',
    weight: 1.5,
    kinds: ['ci', 'e2e', 'deploy', 'nightly'],
    langs: ['node', 'python'],
    make: () => ({
      step: 'Run docker compose -f docker-compose.ci.yml up -d',
      lines: ['Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'],
      exitCode: 1,
      at: [0.05, 0.3],
    }),
  },
  {
    id: 'http-429',
    category: 'rate_limit',
    weight: 0.5,
    kinds: ['deploy', 'release', 'nightly'],
    make: ({ rng }) => ({
      step: 'Run ./scripts/upload-sourcemaps.sh',
      lines: [`Error: 429 Too Many Requests`, `Retry-After: ${rng.pick([30, 60, 90])}`, 'upload aborted after 3 attempts'],
      exitCode: 1,
      at: [0.6, 1],
    }),
  },

  // --- configuration
  {
    id: 'dispatch-no-trigger',
    category: 'configuration',
    weight: 2,
    kinds: ['deploy', 'release', 'apply'],
    make: ({ rng, repo }) => {
      const target = rng.pick(['smoke-test.yml', 'post-deploy.yml', 'notify.yml']);
      return {
        step: `Run gh workflow run ${target} --ref main`,
        lines: [`could not create workflow dispatch event: HTTP 422: Workflow does not have 'workflow_dispatch' trigger (${api(repo.name, `/actions/workflows/${target}/dispatches`)})`],
        exitCode: 1,
        at: [0.8, 1],
      };
    },
  },
  {
    id: 'dispatch-no-ref',
    category: 'configuration',
    weight: 1,
    kinds: ['deploy', 'release'],
    make: ({ repo }) => {
      const ref = repo.releases.length ? nextRelease(repo.releases[repo.releases.length - 1]!) : 'release/next';
      return {
        step: `Run gh workflow run deploy.yml --ref ${ref}`,
        lines: [`could not create workflow dispatch event: HTTP 422: No ref found for: ${ref} (${api(repo.name, '/actions/workflows/deploy.yml/dispatches')})`],
        exitCode: 1,
        at: [0.8, 1],
      };
    },
  },
  {
    id: 'input-missing',
    category: 'configuration',
    weight: 1.5,
    kinds: ['deploy', 'release', 'nightly', 'apply', 'preview'],
    make: ({ rng }) => {
      const [step, input] = rng.pick([
        ['Run slackapi/slack-github-action@v2', 'webhook'],
        ['Run aws-actions/configure-aws-credentials@v4', 'role-to-assume'],
        ['Run actions/create-github-app-token@v1', 'private-key'],
      ] as const);
      return { step, lines: [`##[error]Input required and not supplied: ${input}`], exitCode: null, at: [0.02, 0.2] };
    },
  },
  {
    id: 'env-unset',
    category: 'configuration',
    weight: 1.5,
    kinds: ['deploy', 'release', 'nightly', 'e2e', 'preview'],
    make: ({ rng }) => {
      const name = rng.pick(['NPM_TOKEN', 'SENTRY_AUTH_TOKEN', 'DATABASE_URL', 'STAGING_API_KEY']);
      return { step: './scripts/release.sh', lines: [`Error: ${name} is not set`], exitCode: 1, at: [0.02, 0.4] };
    },
  },
  {
    id: 'gh-no-token',
    category: 'configuration',
    weight: 0.8,
    kinds: ['deploy', 'release', 'nightly', 'preview'],
    make: ({ repo }) => ({
      step: `Run gh pr list --repo ${repo.name} --state merged --limit 20`,
      lines: ['gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:', '  env:', '    GH_TOKEN: ${{ github.token }}'],
      exitCode: 4,
      at: [0.05, 0.6],
    }),
  },

  // --- permission
  {
    id: 'integration-403',
    category: 'permission',
    weight: 1.5,
    prOnly: true,
    dependabotBoost: 12,
    make: ({ rng, repo }) => ({
      step: 'Run gh pr comment "$PR" --body-file report.md',
      lines: [`HTTP 403: Resource not accessible by integration (${api(repo.name, `/issues/${rng.int(200, 2400)}/comments`)})`],
      exitCode: 1,
      at: [0.85, 1],
    }),
  },
  {
    id: 'git-push-403',
    category: 'permission',
    weight: 1,
    kinds: ['release', 'deploy', 'nightly', 'drift'],
    make: ({ repo }) => ({
      step: 'Run git push origin HEAD --follow-tags',
      lines: [`remote: Permission to ${repo.name}.git denied to github-actions[bot].`, `fatal: unable to access 'https://github.com/${repo.name}/': The requested URL returned error: 403`],
      exitCode: 128,
      at: [0.85, 1],
    }),
  },
  {
    id: 'admin-403',
    category: 'permission',
    weight: 0.5,
    kinds: ['deploy', 'apply'],
    make: ({ repo }) => ({
      step: 'Run gh api --method PUT repos/$GITHUB_REPOSITORY/environments/production',
      lines: [`HTTP 403: Must have admin rights to Repository. (${api(repo.name, '/environments/production')})`],
      exitCode: 1,
      at: [0.1, 0.4],
    }),
  },
  {
    id: 'oidc-denied',
    category: 'permission',
    weight: 1,
    kinds: ['deploy', 'apply', 'plan', 'drift'],
    make: () => ({
      step: 'Run aws-actions/configure-aws-credentials@v4',
      lines: ['##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity'],
      exitCode: null,
      at: [0.02, 0.15],
    }),
  },

  // --- resource
  {
    id: 'release-404',
    category: 'resource',
    weight: 1,
    kinds: ['release', 'deploy'],
    make: ({ rng, repo }) => {
      const tag = `v${rng.int(1, 5)}.${rng.int(0, 14)}.${rng.int(0, 9)}`;
      return { step: `Run gh release upload ${tag} dist/*`, lines: [`HTTP 404: Not Found (${api(repo.name, `/releases/tags/${tag}`)})`], exitCode: 1, at: [0.8, 1] };
    },
  },
  {
    id: 'workflow-not-found',
    category: 'resource',
    weight: 0.5,
    kinds: ['deploy', 'nightly'],
    make: () => ({ step: 'Run gh workflow run nightly-e2e.yml', lines: ['could not find any workflows named nightly-e2e.yml'], exitCode: 1, at: [0.8, 1] }),
  },
  {
    id: 'action-unresolved',
    category: 'resource',
    weight: 0.7,
    make: () => ({ step: 'Set up job', lines: ['##[error]Unable to resolve action `acme/setup-toolchain@v3`, unable to find version `v3`'], exitCode: null, at: [0, 0.01] }),
  },
  {
    id: 'artifact-not-found',
    category: 'resource',
    weight: 0.8,
    kinds: ['deploy', 'e2e', 'release'],
    make: () => ({ step: 'Run actions/download-artifact@v4', lines: ['##[error]Unable to download artifact(s): Artifact not found for name: build-output'], exitCode: null, at: [0.05, 0.3] }),
  },
];

const SCENARIO_BY_ID = new Map(SCENARIOS.map((s) => [s.id, s]));

function nextRelease(branch: string): string {
  const m = /^(.*?)(\d+)$/.exec(branch);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${branch}-next`;
}

/** Cumulative weights per (workflow, pull request?, dependabot?, outage?): built once, reused. */
const tables = new Map<string, { scenarios: Scenario[]; cum: number[] }>();

function scenarioTable(w: Workflow, pr: boolean, bot: boolean, outage: boolean) {
  const key = `${w.repo}/${w.file}/${pr ? 1 : 0}${bot ? 1 : 0}${outage ? 1 : 0}`;
  let t = tables.get(key);
  if (!t) {
    const scenarios: Scenario[] = [];
    const cum: number[] = [];
    let total = 0;
    for (const s of SCENARIOS) {
      if (s.kinds && !s.kinds.includes(w.kind)) continue;
      if (s.langs && !s.langs.includes(w.lang)) continue;
      if (s.prOnly && !pr) continue;
      let weight = s.weight;
      if (bot && s.dependabotBoost) weight *= s.dependabotBoost;
      // During a GitHub incident almost every failure is a 5xx, a timeout or a rate limit.
      if (outage) weight *= s.category === 'transient' ? 12 : s.category === 'rate_limit' ? 4 : 0.3;
      total += weight;
      scenarios.push(s);
      cum.push(total);
    }
    t = { scenarios, cum };
    tables.set(key, t);
  }
  return t;
}

function pickScenario(rng: Rng, t: { scenarios: Scenario[]; cum: number[] }): Scenario {
  const x = rng.next() * t.cum[t.cum.length - 1]!;
  let lo = 0;
  let hi = t.cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t.cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return t.scenarios[lo]!;
}

// Classification of a failure, from its error lines. The lines repeat (a few hundred
// distinct texts), so a memo makes a million runs cost a few hundred classify() calls.
const memo = new Map<string, Classification>();
function classifyLines(lines: readonly string[], exitCode: number | null): Classification {
  const text = lines.join('\n');
  const key = `${exitCode}\n${text}`;
  let c = memo.get(key);
  if (!c) {
    if (memo.size > 50_000) memo.clear();
    c = classify({ text, exitCode });
    memo.set(key, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------
// Time: a Tokyo working week, as an hourly intensity turned into an inverse CDF.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JST_OFFSET = 9 * HOUR;

function hourWeight(utcMs: number): number {
  const local = new Date(utcMs + JST_OFFSET);
  const h = local.getUTCHours();
  const weekday = local.getUTCDay();
  const shape = h >= 13 && h < 19 ? 1.15 : h >= 9 && h < 13 ? 1 : h >= 19 && h < 22 ? 0.55 : h >= 7 && h < 9 ? 0.35 : h >= 22 ? 0.3 : 0.08;
  return weekday === 0 || weekday === 6 ? shape * 0.18 : shape;
}

/** Maps a quantile q ∈ [0,1) to an instant; q must not decrease between calls (the pointer only moves forward). */
function makeClock(rng: Rng, start: number, hours: number) {
  const w: number[] = [];
  const cum: number[] = [0];
  let dayFactor = 1;
  for (let h = 0; h < hours; h++) {
    if (h % 24 === 0) dayFactor = 0.8 + rng.next() * 0.4;
    const x = hourWeight(start + h * HOUR) * dayFactor;
    w.push(x);
    cum.push(cum[h]! + x);
  }
  const total = cum[hours]!;
  let i = 0;
  return (q: number): number => {
    const target = q * total;
    while (i < hours - 1 && cum[i + 1]! <= target) i++;
    return start + (i + Math.min(1, (target - cum[i]!) / w[i]!)) * HOUR;
  };
}

// ---------------------------------------------------------------------------------------
// Incidents that shape the data set.

interface Window {
  start: number;
  end: number;
}
/** From `start`, the next `remaining` runs of `workflow` fail the same way (until someone fixes it). */
interface Streak {
  start: number;
  remaining: number;
  workflow: Workflow;
  scenario: Scenario;
}

function makeIncidents(rng: Rng, start: number, now: number, days: number) {
  const span = now - start;
  const outages: Window[] = [];
  for (let i = 0, n = Math.max(1, Math.round(days / 7)); i < n; i++) {
    const s = start + rng.next() * span * 0.95;
    outages.push({ start: s, end: s + rng.int(40, 150) * 60_000 });
  }
  const streaks: Streak[] = [];
  // Deploys that run several times a day (not the mobile release), so the streak completes
  // even in a small demo.
  const deploys = WORKFLOWS.filter((w) => w.kind === 'deploy' || w.kind === 'apply');
  const broken = SCENARIOS.filter((s) => ['dispatch-no-trigger', 'env-unset', 'input-missing', 'oidc-denied'].includes(s.id));
  for (let i = 0, n = Math.max(1, Math.round(days / 14)); i < n; i++) {
    const workflow = rng.pick(deploys);
    const candidates = broken.filter((s) => !s.kinds || s.kinds.includes(workflow.kind));
    // Mid-window: recent enough for the console's failure lists, with the fix (successes) after it.
    const s = start + span * (0.4 + rng.next() * 0.4);
    // Counted in runs, not hours: a deploy that runs twice a day must still fail three times
    // in a row (the detection rules' default) to be a streak worth detecting.
    streaks.push({ start: s, remaining: rng.int(3, 5), workflow, scenario: rng.pick(candidates) });
  }
  // And one that is still broken now, the alert on-call opens the demo to: a deploy that
  // has failed since an hour and a half ago, dispatched again by hand twice since.
  const workflow = rng.pick(deploys.filter((w) => w.kind === 'deploy'));
  const candidates = broken.filter((s) => !s.kinds || s.kinds.includes(workflow.kind));
  const ongoing = { start: now - 100 * 60_000, remaining: Number.MAX_SAFE_INTEGER, workflow, scenario: rng.pick(candidates) };
  streaks.push(ongoing);
  return { outages, streaks, redispatched: [95, 55, 20].map((min) => ({ at: now - min * 60_000 + rng.int(0, 60_000), workflow, event: 'workflow_dispatch' as const })) };
}

const inWindow = (ws: readonly Window[], t: number) => ws.some((w) => t >= w.start && t < w.end);

// ---------------------------------------------------------------------------------------
// Branches, commits, actors.

const SLUGS = ['retry-queue', 'checkout-v2', 'fix-tax-rounding', 'order-export', 'login-rate-limit', 'cache-warmup', 'dark-mode', 'webhook-dedupe', 'upgrade-node-22', 'search-filters', 'invoice-pdf', 'k8s-autoscaling', 'feature-flags', 'audit-log', 'i18n-ja'];
const NODE_DEPS = ['vite', 'react', 'typescript', 'eslint', 'vitest', '@types/node', 'axios', 'zod', 'next', 'pg'];
const PY_DEPS = ['pydantic', 'sqlalchemy', 'pytest', 'ruff', 'stripe', 'boto3'];
const GRADLE_DEPS = ['com.google.firebase-firebase-bom', 'androidx.compose-compose-bom', 'io.coil-kt-coil-compose'];
const MESSAGES = ['fix: handle empty cart in checkout', 'feat: add order export to CSV', 'chore(deps): bump dependencies', 'refactor: extract pricing module', 'fix: retry webhook delivery on 5xx', 'feat: show retry countdown', 'docs: update runbook', 'test: cover tax edge cases'];

function featureBranch(rng: Rng, repo: Repo): string {
  const prefix = rng.chance(0.75) ? 'feature' : 'fix';
  return `${prefix}/${repo.ticket}-${rng.int(100, 2400)}-${rng.pick(SLUGS)}`;
}

function dependabotBranch(rng: Rng, repo: Repo): string {
  if (rng.chance(0.15)) return `dependabot/github_actions/actions/${rng.pick(['checkout', 'setup-node', 'cache', 'upload-artifact'])}-${rng.int(4, 5)}`;
  if (repo.lang === 'python') return `dependabot/pip/${rng.pick(PY_DEPS)}-${rng.int(1, 9)}.${rng.int(0, 20)}.${rng.int(0, 9)}`;
  if (repo.lang === 'mobile') return `dependabot/gradle/${rng.pick(GRADLE_DEPS)}-${rng.int(2024, 2025)}.${rng.int(1, 12)}.${rng.int(0, 3)}`;
  return `dependabot/npm_and_yarn/${rng.pick(NODE_DEPS)}-${rng.int(1, 22)}.${rng.int(0, 20)}.${rng.int(0, 9)}`;
}

/** The commit message printed by checkout ("HEAD is now at …"): derived, not stored. */
export function commitMessage(sha: string): string {
  return MESSAGES[parseInt(sha.slice(0, 6), 16) % MESSAGES.length]!;
}

// ---------------------------------------------------------------------------------------
// The generator.

interface Trigger {
  repo: Repo;
  event: EventName;
  branch: string;
  actor: string;
  sha: string;
  workflows: Workflow[];
}

interface Scheduled {
  at: number;
  workflow: Workflow;
  /** schedule (a cron run), unless someone dispatched it. */
  event?: 'workflow_dispatch';
}

export function* generateDemo(opts: DemoOptions): Generator<DemoAttempt> {
  const { runs, days, seed, now } = opts;
  if (!(Number.isInteger(runs) && runs >= 1)) throw new RangeError('runs must be a positive integer');
  if (!(Number.isInteger(days) && days >= 1)) throw new RangeError('days must be a positive integer');
  const rng = new Rng(seed);
  const start = now - days * DAY;
  const { outages, streaks, redispatched } = makeIncidents(rng, start, now, days);
  const clock = makeClock(rng, start, days * 24);

  // Nightly schedules at their cron times (GitHub starts them a few minutes late), at most
  // a tenth of the runs so a tiny demo is still mostly pushes and pull requests.
  let scheduled: Scheduled[] = [];
  for (let d = 0; d <= days; d++) {
    const midnight = Math.floor(start / DAY) * DAY + d * DAY;
    for (const w of WORKFLOWS) {
      if (!w.schedule) continue;
      const at = midnight + w.schedule.hour * HOUR + w.schedule.minute * 60_000 + rng.int(30, 900) * 1000;
      if (at >= start && at < now) scheduled.push({ at, workflow: w });
    }
  }
  scheduled.push(...redispatched.filter((r) => r.at >= start));
  scheduled.sort((a, b) => a.at - b.at || WORKFLOWS.indexOf(a.workflow) - WORKFLOWS.indexOf(b.workflow));
  scheduled = scheduled.slice(Math.max(0, scheduled.length - Math.floor(runs / 10)));
  const mainRuns = runs - scheduled.length;

  // Run ids: GitHub-like 10-digit numbers, increasing, with gaps (other repositories'
  // runs), sized so that even 5 million runs stay below 10^10.
  let nextId = 9_000_000_000 + rng.int(0, 400_000_000);
  const maxGap = Math.max(1, Math.min(400, Math.floor(800_000_000 / runs)));
  let lastCreated = start;

  // Plain functions returning arrays (usually of one attempt), not nested generators:
  // resuming a generator chain per run cost more than generating the run.
  const emit = (workflow: Workflow, t: Trigger, createdMs: number): DemoAttempt[] => {
    nextId += 1 + rng.int(0, maxGap - 1);
    const created = Math.max(lastCreated, Math.floor(createdMs / 1000) * 1000);
    lastCreated = created;
    return attempts(rng, String(nextId), workflow, t, created, now, seed, outages, streaks);
  };

  let si = 0;
  let emitted = 0;
  while (emitted < mainRuns) {
    const q = (emitted + rng.next()) / mainRuns;
    let t = clock(q);
    // The last few events land in the final minutes, so the newest runs are still queued
    // or in progress at `now` even in a small, quiet-hour demo.
    const left = mainRuns - emitted;
    if (left <= 6) t = Math.max(t, now - (left === 1 ? rng.int(2, 6) * 1000 : left * rng.int(60, 150) * 1000));
    while (si < scheduled.length && scheduled[si]!.at <= t) {
      const s = scheduled[si++]!;
      yield* emit(s.workflow, scheduleTrigger(rng, s.workflow, s.event), s.at);
    }
    const trigger = makeTrigger(rng);
    const k = Math.min(trigger.workflows.length, mainRuns - emitted);
    for (let j = 0; j < k; j++) yield* emit(trigger.workflows[j]!, trigger, t + j * rng.int(0, 3000));
    emitted += k;
  }
  while (si < scheduled.length) {
    const s = scheduled[si++]!;
    yield* emit(s.workflow, scheduleTrigger(rng, s.workflow), s.at);
  }
}

function scheduleTrigger(rng: Rng, w: Workflow, event: 'schedule' | 'workflow_dispatch' = 'schedule'): Trigger {
  const repo = REPOS.find((r) => r.name === w.repo)!;
  // GitHub attributes a scheduled run to whoever last edited the cron line; a dispatch, to
  // whoever pressed the button.
  return { repo, event, branch: 'main', actor: event === 'schedule' ? repo.team[0]! : rng.pick(repo.team), sha: rng.hex(40), workflows: [w] };
}

function pickRepo(rng: Rng): Repo {
  let x = rng.next();
  for (const r of REPOS) {
    x -= r.weight;
    if (x < 0) return r;
  }
  return REPOS[REPOS.length - 1]!;
}

function makeTrigger(rng: Rng): Trigger {
  const repo = pickRepo(rng);
  const x = rng.next();
  const event: EventName = x < 0.42 ? 'push' : x < 0.95 ? 'pull_request' : 'workflow_dispatch';
  let branch: string;
  let actor = rng.pick(repo.team);
  const y = rng.next();
  if (event === 'pull_request') {
    if (repo.lang !== 'terraform' && y < 0.15) {
      branch = dependabotBranch(rng, repo);
      actor = 'dependabot[bot]';
    } else branch = featureBranch(rng, repo);
  } else if (event === 'push') {
    branch = y < 0.6 ? 'main' : repo.releases.length && y < 0.72 ? rng.pick(repo.releases) : featureBranch(rng, repo);
  } else {
    branch = y < 0.8 || !repo.releases.length ? 'main' : rng.pick(repo.releases);
  }

  const candidates = WORKFLOWS_BY_REPO.get(repo.name)!;
  let workflows: Workflow[] = [];
  if (event === 'workflow_dispatch') {
    // One dispatch starts one workflow: a deploy, a release, a nightly by hand.
    const dispatchable = candidates.filter((w) => w.on.workflow_dispatch);
    if (dispatchable.length) workflows = [rng.pick(dispatchable)];
  } else {
    for (const w of candidates) {
      const p = w.on[event] ?? 0;
      if (p === 0 || (event === 'push' && !branchMatches(w, branch))) continue;
      if (rng.chance(p)) workflows.push(w);
    }
  }
  if (workflows.length === 0) {
    // Nothing matched (a pull request whose paths filter out E2E, say): CI runs anyway.
    workflows = [candidates.find((w) => w.kind === 'ci' || w.kind === 'plan')!];
    if (event === 'workflow_dispatch') return { repo, event: 'push', branch: 'main', actor, sha: rng.hex(40), workflows };
  }
  return { repo, event, branch, actor, sha: rng.hex(40), workflows };
}

function branchMatches(w: Workflow, branch: string): boolean {
  if (w.pushBranches === 'any') return true;
  if (w.pushBranches === 'main') return branch === 'main';
  return branch.startsWith('release/');
}

/** Outcome of one attempt before the clock decides whether it has finished. */
interface Outcome {
  conclusion: RunConclusion;
  durationMs: number;
  failure: Omit<DemoFailure, 'logSeed'> | null;
  classification: Classification | null;
  /** Part of a broken streak: a re-run fails the same way until the fix lands. */
  stuck?: boolean;
}

function jobFor(rng: Rng, w: Workflow, scenario: Scenario | null): string {
  if (scenario?.category === 'lint') return w.jobs.find((j) => /lint|detekt|ruff/.test(j)) ?? w.jobs[0]!;
  if (scenario?.category === 'test') return w.jobs.find((j) => /test|unit|e2e|detox|integration|plan|drift|load|reconcile|analyze/.test(j) && rng.chance(0.7)) ?? rng.pick(w.jobs);
  return rng.pick(w.jobs);
}

function usualDuration(rng: Rng, w: Workflow): number {
  const min = Math.min(w.timeoutMin * 0.95, Math.max(0.4, rng.logNormal(w.medianMin, w.sigma)));
  // Whole seconds, like GitHub's timestamps: completed_at - started_at = duration_ms exactly.
  return Math.round(min * 60) * 1000;
}

function failWith(rng: Rng, w: Workflow, scenario: Scenario, t: Trigger, runId: string, usual: number): Outcome {
  const p = scenario.make({ rng, wf: w, repo: t.repo, branch: t.branch, runId });
  const [lo, hi] = p.at;
  const durationMs = Math.max(8, Math.round((usual / 1000) * (lo + rng.next() * (hi - lo)))) * 1000;
  const failure = { scenario: scenario.id, step: p.step, lines: p.lines, exitCode: p.exitCode };
  return { conclusion: 'failure', durationMs, failure, classification: classifyLines(p.lines, p.exitCode) };
}

function firstOutcome(rng: Rng, w: Workflow, t: Trigger, runId: string, created: number, outages: readonly Window[], streaks: Streak[]): Outcome {
  const usual = usualDuration(rng, w);
  const streak = streaks.find((s) => s.workflow === w && s.remaining > 0 && created >= s.start);
  if (streak) {
    streak.remaining--;
    return { ...failWith(rng, w, streak.scenario, t, runId, usual), stuck: true };
  }

  const outage = inWindow(outages, created);
  const pr = t.event === 'pull_request';
  const bot = t.actor === 'dependabot[bot]';
  let failRate = w.failRate * (t.branch === 'main' ? 0.8 : bot ? 1.4 : t.branch.startsWith('release/') ? 0.9 : 1.15);
  if (outage) failRate = Math.min(0.85, failRate * 4 + 0.3);

  const x = rng.next();
  if (pr && x < w.cancelRate) {
    // concurrency: cancel-in-progress — a newer push to the same pull request
    return { conclusion: 'cancelled', durationMs: Math.round((usual / 1000) * (0.05 + rng.next() * 0.7)) * 1000, failure: null, classification: null };
  }
  if (x < w.cancelRate * 0.2 + (pr ? w.cancelRate : 0)) {
    return { conclusion: 'cancelled', durationMs: Math.round((usual / 1000) * (0.05 + rng.next() * 0.9)) * 1000, failure: null, classification: null };
  }
  if (DEPLOYISH.has(w.kind) && t.event === 'push' && rng.chance(0.02)) {
    // `if:` conditions false (a docs-only change): GitHub reports the run as skipped.
    return { conclusion: 'skipped', durationMs: rng.int(1, 3) * 1000, failure: null, classification: null };
  }
  if (!rng.chance(failRate)) return { conclusion: 'success', durationMs: usual, failure: null, classification: null };

  if (rng.chance(0.012)) {
    const lines = [
      `Invalid workflow file: .github/workflows/${w.file}#L${rng.int(12, 80)}`,
      `The workflow is not valid. .github/workflows/${w.file} (Line: ${rng.int(12, 80)}, Col: ${rng.int(3, 15)}): Unexpected value 'runs-on'`,
    ];
    return { conclusion: 'startup_failure', durationMs: 0, failure: { scenario: 'invalid-workflow', step: '', lines, exitCode: null }, classification: classifyLines(lines, null) };
  }
  if (w.medianMin >= 10 && rng.chance(0.05)) {
    const lines = [
      `##[error]The job running on runner GitHub Actions ${rng.int(2, 999)} has exceeded the maximum execution time of ${w.timeoutMin} minutes.`,
      '##[error]The operation was canceled.',
    ];
    return { conclusion: 'timed_out', durationMs: w.timeoutMin * 60_000, failure: { scenario: 'job-timeout', step: '', lines, exitCode: null }, classification: classifyLines(lines, null) };
  }
  return failWith(rng, w, pickScenario(rng, scenarioTable(w, pr, bot, outage)), t, runId, usual);
}

/** Failures people re-run hoping for luck (a flaky build, a hang, a one-off memory spike), and seldom get. */
const HOPEFUL: ReadonlySet<string> = new Set(['build_failure', 'lint_failure', 'capacity', 'timeout', 'cancelled', 'unknown']);

/** Re-run policy of the humans (and bots) behind the demo: how likely a failure is re-run. */
function rerunChance(c: Classification, attempt: number): number {
  const base =
    c.class === 'transient'
      ? 0.7
      : c.class === 'rate_limit'
        ? 0.65
        : c.class === 'test_failure'
          ? 0.35
          : c.cause === 'missing secret'
            ? 0.45
            : c.class === 'configuration'
              ? 0.2
              : HOPEFUL.has(c.class)
                ? 0.15
                : c.class === 'permission'
                  ? 0.12
                  : 0.08;
  return attempt === 1 ? base : base * 0.45;
}

function rerunOutcome(rng: Rng, w: Workflow, t: Trigger, runId: string, prev: Outcome, outage: boolean): Outcome {
  const usual = usualDuration(rng, w);
  const c = prev.classification!;
  const recover = prev.stuck
    ? 0
    : c.class === 'transient'
      ? outage
        ? 0.35
        : 0.8
      : c.class === 'rate_limit'
        ? 0.75
        : c.class === 'test_failure'
          ? 0.45
          : c.cause === 'missing secret'
            ? 0.5
            : HOPEFUL.has(c.class)
              ? 0.1
              : 0.08;
  if (rng.chance(recover)) return { conclusion: 'success', durationMs: usual, failure: null, classification: null };
  if (c.class === 'transient') {
    const table = scenarioTable(w, t.event === 'pull_request', false, true);
    for (let i = 0; i < 8; i++) {
      const s = pickScenario(rng, table);
      if (s.category === 'transient') return failWith(rng, w, s, t, runId, usual);
    }
  }
  // The same failure again: nothing changed between the attempts.
  return { ...prev, durationMs: Math.max(8, Math.round((prev.durationMs / 1000) * (0.85 + rng.next() * 0.3))) * 1000 };
}

/** UTC ISO-8601 of a whole second; the date part is cached (runs arrive in time order). */
let isoDay = NaN;
let isoDayText = '';
const two = (n: number) => (n < 10 ? '0' + n : String(n));
function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoDayText = new Date(day * DAY).toISOString().slice(0, 11);
  }
  const s = Math.floor((ms - day * DAY) / 1000);
  return `${isoDayText}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}Z`;
}

function attempts(
  rng: Rng,
  runId: string,
  w: Workflow,
  t: Trigger,
  created: number,
  now: number,
  seed: number,
  outages: readonly Window[],
  streaks: Streak[],
): DemoAttempt[] {
  const out: DemoAttempt[] = [];
  const queued = Math.round((w.runner === 'macos-15' ? rng.exp(40) : rng.exp(8)) + (rng.chance(0.02) ? rng.int(60, 600) : 0) + 1) * 1000;
  let startedMs = created + queued;
  let outcome = firstOutcome(rng, w, t, runId, created, outages, streaks);
  const url = `https://github.com/${w.repo}/actions/runs/${runId}`;
  const createdAt = iso(created);
  for (let n = 1; ; n++) {
    const completedMs = startedMs + outcome.durationMs;
    let status: RunStatus = 'completed';
    if (startedMs > now) status = 'queued';
    else if (completedMs > now) status = 'in_progress';
    const done = status === 'completed';
    const job = done && outcome.failure ? jobFor(rng, w, SCENARIO_BY_ID.get(outcome.failure.scenario) ?? null) : null;
    // Every key spelled out in one order: one object shape for a million attempts.
    out.push({
      run_id: runId,
      attempt: n,
      repository: w.repo,
      workflow: w.name,
      job: outcome.conclusion === 'startup_failure' ? null : job,
      event: t.event,
      branch: t.branch,
      head_sha: t.sha,
      actor: t.actor,
      status,
      conclusion: done ? outcome.conclusion : null,
      started_at: status === 'queued' ? null : iso(startedMs),
      completed_at: done ? iso(completedMs) : null,
      duration_ms: done ? outcome.durationMs : null,
      url,
      classification: done ? outcome.classification : null,
      created_at: createdAt,
      failure: done && outcome.failure ? { ...outcome.failure, logSeed: subSeed(seed, runId, n) } : null,
    });
    if (!done || !failedConclusions.has(outcome.conclusion) || n >= 3) return out;
    if (!rng.chance(rerunChance(outcome.classification!, n))) return out;
    const fast = outcome.classification!.retryable;
    const nextStart = completedMs + Math.round(fast ? rng.logUniform(60, 1800) : rng.logUniform(300, 4 * 3600)) * 1000;
    // A re-run nobody has asked for yet does not exist.
    if (nextStart > now) return out;
    startedMs = nextStart;
    outcome = rerunOutcome(rng, w, t, runId, outcome, inWindow(outages, nextStart));
  }
}

// ---------------------------------------------------------------------------------------
// Failure logs, rendered on demand (only the most recent few are written to disk).

const SETUP: Record<Lang, [string, string[]][]> = {
  node: [
    ['Run actions/setup-node@v4', ['with:', '  node-version-file: .nvmrc', '  cache: npm', 'Found in cache @ /opt/hostedtoolcache/node/20.19.5/x64', 'Environment details', '  node: v20.19.5', '  npm: 10.8.2']],
    ['Run npm ci', ['added {pkgs} packages, and audited {pkgs1} packages in {secs}s', '', '{funding} packages are looking for funding', '  run `npm fund` for details', '', 'found 0 vulnerabilities']],
  ],
  python: [
    ['Run actions/setup-python@v5', ['with:', "  python-version: '3.12'", '  cache: pip', 'Successfully set up CPython (3.12.12)']],
    ['Run pip install -r requirements.txt', ['Collecting pydantic==2.12.4 (from -r requirements.txt (line 3))', 'Collecting sqlalchemy==2.0.44 (from -r requirements.txt (line 4))', 'Successfully installed {pkgs} packages']],
  ],
  mobile: [
    ['Run actions/setup-java@v4', ['with:', '  distribution: temurin', "  java-version: '17'", 'Java configuration:', '  Distribution: temurin', '  Version: 17.0.17+10']],
    ['Run npm ci', ['added {pkgs} packages, and audited {pkgs1} packages in {secs}s', '', 'found 0 vulnerabilities']],
  ],
  terraform: [
    ['Run hashicorp/setup-terraform@v3', ['with:', '  terraform_version: 1.13.5', '  terraform_wrapper: false']],
    ['Run terraform init -input=false', ['Initializing the backend...', 'Successfully configured the backend "s3"!', 'Initializing provider plugins...', '- Installing hashicorp/aws v6.20.0...', 'Terraform has been successfully initialized!']],
  ],
};

/** GitHub's log timestamps: UTC with seven fractional digits, i.e. in 100 ns ticks. */
const logTs = (ticks: number) => new Date(Math.floor(ticks / 10_000)).toISOString().slice(0, 23) + String(ticks % 10_000).padStart(4, '0') + 'Z';

/**
 * The job log of a failed attempt, as GitHub shows it: runner preamble, checkout, set-up
 * steps, the failing step with its error lines, cleanup. Deterministic for an attempt.
 * Secrets appear only as GitHub prints them, masked (`***`).
 */
export function renderFailureLog(a: DemoAttempt): string {
  const f = a.failure;
  if (!f) throw new Error(`attempt ${a.run_id}#${a.attempt} did not fail`);
  const rng = new Rng(f.logSeed);
  const startMs = Date.parse(a.started_at ?? a.created_at ?? '1970-01-01T00:00:00Z');
  const endMs = Date.parse(a.completed_at ?? a.started_at ?? '1970-01-01T00:00:00Z');
  const w = WORKFLOWS.find((x) => x.repo === a.repository && x.name === a.workflow);
  const lang: Lang = w?.lang ?? 'node';
  const runner = w?.runner ?? 'ubuntu-24.04';
  const repoName = host(a.repository);
  const out: string[] = [];
  let t = startMs;
  const span = Math.max(1000, endMs - startMs);
  // `t` (ms) paces the steps within the job's duration; `ticks` only ever increases, so
  // consecutive lines are ordered even within one millisecond.
  let ticks = startMs * 10_000;
  const line = (text: string, advance = 0) => {
    t = Math.min(endMs, t + advance);
    ticks = Math.max(ticks + rng.int(200, 9_000), t * 10_000 + rng.int(0, 9_999));
    out.push(`${logTs(ticks)} ${text}`);
  };
  const vars = (s: string) =>
    s
      .replace('{pkgs}', String(rng.int(600, 1600)))
      .replace('{pkgs1}', String(rng.int(1601, 1700)))
      .replace('{secs}', String(rng.int(8, 40)))
      .replace('{funding}', String(rng.int(90, 240)))
      .replace('{ts}', new Date(endMs).toISOString().slice(0, 19).replace('T', ' ') + ' UTC');

  if (a.conclusion === 'startup_failure') {
    for (const l of f.lines) line(l);
    return out.join('\n') + '\n';
  }

  line("Current runner version: '2.329.0'");
  line('##[group]Runner Image Provisioner');
  line('Hosted Compute Agent');
  line('##[endgroup]');
  line('##[group]Operating System');
  if (runner === 'macos-15') ['macOS', '15.7.1', '24G231'].forEach((l) => line(l));
  else ['Ubuntu', '24.04.3', 'LTS'].forEach((l) => line(l));
  line('##[endgroup]');
  line('##[group]Runner Image');
  line(`Image: ${runner}`);
  line(`Version: 20251102.${rng.int(60, 140)}`);
  line('##[endgroup]');
  line('##[group]GITHUB_TOKEN Permissions');
  line('Contents: read');
  line('Metadata: read');
  line(a.event === 'pull_request' ? 'PullRequests: read' : 'Deployments: write');
  line('##[endgroup]');
  line('Secret source: Actions');
  line('Prepare workflow directory');
  line('Prepare all required actions');
  line('Getting action download info');
  line(`Download action repository 'actions/checkout@v4' (SHA:${rng.hex(40)})`);
  if (f.step === 'Set up job') {
    for (const l of f.lines) line(l, 200);
    return out.join('\n') + '\n';
  }
  line(`Complete job name: ${a.job ?? a.workflow}`);

  const steps: [string, string[]][] = [
    [
      'Run actions/checkout@v4',
      ['with:', `  repository: ${a.repository}`, '  token: ***', '  ssh-strict: true', '  persist-credentials: true', '  clean: true', '  fetch-depth: 1'],
    ],
    ...SETUP[lang],
  ];
  const budget = span * 0.9;
  const perStep = budget / (steps.length + 1);
  for (const [name, body] of steps) {
    if (name === f.step) break;
    line(`##[group]${name}`, 300);
    for (const l of body) line(vars(l), rng.int(5, 400));
    line('##[endgroup]', 5);
    if (name === 'Run actions/checkout@v4') {
      line(`Syncing repository: ${a.repository}`, 20);
      line(`HEAD is now at ${(a.head_sha ?? '').slice(0, 7)} ${commitMessage(a.head_sha ?? '000000')}`, rng.int(800, 3000));
    }
    t = Math.min(endMs, Math.max(t, t + perStep * rng.next()));
  }
  if (f.step) {
    const name = f.step.startsWith('Run ') || f.step === 'Set up job' ? f.step : `Run ${f.step}`;
    line(`##[group]${name}`, 200);
    if (name.startsWith('Run ') && !/@v\d/.test(name)) line(name.slice(4), 1);
    line('##[endgroup]', 5);
  }
  t = Math.max(t, endMs - Math.min(span * 0.1, 20_000));
  const errorAt = f.lines.findIndex((l) => l.trim() !== '' && !l.startsWith('  '));
  f.lines.forEach((l, i) => line(i === errorAt && !l.startsWith('##[') ? `##[error]${vars(l)}` : vars(l), 3));
  if (f.exitCode !== null) line(`##[error]Process completed with exit code ${f.exitCode}.`, 40);
  line('Post job cleanup.', 200);
  line('Cleaning up orphan processes', 300);
  return out.join('\n') + '\n';
}

/** `deploy-production`, `test-node-20`: a job or workflow name as a file name. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'job'
  );
}
