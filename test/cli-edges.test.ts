import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, opsProcess, tempDir, workspaceDir } from './helpers';
import { registry } from '../commands/registry';

/** The CLI's edges (issue 18, items 13–15), through the built bin/ops. */

/** A small demo workspace: runs, a retry queue, retry history, audit events, notifications. */
function demoWorkspace(): string {
  const ws = join(tempDir(), 'demo');
  const r = opsProcess(['demo', ws, '--runs', '300', '--days', '3']);
  expect(r.code, r.stderr).toBe(0);
  // An engagement and its release: two more notifications and audit events to list.
  for (const flags of [[], ['--release']]) expect(opsProcess(['killswitch', ...flags, '--reason', 'list test', '--workspace', ws]).code).toBe(0);
  return ws;
}

const total = (ws: string, args: string[]): number => {
  const r = opsProcess([...args, '--workspace', ws, '--json', '--limit', '1000000']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr, args.join(' ')).toBe('');
  return JSON.parse(r.stdout).length;
};

describe('a list cut by --limit says so on stderr (item 13)', () => {
  it.each([
    [['runs', 'list'], 2],
    [['runs', 'list', '--failed'], 2],
    [['retry', 'list'], 2],
    [['retry', 'list', '--state', 'completed'], 1],
    [['retry', 'history'], 2],
    [['audit', 'log'], 3],
    [['notify', 'list'], 1],
  ])('%j --limit %i: "N of M shown" with M what the filters match; --json stays one array', (args, limit) => {
    const ws = demoWorkspace();
    const matching = total(ws, args);
    expect(matching, 'the demo has more than the limit').toBeGreaterThan(limit);

    const table = opsProcess([...args, '--workspace', ws, '--limit', String(limit)]);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe(`${limit} of ${matching} shown (--limit N for more)\n`);
    expect(table.stdout.trim().split('\n').length).toBeGreaterThan(limit - 1);

    const json = opsProcess([...args, '--workspace', ws, '--limit', String(limit), '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(limit);
    expect(json.stderr).toBe(`${limit} of ${matching} shown (--limit N for more)\n`);

    // Not cut: nothing said.
    const all = opsProcess([...args, '--workspace', ws, '--limit', String(matching)]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
  });

  it('the default limit cuts too: runs list shows 30 of 300', () => {
    const ws = demoWorkspace();
    const r = opsProcess(['runs', 'list', '--workspace', ws, '--json']);
    expect(JSON.parse(r.stdout)).toHaveLength(30);
    expect(r.stderr).toBe('30 of 300 shown (--limit N for more)\n');
  });

  it.each([['runs', 'list'], ['retry', 'list'], ['retry', 'history'], ['audit', 'log'], ['notify', 'list']])('%j --limit without a value is refused with exit 2 naming the flag', (...args) => {
    const r = opsProcess([...args, '--limit'], { cwd: tempDir() });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `ops: ${args.join(' ')}: --limit needs a value (see ops ${args.join(' ')} --help)\n` });
  });

  it.each([
    [['runs', 'list'], '0', '0'],
    [['retry', 'list'], '-1', '-1'],
    [['retry', 'history'], '1.5', '1.5'],
    [['audit', 'log'], 'abc', '"abc"'],
    [['notify', 'list'], 'many', '"many"'],
  ])('%j --limit %s is refused with exit 2 naming the flag', (args, value, shown) => {
    const ws = workspaceDir();
    const r = opsProcess([...args, '--workspace', ws, '--limit', value]);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `ops: --limit: must be an integer from 1 to 1000000, got ${shown}\n` });
  });
});

/** Every command path of the registry: `runs list`, `killswitch status`, `killswitch`, … */
function commandPaths(): string[][] {
  const paths: string[][] = [[]];
  for (const entry of registry) {
    const name = entry.command.split(' ')[0]!;
    paths.push([name]);
    if ('commands' in entry) for (const sub of entry.commands) paths.push([name, sub.command.split(' ')[0]!]);
  }
  return paths;
}

describe('nothing points outside the repository or at npx (item 14)', () => {
  it('no --help text names ../shared, SPEC or npx', () => {
    for (const path of commandPaths()) {
      const r = opsProcess([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.stdout, path.join(' ')).not.toMatch(/\.\.\/shared|SPEC|\bnpx\b/);
    }
    expect(opsProcess(['guard', '--help']).stdout).toMatch(/- run: ops guard/);
  });

  it('the README: no ../shared, no npx ops, the install from the repository and a tarball under the package name', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/\.\.\/shared|SPEC/);
    expect(readme).not.toMatch(/npx\s+ops/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('ops-ci-console');
    expect(pkg.bin).toEqual({ ops: 'bin/ops', 'ops-console': 'bin/ops-console' });
    expect(readme).toContain('npm install -g github:OWNER/REPO');
    expect(readme).toContain(`npm install -g ./${pkg.name}-${pkg.version}.tgz`);
    expect(readme).toMatch(/`--limit N`/);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect([lock.name, lock.packages[''].name]).toEqual([pkg.name, pkg.name]);
  });

  it('the package ships what the bins load, built by prepare', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepare).toBe('node build.mjs');
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/ops', 'bin/ops-console', 'dist/']));
    for (const bin of Object.values(pkg.bin) as string[]) {
      for (const [, target] of readFileSync(join(ROOT, bin), 'utf8').matchAll(/import '\.\.\/(.+?)'/g)) {
        expect(target!.startsWith('dist/'), `${bin} loads ${target}`).toBe(true);
      }
    }
  });

  it('no command, view or bench source suggests npx ops or ../shared', () => {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs|md|json)$/.test(name)) {
          if (/npx ops|\.\.\/shared/.test(readFileSync(p, 'utf8'))) hits.push(p);
        }
      }
    };
    for (const dir of ['commands', 'src', 'views', 'bin', 'bench', 'fixtures', 'build']) walk(join(ROOT, dir));
    expect(hits).toEqual([]);
  });
});

describe('help, completion and did-you-mean (item 15)', () => {
  it('ops --help has the first commands on call and the exit codes; a command\'s help does not repeat them', () => {
    const r = opsProcess(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout;
    expect(help).toMatch(/^Examples:$/m);
    for (const example of [
      /^ {2}ops-console\s/m,
      /^ {2}ops status\s/m,
      /^ {2}ops killswitch --reason "[^"]+" --expires 4h\s/m,
      /^ {2}ops killswitch --release --reason /m,
      /^ {2}ops guard\s/m,
      /^ {2}ops evidence collect --logs /m,
      /^ {2}ops retry replay --dry-run\s/m,
    ])
      expect(help).toMatch(example);
    expect(help).toMatch(/^Exit codes:\n {2}0 +success\n {2}1 +the operation failed.*\n {2}2 +usage.*\n {2}3 +blocked: the killswitch is engaged\n {2}4 +a check found problems\n {2}5 +workspace busy.*\n {2}130 +interrupted/m);
    // The same codes as README's table.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const codes = [...readme.matchAll(/^\| (\d+) \| /gm)].map((m) => m[1]);
    expect(codes).toEqual(['0', '1', '2', '3', '4', '5', '130']);
    for (const code of codes) expect(help).toMatch(new RegExp(`^ {2}${code} `, 'm'));
    const sub = opsProcess(['runs', 'list', '--help']).stdout;
    expect(sub).not.toMatch(/Exit codes:|ops retry replay --dry-run/);
  });

  it('ops completion prints a bash completion script, zsh under zsh', () => {
    const bash = opsProcess(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(bash).toMatchObject({ code: 0, stderr: '' });
    expect(bash.stdout).toMatch(/^###-begin-ops-completions-###$/m);
    expect(bash.stdout).toMatch(/ops --get-yargs-completions/);
    expect(bash.stdout).toMatch(/^complete -o bashdefault -o default -F _ops_yargs_completions ops$/m);
    const zsh = opsProcess(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef ops$/m);
    expect(zsh.stdout).toMatch(/compdef _ops_yargs_completions ops/);
  });

  it.each([
    [['runs', 'l'], 'list\n'],
    [['ops', 'runs', 'l'], 'list\n'], // as the script asks: the words as typed, program first
    [['killswitch', 's'], 'status\n'],
    [['runs', 'list', '--li'], '--limit\n'],
    [['runs', 'list', '--conclusion', 'f'], 'failure\n'],
    [['retry', 'list', '--state', 'p'], 'pending\nprocessing\n'],
  ])('ops --get-yargs-completions %j → %j', (words, expected) => {
    const r = opsProcess(['--get-yargs-completions', ...words], { env: { SHELL: '/bin/bash' } });
    expect(r).toMatchObject({ code: 0, stdout: expected, stderr: '' });
  });

  it('completes every top-level command from nothing', () => {
    const r = opsProcess(['--get-yargs-completions', 'ops', ''], { env: { SHELL: '/bin/bash' } });
    expect(r.stdout.trim().split('\n')).toEqual(expect.arrayContaining(['status', 'runs', 'killswitch', 'guard', 'retry', 'evidence', 'completion']));
  });

  it.each([
    [['runs', 'list', '--limt', '5'], 'ops: runs list: unknown argument --limt; did you mean --limit?\n'],
    [['runs', 'list', '--jsno'], 'ops: runs list: unknown argument --jsno; did you mean --json?\n'],
    [['status', '--workspce', '.'], 'ops: status: unknown argument --workspce; did you mean --workspace?\n'],
    [['retry', 'list', '--stat', 'pending'], 'ops: retry list: unknown argument --stat; did you mean --state?\n'],
    [['killswitch', '--reson', 'x'], 'ops: killswitch: unknown argument --reson; did you mean --reason?\n'],
    [['retry', 'replay', '--dryrun'], 'ops: retry replay: unknown argument --dryrun; did you mean --dry-run?\n'],
    [['runs', 'list', '--limt=5', '--bogus'], 'ops: runs list: unknown arguments --limt (did you mean --limit?), --bogus\n'],
    [['runs', 'list', '--bogus'], 'ops: runs list: unknown argument --bogus (see ops runs list --help)\n'],
    [['runs', 'list', 'extra'], 'ops: runs list: unknown argument "extra" (see ops runs list --help)\n'],
    // Before the command, the misspelt flag swallows it as its value: still the flag is named.
    [['--jsno', 'status'], 'ops: status: unknown argument --jsno; did you mean --json?\n'],
  ])('%j → exit 2, one line: %j', (args, stderr) => {
    const r = opsProcess(args, { cwd: tempDir() });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr });
  });
});
