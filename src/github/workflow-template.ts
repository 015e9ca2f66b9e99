/**
 * `ops init --github-actions` (issue 21 part 5): the scheduled ops workflow, and the two
 * steps every other workflow's jobs get. Plain strings, no YAML library: the tests lint
 * the result with actionlint and run its steps.
 */

export const WORKFLOW_PATH = '.github/workflows/ops.yml';

/**
 * How the ledger survives between scheduled runs (a runner starts empty): actions/cache.
 * Each run restores the newest cache whose key starts with the prefix and saves a new one
 * under prefix + run id + attempt (caches are immutable, so every run needs its own key).
 * The paths are where ops keeps the ledger by default (`<workspace>/.ops/ledger.db`), and
 * its write-ahead log, which holds the last commits if a step was killed before ops closed it.
 */
export const LEDGER_CACHE = {
  paths: ['.ops/ledger.db', '.ops/ledger.db-wal'],
  keyPrefix: 'ops-ledger-',
  key: 'ops-ledger-${{ github.run_id }}-${{ github.run_attempt }}',
} as const;

/** The reports folder the template uploads (config.json `reportsDir`'s default). */
export const REPORTS_DIR = 'docs/reports';

/** npm's spec for ops pinned to this version, as README's "Installing" has it. */
export const defaultInstallSpec = (version: string) => `github:OWNER/REPO#v${version}`;
export const PLACEHOLDER = 'OWNER/REPO';

/** An npm install spec that can go on a `run:` line as it is (no shell quoting needed). */
export const safeInstallSpec = (spec: string) => /^[\w@:/.#+~=-]+$/.test(spec);

export interface TemplateOptions {
  /** ops-ci-console's version (package.json). */
  version: string;
  /** `npm install -g` argument: a pinned repository, or a tarball. */
  install: string;
}

export function workflowTemplate(o: TemplateOptions): string {
  const cachePaths = LEDGER_CACHE.paths.map((p) => `            ${p}\n`).join('');
  return `# Written by ops init --github-actions (ops-ci-console ${o.version}).
# Every 10 minutes, and on demand (Actions → ops → Run workflow): pull the workflow runs
# from GitHub, evaluate the detection rules, replay the due retries, deliver notifications.
# The ledger lives in the Actions cache between runs (see README, "ops init --github-actions").
name: ops

on:
  schedule:
    - cron: '*/10 * * * *'
  workflow_dispatch:

# One at a time: two runs restoring the same ledger would each save their own, and the later
# save would drop what the other recorded.
concurrency:
  group: ops-ledger
  cancel-in-progress: false

permissions:
  actions: write     # gh run list/view/rerun/cancel, gh workflow disable/enable
  contents: read     # actions/checkout: the committed .ops/*.json
  # issues: write    # only for a github_issue notification channel

jobs:
  ops:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    env:
      # Other repositories in config.json repos need a token that can read them (and
      # re-run their workflows): set the secret OPS_GH_TOKEN; this repository's token otherwise.
      GH_TOKEN: \${{ secrets.OPS_GH_TOKEN || github.token }}
      # The channels' secrets, as config.json notifications.channels names them (urlEnv, secretEnv):
      # OPS_SLACK_WEBHOOK_URL: \${{ secrets.OPS_SLACK_WEBHOOK_URL }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Install ops ${o.version}
        run: npm install -g ${o.install}
      - name: Restore the ledger
        uses: actions/cache/restore@v4
        with:
          path: |
${cachePaths}          key: ${LEDGER_CACHE.key}
          restore-keys: ${LEDGER_CACHE.keyPrefix}
      - name: Workspace
        run: ops init
      - name: Sync runs
        run: ops runs sync
      - name: Detect
        if: \${{ !cancelled() }}
        run: ops detect
      - name: Replay due retries
        if: \${{ !cancelled() }}
        run: ops retry replay
      - name: Deliver notifications
        if: \${{ !cancelled() }}
        run: ops notify deliver
      # Saved whatever happened above: a replay that failed half-way has still recorded its
      # attempts, and the next run must not repeat them.
      - name: Save the ledger
        if: always()
        uses: actions/cache/save@v4
        with:
          path: |
${cachePaths}          key: ${LEDGER_CACHE.key}
      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: ops-reports-\${{ github.run_id }}-\${{ github.run_attempt }}
          path: ${REPORTS_DIR}
          if-no-files-found: ignore
          retention-days: 7
`;
}

/**
 * The two steps for the jobs of every other workflow, indented as steps of a job: `ops guard`
 * first (it reads the killswitch from the OPS_KILLSWITCH variable on a runner without a
 * ledger), `ops evidence collect` last, even when the job failed.
 */
export function existingWorkflowSteps(o: TemplateOptions): string {
  return `      # ops must be installed first, as in ${WORKFLOW_PATH}:
      #   - uses: actions/setup-node@v4
      #     with: { node-version: 20 }
      #   - run: npm install -g ${o.install}
      - name: ops guard
        run: ops guard
        env:
          OPS_KILLSWITCH: \${{ vars.OPS_KILLSWITCH }}
      # … the job's own steps …
      - name: ops evidence collect
        if: always()
        run: ops evidence collect --logs 'logs/*.log' --conclusion \${{ job.status == 'success' && 'success' || 'failure' }}
`;
}
