import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Colour support is decided once, when chalk (through Ink) is imported, from the test
// process's non-TTY stdout. Force it on so "colour off" is visible as the absence of
// escape codes rather than passing by accident.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import { cleanup, render } from 'ink-testing-library';
import { App, type AppProps } from '../views/App';
import { fitColumns, runColumns } from '../views/columns';
import type { ConsoleSource } from '../views/source';
import { ledgerSource } from '../src/console/ledger-source';
import { openLedger, type Ledger } from '../src/ledger/open';
import { runWriter } from '../src/ledger/runs';
import type { Classification, RunInput } from '../src/runs/types';

const ROOT = resolve(import.meta.dirname, '..');
const NOW = '2025-11-14T00:00:00Z';
const clock = () => Date.parse(NOW);
const minutesAgo = (m: number) => new Date(Date.parse(NOW) - m * 60_000).toISOString().replace('.000Z', 'Z');
const ESC = '\x1b';

const dirs: string[] = [];
const dbs: Ledger[] = [];
afterEach(() => {
  cleanup();
  while (dbs.length) dbs.pop()!.close();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function tempWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-console-'));
  dirs.push(dir);
  return dir;
}

const transient: Classification = {
  http_status: 503,
  class: 'transient',
  cause: 'upstream unavailable',
  retryable: true,
  risk: 'low',
  action: 'retry',
};

function run(id: string, startedMinutesAgo: number, over: Partial<RunInput> = {}): RunInput {
  const started = minutesAgo(startedMinutesAgo);
  return {
    run_id: id,
    attempt: 1,
    repository: 'acme/web',
    workflow: 'ci',
    job: null,
    event: 'push',
    branch: 'main',
    head_sha: 'deadbeef',
    actor: 'octocat',
    status: 'completed',
    conclusion: 'success',
    started_at: started,
    completed_at: started,
    duration_ms: 185_000,
    url: null,
    classification: null,
    created_at: started,
    ...over,
  };
}

/** A real ledger file with `runs` written through the ledger's own writer. */
function ledgerWith(runs: RunInput[]): { path: string; db: Ledger } {
  const path = join(tempWorkspace(), '.ops', 'ledger.db');
  const db = openLedger(path, { create: true, now: NOW });
  dbs.push(db);
  const write = runWriter(db, NOW);
  db.transaction(() => runs.forEach((r) => write(r)))();
  return { path, db };
}

/** A handful of runs, the newest a failure started 2 minutes before NOW. */
function sampleRuns(): RunInput[] {
  return [
    run('1001', 50, { workflow: 'nightly', conclusion: 'success' }),
    run('1002', 40, { workflow: 'deploy', conclusion: 'cancelled' }),
    run('1003', 30, { workflow: 'lint', status: 'in_progress', conclusion: null, completed_at: null, duration_ms: null }),
    run('1004', 2, { workflow: 'ci', conclusion: 'failure', attempt: 2, classification: transient, branch: 'fix/flaky' }),
  ];
}

function mount(source: ConsoleSource, props: Partial<AppProps> = {}) {
  return render(
    <App source={source} workspace="/tmp/ws" clock={clock} color={false} pollMs={20} size={{ columns: 100, rows: 12 }} {...props} />,
  );
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

/** Ink attaches its stdin listener in an effect, after the first frame. */
const listening = (stdin: NodeJS.EventEmitter) => vi.waitFor(() => expect(stdin.listenerCount('readable')).toBeGreaterThan(0));

const lines = (frame: string | undefined) => (frame ?? '').split('\n');
const selectedLine = (frame: string | undefined) => lines(frame).find((l) => l.startsWith('>')) ?? '';

describe('ops-console App', () => {
  it('shows the latest run first, with state, attempt, age and failure class', () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame } = mount(ledgerSource(db));
    const out = lines(lastFrame());
    expect(out[0]).toMatch(/^ops {2}\/tmp\/ws +24h: 4 runs {2}1 ok {2}1 failed {2}1 active {2}1 other$/);
    expect(out[1]).toMatch(/^ {2}RUN +WORKFLOW +REPOSITORY +BRANCH +ATT +STATE +DURATION +AGE +CLASS$/);
    expect(out[2]).toMatch(/^> 1004 +ci +acme\/web +fix\/flaky +2 +failure +3m05s +2m +transient$/);
    expect(out[3]).toMatch(/^ {2}1003 +lint .* in_progress +- +30m$/);
    expect(out[4]).toMatch(/^ {2}1002 +deploy .* cancelled /);
    expect(out[5]).toMatch(/^ {2}1001 +nightly .* success /);
    expect(out.at(-1)).toMatch(/q quit +1\/4$/);
  });

  it('fills the terminal: one line short of its height, key hints on the last', () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame } = mount(ledgerSource(db), { size: { columns: 100, rows: 12 } });
    expect(lines(lastFrame())).toHaveLength(11);
  });

  it('moves the selection with j/k and the arrow keys, scrolling the window', async () => {
    const runs = Array.from({ length: 30 }, (_, i) => run(String(2000 + i), 100 - i));
    const { db } = ledgerWith(runs);
    // rows 8: header, headings, footer and one spare line leave 4 visible runs.
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 100, rows: 8 } });
    await listening(stdin);
    const press = async (keys: string, selected: RegExp) => {
      stdin.write(keys);
      await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(selected));
    };
    expect(selectedLine(lastFrame())).toMatch(/^> 2029 /);
    await press('j', /^> 2028 /);
    await press('\x1b[B', /^> 2027 /); // down arrow
    await press('k', /^> 2028 /);
    await press('\x1b[A', /^> 2029 /); // up arrow

    // A burst, as from a held-down key: every press counts, the window follows.
    for (let i = 0; i < 6; i++) stdin.write('j');
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(/^> 2023 /));
    expect(lastFrame()).not.toContain('2029'); // scrolled off the top
    expect(lines(lastFrame()).filter((l) => /^[ >] 20\d\d /.test(l))).toHaveLength(4);
    expect(lines(lastFrame()).at(-1)).toMatch(/7\/30$/);

    await press('G', /^> 2000 /);
    stdin.write('j'); // already the oldest run: stays
    await tick();
    expect(selectedLine(lastFrame())).toMatch(/^> 2000 /);
    await press('g', /^> 2029 /);
  });

  it('quits on q: stops reacting to keys and stops polling the ledger', async () => {
    const { db } = ledgerWith(sampleRuns());
    const source = ledgerSource(db);
    const dataVersion = vi.spyOn(source, 'dataVersion');
    const { stdin, frames } = mount(source);
    await listening(stdin);
    stdin.write('q');
    await vi.waitFor(() => expect(stdin.listenerCount('readable')).toBe(0));
    const framesAtQuit = frames.length;
    const pollsAtQuit = dataVersion.mock.calls.length;
    stdin.write('j');
    await tick(100); // five poll intervals
    expect(frames.length).toBe(framesAtQuit);
    expect(dataVersion.mock.calls.length).toBe(pollsAtQuit);
  });

  it('fits a 60-column terminal: drops the least important columns, never wraps', () => {
    const { db } = ledgerWith([
      ...sampleRuns(),
      run('1005', 1, { workflow: 'a-very-long-workflow-name-for-release-trains', branch: 'feature/an-extremely-long-branch-name' }),
    ]);
    const { lastFrame } = mount(ledgerSource(db), { size: { columns: 60, rows: 12 } });
    const out = lines(lastFrame());
    expect(out).toHaveLength(11);
    for (const line of out) expect(line.length).toBeLessThanOrEqual(60);
    expect(out[1]).not.toContain('REPOSITORY');
    expect(out[1]).toMatch(/WORKFLOW/);
    expect(out[1]).toMatch(/STATE/);
    expect(out[2]).toMatch(/^> 1005 +a-very-long-\S*… +success/);
    expect(out[3]).toMatch(/^ {2}1004 +ci +failure +3m05s +2m +transient$/);
    // Every run still on its own line, in order.
    expect(out.slice(2, 7).map((l) => l.slice(2, 6))).toEqual(['1005', '1004', '1003', '1002', '1001']);
  });

  it('chooses columns by importance as the width shrinks', () => {
    const runs = sampleRuns();
    const ids = (width: number) => fitColumns(runColumns, runs, clock(), width).map((c) => c.column.id);
    expect(ids(200)).toEqual(['run', 'workflow', 'repository', 'branch', 'attempt', 'state', 'duration', 'age', 'class']);
    expect(ids(60)).not.toContain('repository');
    expect(ids(30)).toEqual(['workflow', 'state', 'age']);
    for (const width of [200, 100, 60, 40, 30]) {
      const fitted = fitColumns(runColumns, runs, clock(), width);
      expect(fitted.reduce((n, c) => n + c.width, 0) + 2 * (fitted.length - 1)).toBeLessThanOrEqual(width);
    }
  });

  it('colours states by tone, and with colour off prints no escape codes at all', () => {
    const { db } = ledgerWith(sampleRuns());
    const coloured = mount(ledgerSource(db), { color: true }).lastFrame() ?? '';
    expect(coloured).toContain(`${ESC}[31mfailure`); // red
    expect(coloured).toContain(`${ESC}[33min_progress`); // yellow
    expect(coloured).toContain(`${ESC}[32m1 ok`); // green
    const plain = mount(ledgerSource(db), { color: false }).lastFrame() ?? '';
    expect(plain).not.toContain(ESC);
    expect(selectedLine(plain)).toMatch(/^> 1004 /); // the cursor shows without colour too
  });

  it('shows a run written by another process after the next poll, without re-querying otherwise', async () => {
    const { path, db } = ledgerWith(sampleRuns());
    const source = ledgerSource(db);
    const latestRuns = vi.spyOn(source, 'latestRuns');
    const { lastFrame } = mount(source, { pollMs: 20 });
    await tick(100);
    // Nothing changed: polls read the data version only.
    expect(latestRuns.mock.calls.length).toBe(1);
    expect(lastFrame()).not.toContain('1005');

    const other = openLedger(path, { now: NOW }); // a second connection: "another process"
    try {
      runWriter(other, NOW)(run('1005', 0.5, { workflow: 'hotfix', conclusion: 'timed_out', classification: { ...transient, class: 'resource' } }));
    } finally {
      other.close();
    }
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(/^> 1005 +hotfix .* timed_out .* resource$/), { timeout: 1000 });
    expect(lines(lastFrame())[0]).toMatch(/24h: 5 runs .* 2 failed/);
    expect(lines(lastFrame()).at(-1)).toMatch(/1\/5$/);
  });

  it('says how to fill an empty ledger', () => {
    const { db } = ledgerWith([]);
    const { lastFrame } = mount(ledgerSource(db));
    expect(lastFrame()).toContain('no runs in the ledger yet');
    expect(lines(lastFrame()).at(-1)).toMatch(/0 runs$/);
  });

  it('asks for a bigger terminal rather than drawing a broken one', () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame } = mount(ledgerSource(db), { size: { columns: 20, rows: 4 } });
    expect(lastFrame()).toMatch(/^too small: 20x4/);
  });
});

describe('bin/ops-console', () => {
  it('refuses a non-TTY with one line pointing to `ops status`, exit 2', () => {
    const workspace = tempWorkspace();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ops-console'), '--workspace', workspace], {
      stdio: 'pipe',
      encoding: 'utf8',
      env: { PATH: process.env.PATH, OPS_NOW: NOW },
      timeout: 10_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'ops-console: needs an interactive terminal (stdin and stdout must be a TTY); for a text summary run: ops status\n',
    );
  });

  it('rejects an unknown flag as a usage error', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ops-console'), '--bogus'], { stdio: 'pipe', encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ops-console: Unknown option '--bogus'/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
