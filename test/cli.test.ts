import { writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, ops, opsProcess, tempDir, workspaceDir } from './helpers';

describe('ops CLI contract (SPEC §10.2)', () => {
  it('prints help on stdout and exits 0', async () => {
    const r = await ops(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ops runs <command>/);
    expect(r.stderr).toBe('');
  });

  it.each([
    [['runs', 'list', '--bogus'], /^ops: runs list: unknown argument --bogus \(see ops runs list --help\)\n$/],
    [['runs', 'list', '--conclusion', 'nope'], /^ops: runs list: invalid values: .*Given: "nope"/],
    [['runs', 'list', '--limit', '0'], /^ops: --limit: must be an integer from 1 to 1000000, got 0\n$/],
    [['runs', 'list', '--since', 'yesterday'], /^ops: --since: expected an ISO-8601 time/],
    [['runs'], /^ops: runs: name a subcommand \(see ops runs --help\)\n$/],
    [['runs', 'show'], /^ops: runs show: missing <run-id>/],
    [[], /^ops: usage: no command given/],
    [['runz'], /^ops: usage: unknown command "runz"; did you mean runs\?\n$/],
    [['killswitch', 'statsu'], /^ops: killswitch: unknown command "statsu"; did you mean status\?\n$/],
  ])('usage error %j → exit 2 and one line on stderr', async (args, message) => {
    const r = await ops(args, { cwd: workspaceDir() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad OPS_NOW is a usage error naming the variable', async () => {
    const r = await ops(['status'], { env: { OPS_NOW: 'tomorrow' } });
    expect(r).toMatchObject({ code: 2, stderr: 'ops: OPS_NOW: not an ISO-8601 time with a zone: "tomorrow"\n' });
  });

  it('reading a workspace without a ledger says how to get one (exit 2), and creates nothing', async () => {
    const ws = workspaceDir();
    const r = await ops(['runs', 'list', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ledger\.db: no ledger here \(run `ops init`/);
    expect(existsSync(join(ws, '.ops', 'ledger.db'))).toBe(false);
  });

  it('a file that is not a ledger is refused with exit 2', async () => {
    const ws = workspaceDir();
    mkdirSync(join(ws, '.ops'), { recursive: true });
    writeFileSync(join(ws, '.ops', 'ledger.db'), 'not sqlite at all, just text that is long enough to be a header...'.repeat(20));
    const r = await ops(['runs', 'list', '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an ops ledger/);
  });

  it('resolves the workspace and ledger from OPS_WORKSPACE / OPS_LEDGER, flags first', async () => {
    const ws = workspaceDir();
    const elsewhere = join(tempDir(), 'custom.db');
    await ops(['runs', 'import', GH_RUNS], { env: { OPS_WORKSPACE: ws, OPS_LEDGER: elsewhere } });
    expect(existsSync(elsewhere)).toBe(true);
    expect(existsSync(join(ws, '.ops', 'ledger.db'))).toBe(false);
    const viaFlag = await ops(['runs', 'list', '--ledger', elsewhere, '--json']);
    expect(JSON.parse(viaFlag.stdout)).toHaveLength(5);
  });

  it('--json prints exactly one JSON document and nothing else, for every data command', async () => {
    const ws = workspaceDir();
    for (const args of [['init'], ['runs', 'import', GH_RUNS], ['runs', 'list'], ['runs', 'show', '19283746501'], ['status'], ['config', 'check']]) {
      const r = await ops([...args, '--workspace', ws, '--json']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(() => JSON.parse(r.stdout), args.join(' ')).not.toThrow();
      // Only the alerts detection opened after the import may be said, and on stderr.
      expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('ops: alert: ')), args.join(' ')).toEqual([]);
    }
  });

  it('runs list filters and orders latest first, with OPS_NOW-relative ages', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    const all = JSON.parse((await ops(['runs', 'list', '--workspace', ws, '--json'])).stdout);
    const starts = all.map((r: { started_at: string }) => r.started_at);
    expect(starts).toEqual([...starts].sort().reverse());
    const failed = JSON.parse((await ops(['runs', 'list', '--failed', '--workspace', ws, '--json'])).stdout);
    expect(failed.map((r: { run_id: string }) => r.run_id)).toEqual(['19283700777', '19283650000']);
    const ci = JSON.parse((await ops(['runs', 'list', '--workflow', 'CI', '--limit', '1', '--workspace', ws, '--json'])).stdout);
    expect(ci).toHaveLength(1);
    expect(ci[0].run_id).toBe('19283746501');
    const recent = JSON.parse((await ops(['runs', 'list', '--since', '2025-11-13T17:00:00Z', '--workspace', ws, '--json'])).stdout);
    expect(recent.map((r: { workflow: string }) => r.workflow)).toEqual(['Nightly', 'Deploy']);
    const table = (await ops(['runs', 'list', '--workspace', ws])).stdout;
    expect(table.split('\n')[0]).toMatch(/^RUN\s+WORKFLOW\s+REPOSITORY\s+BRANCH\s+ATT\s+STATE\s+DURATION\s+AGE\s+CLASS$/);
    expect(table).toMatch(/19283650000\s+E2E\s+acme\/api\s+main\s+1\s+timed_out\s+1h00m\s+9h/);
  });

  it('colours only on a TTY and never with NO_COLOR; status works as plain text', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    const plain = await ops(['status', '--workspace', ws]);
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    expect(plain.stdout).toMatch(/Runs, last 24 h: 5 total, 1 succeeded, 2 failed, 2 running or queued/);
    expect(plain.stdout).toMatch(/Latest failures\nRUN/);
    const piped = opsProcess(['runs', 'list', '--workspace', ws]);
    expect(piped.stdout).not.toMatch(/\x1b\[/);
    const tty = await ops(['runs', 'list', '--workspace', ws], { isTTY: true });
    expect(tty.stdout).toMatch(/\x1b\[31mtimed_out/);
    const noColor = await ops(['runs', 'list', '--workspace', ws], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toMatch(/\x1b\[/);
    expect(noColor.stdout).toMatch(/timed_out/);
  });

  it('init writes the defaults once and never overwrites', async () => {
    const ws = workspaceDir();
    const first = await ops(['init', '--workspace', ws, '--json']);
    const files = JSON.parse(first.stdout).files;
    expect(files.map((f: { action: string }) => f.action)).toEqual(Array(7).fill('created'));
    const policy = join(ws, '.ops', 'retry-policy.json');
    expect(JSON.parse(readFileSync(policy, 'utf8'))).toMatchObject({ baseSeconds: 5, factor: 2, maxRetries: 3, retryUnknown: false, autoEnqueue: true });
    writeFileSync(policy, '{"maxRetries": 5}\n');
    const second = await ops(['init', '--workspace', ws, '--json']);
    expect(JSON.parse(second.stdout).files.map((f: { action: string }) => f.action)).toEqual(Array(7).fill('kept'));
    expect(readFileSync(policy, 'utf8')).toBe('{"maxRetries": 5}\n');
    expect(readFileSync(join(ws, '.ops', '.gitignore'), 'utf8')).toMatch(/^ledger\.db$/m);
  });

  it('the built bin/ops behaves the same as a real process: exit codes and streams', () => {
    const ws = workspaceDir();
    const bad = opsProcess(['runs', 'show', '42', '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    const ok = opsProcess(['runs', 'import', GH_RUNS, '--workspace', ws, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).inserted).toBe(6);
    const missing = opsProcess(['runs', 'show', '42', '--workspace', ws]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^ops: run 42: not in the ledger/);
    const verbose = opsProcess(['runs', 'show', '42', '--workspace', ws, '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});
