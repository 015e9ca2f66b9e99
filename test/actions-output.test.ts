import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, GH_RUNS, NOW, opsProcess, tempDir } from './helpers';
import { annotationLine, mdTable, runsSyncSummary } from '../src/cli/actions-output';
import { colorEnabled } from '../src/cli/io';

/**
 * Issue 21 part 4: GitHub Actions-native output through the built binary, as a runner
 * sees it: GITHUB_ACTIONS=true, a GITHUB_STEP_SUMMARY file, stdout read for workflow commands.
 */

const ESC = '\x1b[';

/** An ops workspace (ops init) with the fixture runs imported; its step summary file (absent yet). */
function runner(): { ws: string; summary: string; env: NodeJS.ProcessEnv } {
  const ws = tempDir();
  expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
  expect(opsProcess(['runs', 'import', GH_RUNS, '--repo', 'acme/api', '--workspace', ws]).code).toBe(0);
  const summary = join(ws, 'step-summary.md');
  return { ws, summary, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, OPS_WORKSPACE: ws, NO_COLOR: '1' } };
}

const summaryOf = (path: string) => readFileSync(path, 'utf8');

describe('the job summary ($GITHUB_STEP_SUMMARY)', () => {
  it('ops status appends its Markdown table, after what other steps wrote; with --json stdout stays one document', () => {
    const r = runner();
    writeFileSync(r.summary, '## Build\n\nearlier step\n\n');
    const text = opsProcess(['status'], { env: r.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('ops status');
    const md = summaryOf(r.summary);
    expect(md.startsWith('## Build\n\nearlier step\n\n### ops status\n')).toBe(true);
    expect(md).toContain('| killswitch | not engaged |');
    expect(md).toContain('| runs, last 24 h | 5 total, 1 succeeded, 2 failed, 2 running or queued |');
    expect(md).toMatch(/\| \[19283700777\]\(https:\/\/github.com\/acme\/api\/actions\/runs\/19283700777\) \| CI \| acme\/api \| dependabot\/npm_and_yarn\/lodash-4\.17\.21 \| 1 \| failure \|/);

    const json = opsProcess(['status', '--json'], { env: r.env });
    expect(JSON.parse(json.stdout).runs.total).toBe(5);
    expect(summaryOf(r.summary).split('### ops status').length).toBe(3);
  });

  it('ops guard: the verdict as a table; blocked by the killswitch it also annotates, exit 3', () => {
    const r = runner();
    const ok = opsProcess(['guard'], { env: { ...r.env, GITHUB_WORKFLOW: 'Deploy' } });
    expect(ok.code).toBe(0);
    expect(summaryOf(r.summary)).toContain(
      '### ops guard\n\n| workflow | verdict | killswitch source | reason |\n| --- | --- | --- | --- |\n| Deploy | ✅ runs may proceed | `.ops/ledger.db` |   |\n',
    );
    opsProcess(['killswitch', '--reason', 'bad | release', '--workspace', r.ws], { env: { OPS_ACTOR: 'alice' } });
    const blocked = opsProcess(['guard'], { env: { ...r.env, GITHUB_WORKFLOW: 'Deploy' } });
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toBe(`::error title=ops guard::killswitch engaged for all workflows by alice since ${NOW}: bad | release\n`);
    expect(summaryOf(r.summary)).toContain(`| Deploy | ⛔ blocked: killswitch engaged (exit 3) | \`.ops/ledger.db\` | killswitch engaged for all workflows by alice since ${NOW}: bad \\| release |\n`);
  });

  it('ops guard on a bare runner: unchecked, with the warning in the summary', () => {
    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    const r = opsProcess(['guard'], { cwd: dir, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKFLOW: 'CI' } });
    expect(r.code).toBe(0);
    const md = summaryOf(summary);
    expect(md).toContain('| CI | ⚠️ unchecked: runs may proceed | none found: nothing was checked |   |');
    expect(md).toMatch(/\n- ⚠️ no killswitch source found/);
  });

  it('ops kpi: the KPI table with targets and a row per workflow; its long text output is folded into a log group', () => {
    const r = runner();
    const k = opsProcess(['kpi'], { env: r.env });
    expect(k.code).toBe(0);
    expect(k.stdout).toMatch(/^::group::ops kpi: window 7d, 5 runs, success rate 33\.3%25\nops kpi {2}window 7d/);
    expect(k.stdout.endsWith('\n::endgroup::\n')).toBe(true);
    const md = summaryOf(r.summary);
    expect(md).toContain('### ops kpi (7d)\n');
    expect(md).toContain('| KPI | value | target | status |\n| --- | ---: | ---: | --- |\n| runs | 5 |  | |'.replace('|  | |', '|   |   |'));
    expect(md).toContain('| success rate | 33.3% | ≥ 95.0% | ❌ breach |');
    expect(md).toMatch(/\| workflow \| runs \| success \| failures \| p95 \| retries \| MTTR \|\n/);
    expect(md).toMatch(/\| CI \| 2 \| 50\.0% \| 1 \|/);
    // Outside Actions: the same text, no group markers.
    const plain = opsProcess(['kpi'], { env: { OPS_WORKSPACE: r.ws } });
    expect(plain.stdout).not.toContain('::');
    expect(k.stdout).toBe(`::group::ops kpi: window 7d, 5 runs, success rate 33.3%25\n${plain.stdout}::endgroup::\n`);
  });

  it('ops retry replay: a row per entry handled; --dry-run: what would run', () => {
    const r = runner();
    const env = { ...r.env, OPS_GH: FAKE_GH, FAKE_GH_LOG: join(r.ws, 'gh.log') };
    expect(opsProcess(['retry', 'enqueue', '19283700777', '--reason', 'flaky'], { env: { OPS_WORKSPACE: r.ws } }).code).toBe(0);
    const dry = opsProcess(['retry', 'replay', '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(summaryOf(r.summary)).toMatch(/### ops retry replay --dry-run\n\n1 due; nothing was changed\.\n\n\| entry \| run \| workflow \| attempt \| action \|\n\| --- \| --- \| --- \| --- \| --- \|\n\| #1 \| 19283700777 \| CI \| 1\/3 \| would run `.*run rerun 19283700777 --failed` \|\n/);
    const run = opsProcess(['retry', 'replay'], { env });
    expect(run.code).toBe(0);
    const md = summaryOf(r.summary).split('### ops retry replay\n')[1]!;
    expect(md).toMatch(/^\n1 entry: \d recovered, \d rescheduled, \d waiting for the run, 0 failed, 0 held\n\n\| entry \| run \| workflow \| attempt \| result \| details \|\n/);
    expect(md).toMatch(/\| #1 \| 19283700777 \| CI \| 1\/3 \| (✅ recovered|⏳ dispatched, waiting) \|/);
  });

  it('ops retry replay annotates an entry that failed for good (::error) and what the killswitch held (::warning)', () => {
    const r = runner();
    expect(opsProcess(['retry', 'enqueue', '19283700777', '--reason', 'flaky'], { env: { OPS_WORKSPACE: r.ws } }).code).toBe(0);
    const denied = { ...r.env, OPS_GH: FAKE_GH, FAKE_GH_FAIL: '1:HTTP 403: Resource not accessible by integration' };
    const failed = opsProcess(['retry', 'replay'], { env: denied });
    expect(failed.stdout).toMatch(/^::error title=ops retry replay::#1 run 19283700777 \(CI\) failed for good after attempt 1\/3 \(permission\): .+$/m);
    expect(summaryOf(r.summary)).toMatch(/\| #1 \| 19283700777 \| CI \| 1\/3 \| ❌ failed for good \| exit 1, HTTP 403, permission, \S+; .+ \|/);
    expect(opsProcess(['retry', 'replay', '--json'], { env: denied }).stdout).not.toContain('::');

    expect(opsProcess(['retry', 'enqueue', '19283650000', '--reason', 'again'], { env: { OPS_WORKSPACE: r.ws } }).code).toBe(0);
    opsProcess(['killswitch', '--reason', 'stop', '--workspace', r.ws], { env: { OPS_ACTOR: 'bob' } });
    const held = opsProcess(['retry', 'replay'], { env: { ...r.env, OPS_GH: FAKE_GH } });
    expect(held.code).toBe(3);
    expect(held.stdout).toMatch(/^::warning title=ops retry replay::1 retry held by the killswitch: #2$/m);
    expect(summaryOf(r.summary)).toContain('| #2 | 19283650000 | E2E | - | ⛔ held | killswitch (all workflows) by bob: stop |');
  });

  it('a summary file that cannot be written is a warning; the command still succeeds', () => {
    const r = runner();
    const env = { ...r.env, GITHUB_STEP_SUMMARY: join(r.ws, 'no-such-dir', 'summary.md') };
    const s = opsProcess(['status'], { env });
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/^ops: warning: step summary: cannot append to .*no-such-dir\/summary\.md: ENOENT\n/m);
    expect(existsSync(join(r.ws, 'no-such-dir'))).toBe(false);
  });

  it('outside Actions no summary is written, even with GITHUB_STEP_SUMMARY set', () => {
    const r = runner();
    expect(opsProcess(['status'], { env: { ...r.env, GITHUB_ACTIONS: undefined } }).code).toBe(0);
    expect(existsSync(r.summary)).toBe(false);
  });
});

// Secrets are made at run time from random bytes: nothing real-looking is committed.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');

describe('ops evidence collect inside Actions', () => {
  const collectEnv = (ws: string, summary: string): NodeJS.ProcessEnv => ({
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: ws,
    GITHUB_RUN_ID: '7001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_REPOSITORY: 'acme/api',
    GITHUB_SHA: '3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2',
    GITHUB_REF: 'refs/heads/main',
    NO_COLOR: '1',
  });

  function setup() {
    const ws = tempDir();
    expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
    const secrets = [`ghp_${rand(36)}`, `ghp_${rand(36)}`, `glpat-${rand(20)}`];
    mkdirSync(join(ws, 'logs'));
    writeFileSync(
      join(ws, 'logs', 'build.log'),
      ['step 1', 'step 2', `git clone https://x-access-token:${secrets[0]}@github.com/acme/api.git`, 'step 4', `push https://${secrets[1]}@github.com/acme/api.git`, ''].join('\n'),
    );
    writeFileSync(join(ws, 'logs', 'deploy.log'), `ok\ngit push https://oauth2:${secrets[2]}@gitlab.com/acme/api.git HEAD\n`);
    writeFileSync(join(ws, 'logs', 'clean.log'), 'nothing to see\n');
    return { ws, secrets, summary: join(ws, 'summary.md') };
  }

  it('a ::warning per masked secret (rule, source file, line; never the value), one per glob that matched nothing, and the table', () => {
    const { ws, secrets, summary } = setup();
    const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--logs', 'missing/*.log', '--conclusion', 'failure'], { cwd: ws, env: collectEnv(ws, summary) });
    expect(r.code).toBe(0);
    const title = 'title=ops evidence collect::secret masked';
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::warning file='))).toEqual([
      `::warning file=logs/build.log,line=3,${title} (rule github-pat): the evidence copy has it masked; the source log still holds it`,
      `::warning file=logs/build.log,line=5,${title} (rule github-pat): the evidence copy has it masked; the source log still holds it`,
      `::warning file=logs/deploy.log,line=2,${title} (rule gitlab-pat): the evidence copy has it masked; the source log still holds it`,
    ]);
    expect(r.stdout).toContain('::warning title=ops evidence collect::no file matches "missing/*.log"\n');
    expect(r.stderr).toContain('ops: warning: no file matches "missing/*.log"\n');
    const md = summaryOf(summary);
    for (const s of secrets) {
      expect(r.stdout).not.toContain(s);
      expect(r.stderr).not.toContain(s);
      expect(md).not.toContain(s);
    }
    expect(md).toMatch(/^### ops evidence collect\n\nRun 7001 attempt 1 \(CI, acme\/api\) → `docs\/reports\/2025-11-14\/`: collected, 3 files, \d+ B, 3 secrets masked; failure: \*\*\w+\*\*/);
    expect(md).toContain('| file | kind | bytes | secrets masked | status |\n| --- | --- | ---: | --- | --- |\n');
    expect(md).toMatch(/\| `logs\/build\.log` \| log \| \d+ \| 2 \(github-pat 2\) \| collected \|\n/);
    expect(md).toMatch(/\| `logs\/clean\.log` \| log \| 15 \| 0 \| collected \|\n/);
    expect(md).toContain('**Secrets masked, by rule**\n\n| rule | masked | files |\n| --- | ---: | ---: |\n| `github-pat` | 2 | 1 |\n| `gitlab-pat` | 1 | 1 |\n');
    expect(md).toContain('⚠️ No file matches `missing/*.log`');
  });

  it('with --json stdout is only the JSON document (no annotations); the summary is still written', () => {
    const { ws, summary } = setup();
    const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--logs', 'missing/*.log', '--json'], { cwd: ws, env: collectEnv(ws, summary) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).run_id).toBe('7001');
    expect(r.stdout).not.toContain('::');
    expect(summaryOf(summary)).toContain('### ops evidence collect');
  });

  it('more secrets than GitHub shows annotations for: nine, then one that counts the rest', () => {
    const { ws, summary } = setup();
    writeFileSync(join(ws, 'logs', 'many.log'), Array.from({ length: 12 }, () => `token https://x:${`ghp_${rand(36)}`}@github.com/a/b\n`).join(''));
    const r = opsProcess(['evidence', 'collect', '--logs', 'logs/many.log'], { cwd: ws, env: collectEnv(ws, summary) });
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(10);
    expect(warnings[8]).toMatch(/^::warning file=logs\/many\.log,line=9,/);
    expect(warnings[9]).toBe('::warning title=ops evidence collect::3 more secrets masked: see the job summary (ops evidence collect)');
  });
});

describe('::error annotations for failures', () => {
  it("the CLI's one-line error is also an ::error annotation inside Actions, never with --json", () => {
    const r = runner();
    const e = opsProcess(['runs', 'show', '424242'], { env: r.env });
    expect(e.code).not.toBe(0);
    const line = e.stderr.trim();
    expect(line).toMatch(/^ops: run 424242: not in the ledger /);
    expect(e.stdout).toBe(`::error title=ops::${line.slice('ops: '.length)}\n`);
    const j = opsProcess(['runs', 'show', '424242', '--json'], { env: r.env });
    expect(j.stdout).toBe('');
    expect(j.stderr).toBe(e.stderr);
    const outside = opsProcess(['runs', 'show', '424242'], { env: { OPS_WORKSPACE: r.ws } });
    expect(outside.stdout).toBe('');
  });

  it('annotation data and properties are escaped as actions/toolkit does', () => {
    expect(annotationLine('warning', '100% done\nnext', { file: 'a,b:c.log', line: 3, title: 'x: y' })).toBe('::warning file=a%2Cb%3Ac.log,line=3,title=x%3A y::100%25 done%0Anext\n');
  });
});

describe('ops status --format', () => {
  it('markdown prints the summary Markdown on stdout (for a chat paste), no ANSI codes even when colour is forced', () => {
    const r = runner();
    const env = { OPS_WORKSPACE: r.ws, FORCE_COLOR: '1' };
    const md = opsProcess(['status', '--format', 'markdown'], { env });
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^### ops status\n\n`.*` at 2025-11-14T00:00:00Z\n\n\| {3}\| now \|\n/);
    expect(md.stdout).not.toContain(ESC);
    expect(JSON.parse(opsProcess(['status', '--format', 'json'], { env }).stdout).runs.total).toBe(5);
    expect(opsProcess(['status', '--format', 'text'], { env }).stdout).toContain(`${ESC}1mops status`);
  });

  it('an unknown format, or markdown with --json, is a usage error (exit 2, one line)', () => {
    const r = runner();
    const bad = opsProcess(['status', '--format', 'html'], { env: { OPS_WORKSPACE: r.ws } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ops: status: invalid values: argument: format, given: "html", choices: "text", "markdown", "json" .*\n$/i);
    const both = opsProcess(['status', '--format', 'markdown', '--json'], { env: { OPS_WORKSPACE: r.ws } });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('ops: --format: --format markdown and --json contradict each other: give one\n');
  });

  it('the killswitch leads the Markdown when engaged', () => {
    const r = runner();
    opsProcess(['killswitch', '--reason', 'stop', '--workspace', r.ws], { env: { OPS_ACTOR: 'bob' } });
    const md = opsProcess(['status', '--format', 'markdown'], { env: { OPS_WORKSPACE: r.ws } }).stdout;
    expect(md.startsWith(`> [!CAUTION]\n> **KILLSWITCH ENGAGED**: killswitch engaged for all workflows by bob since ${NOW}: stop\n\n### ops status\n`)).toBe(true);
  });
});

describe('colour: FORCE_COLOR, NO_COLOR, GitHub Actions', () => {
  const coloured = (env: NodeJS.ProcessEnv) => {
    const r = runner();
    return opsProcess(['status'], { env: { OPS_WORKSPACE: r.ws, ...env } }).stdout.includes(ESC);
  };

  it('a pipe: plain; inside Actions: coloured (its log renders ANSI), unless NO_COLOR', () => {
    expect(coloured({})).toBe(false);
    expect(coloured({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(coloured({ GITHUB_ACTIONS: 'true', NO_COLOR: '1' })).toBe(false);
    expect(coloured({ GITHUB_ACTIONS: 'true', FORCE_COLOR: '0' })).toBe(false);
    expect(coloured({ FORCE_COLOR: '1' })).toBe(true);
    // FORCE_COLOR wins over NO_COLOR, as in Node.
    expect(coloured({ FORCE_COLOR: '3', NO_COLOR: '1' })).toBe(true);
  });

  it('the rules, case by case', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '2', TERM: 'dumb' }, false)).toBe(true);
    expect(colorEnabled({ GITHUB_ACTIONS: 'false' }, false)).toBe(false);
  });
});

describe('helpers for other commands (ops runs sync)', () => {
  it('runsSyncSummary: a row per repository and the totals', () => {
    expect(runsSyncSummary([{ repo: 'acme/api', runs: 312, new: 27, failed: 4, queued: 3 }, { repo: 'acme/w|eb', runs: 10, new: 0, failed: 0, queued: 0, note: 'rate limited' }], { since: '7d' })).toBe(
      '### ops runs sync\n\n2 repositories, since 7d: 322 runs, 27 new, 4 failed, 3 queued for retry\n\n' +
        mdTable(['repository', 'runs', 'new', 'failed', 'queued for retry', 'note'], [['acme/api', 312, 27, 4, 3, ''], ['acme/w|eb', 10, 0, 0, 0, 'rate limited']], [1, 2, 3, 4]),
    );
    expect(mdTable(['a'], [['x|y']])).toBe('| a |\n| --- |\n| x\\|y |\n');
  });
});
