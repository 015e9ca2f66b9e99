import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { wrapWords } from '../views/KillswitchBanner';
import type { ConsoleSource } from '../views/source';
import { ledgerSource } from '../src/console/ledger-source';
import { GLOBAL } from '../src/killswitch/state';
import { engage, release } from '../src/actions/killswitch';
import { unreleased } from '../src/killswitch/store';
import { migrations } from '../src/ledger/migrations';
import { openLedger, type Ledger } from '../src/ledger/open';
import { runAttempts, runWriter } from '../src/runs/store';
import { cancelEntry, enqueue } from '../src/retry/queue';
import { ledgerActions } from '../src/console/ledger-actions';
import { deliveryLoop } from '../src/console/delivery-loop';
import { defaultsOf, loadConfig } from '../src/config/load';
import { FAKE_GH, ops, opsProcess } from './helpers';
import { evidenceProbe } from '../src/console/evidence-probe';
import { runFilter } from '../src/console/run-filter';
import { reconcile } from '../src/detect/alerts';
import { percent } from '../src/kpi/render';
import { acquireLease, heartbeat } from '../src/watch/lease';
import { recordJobFinish } from '../src/watch/state';
import { sparkline } from '../src/kpi/sparkline';
import { formatDuration, formatRemaining } from '../src/runs/format';
import { parseFilter } from '../views/filter';
import { keymap } from '../views/keymap';
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
    expect(out[1]).toBe('retries: 0 pending  0 failed');
    expect(out[2]).toMatch(/^ {2}RUN +WORKFLOW +REPOSITORY +BRANCH +ATT +STATE +DURATION +AGE +CLASS$/);
    expect(out[3]).toMatch(/^> 1004 +ci +acme\/web +fix\/flaky +2 +failure +3m05s +2m +transient$/);
    expect(out[4]).toMatch(/^ {2}1003 +lint .* in_progress +- +30m$/);
    expect(out[5]).toMatch(/^ {2}1002 +deploy .* cancelled /);
    expect(out[6]).toMatch(/^ {2}1001 +nightly .* success /);
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
    // rows 9: header, retry line, headings, footer and one spare line leave 4 visible runs.
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 100, rows: 9 } });
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
    // Keys that arrive in one read (typed while a frame was being drawn) each count too.
    await press('jjk', /^> 2022 /);
    stdin.write('\t\t');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/KPI workflows/));
    stdin.write('\x1b[Z\x1b[Z');
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(/^> 2022 /));

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
    expect(out[2]).not.toContain('REPOSITORY');
    expect(out[2]).toMatch(/WORKFLOW/);
    expect(out[2]).toMatch(/STATE/);
    expect(out[3]).toMatch(/^> 1005 +a-very-long-\S*… +success/);
    expect(out[4]).toMatch(/^ {2}1004 +ci +failure +3m05s +2m +transient$/);
    // Every run still on its own line, in order.
    expect(out.slice(3, 8).map((l) => l.slice(2, 6))).toEqual(['1005', '1004', '1003', '1002', '1001']);
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

  it('draws a complete first frame: the runs, the 24 h counts and the total', () => {
    const { db } = ledgerWith(sampleRuns());
    const { frames } = mount(ledgerSource(db));
    const first = lines(frames[0]);
    expect(first[0]).toMatch(/24h: 4 runs {2}1 ok {2}1 failed {2}1 active {2}1 other$/);
    expect(first[3]).toMatch(/^> 1004 +ci /);
    expect(first.at(-1)).toMatch(/q quit +1\/4$/);
  });

  it('the header says whether ops watch is alive, when sync last ran and how many retries are due; and when the watcher is dead', () => {
    const { db } = ledgerWith(sampleRuns());
    const ago = (s: number) => new Date(Date.parse(NOW) - s * 1000).toISOString().replace('.000Z', 'Z');
    expect(acquireLease(db, 'bastion:4242', Date.parse(ago(600)), 30).ok).toBe(true);
    expect(heartbeat(db, 'bastion:4242', Date.parse(ago(3)))).toBe(true);
    recordJobFinish(db, 'sync', 'bastion:4242', { startedMs: Date.parse(ago(42)), finishedMs: Date.parse(ago(41)), durationMs: 800, outcome: 'ok', summary: 'acme/api: unchanged', error: null, failures: 0, nextMs: Date.parse(ago(-79)) });
    db.transaction(() => enqueue(db, { run: runAttempts(db, '1004').at(-1)!, classification: transient, origin: 'manual', reason: 'flaky', maxAttempts: 3, now: ago(60), actor: { name: 'alice', role: 'operator' } }))();
    const { lastFrame } = mount(ledgerSource(db), { size: { columns: 150, rows: 12 } });
    expect(lines(lastFrame())[0]).toMatch(/^ops {2}\/tmp\/ws +watch: alive 3 s ago · sync 41 s ago · 1 due {2}24h: 4 runs/);
    // Its heartbeat 40 s old: past the 30 s lease.
    expect(heartbeat(db, 'bastion:4242', Date.parse(ago(40)))).toBe(true);
    const dead = mount(ledgerSource(db), { size: { columns: 150, rows: 12 } });
    expect(lines(dead.lastFrame())[0]).toContain('watch: DEAD (last heartbeat 40 s ago) · sync 41 s ago · 1 due');
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

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

interface Engaging {
  by?: string;
  reason?: string;
  /** Minutes before NOW it was engaged. */
  at?: number;
  expiresAt?: string;
}

/** Engages through the real store, as `ops killswitch` does. */
function engageAt(db: Ledger, scope: string, { by = 'alice', reason = 'deploys corrupting prod', at = 12, expiresAt }: Engaging = {}) {
  const outcome = engage(db, { scope, reason, now: minutesAgo(at), actor: { name: by, role: 'operator' }, expiresAt, idempotencyTtlSeconds: 86_400 });
  expect(outcome.action).toBe('engaged');
  return outcome;
}

function releaseAt(db: Ledger, scope: string, at = 1) {
  const outcome = release(db, { scope, reason: 'fixed', now: minutesAgo(at), actor: { name: 'bob', role: 'operator' }, idempotencyTtlSeconds: 86_400 });
  expect(outcome.action).toBe('released');
}

/** Changes this connection has made: the console must make none. */
const writesBy = (db: Ledger) => db.prepare('SELECT total_changes()').pluck().get() as number;

describe('ops-console keys: killswitch from the console, help', () => {
  const actionsFor = (db: Ledger, ghEnv: NodeJS.ProcessEnv = {}) =>
    ledgerActions(db, {
      actor: 'alice',
      now: () => NOW,
      settings: () => ({ idempotencyTtlSeconds: 60, reportsDir: join(tempWorkspace(), 'docs', 'reports'), timeZone: 'Asia/Tokyo' }),
      replaySettings: async () => ({
        config: defaultsOf('config.json'),
        policy: defaultsOf('retry-policy.json'),
        mask: (t: string) => t,
        gh: FAKE_GH,
        env: { PATH: process.env.PATH, ...ghEnv },
      }),
    });

  it('K asks the scope (all workflows first, then those the ledger knows), the expiry, the reason, then to type ENGAGE; the banner appears and the ledger agrees (same audit event as the CLI)', async () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db), size: { columns: 100, rows: 16 } });
    await listening(stdin);
    stdin.write('K');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('stop which workflows> _  (type to filter, Up/Down, Enter: pick, Esc: cancel)'));
    expect(lastFrame()).toContain('> all workflows\n  ci\n  deploy\n  lint\n  nightly');
    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^expires> _/));
    expect(lastFrame()).toContain('> none\n  30m\n  1h\n  4h');
    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('reason> _'));
    expect(lastFrame()).toMatch(/^scope: +all workflows\nexpires: none \(until released\)$/m);
    stdin.write('\r'); // a blank reason is not accepted
    await vi.waitFor(() => expect(lastFrame()).toContain('a reason is required'));
    expect(lines(lastFrame()).at(-1)).toBe('reason> _');
    stdin.write('deploys corrupting prod DB');
    await vi.waitFor(() => expect(lastFrame()).toContain('reason> deploys corrupting prod DB_'));
    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('type ENGAGE to confirm> _  (Backspace: edit, Esc: cancel)'));
    expect(lastFrame()).toMatch(/^reason: +deploys corrupting prod DB$/m);
    stdin.write('ENGAGE');
    await vi.waitFor(() => expect(lastFrame()).toContain('> ENGAGE_'));
    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame())[1]).toMatch(/^!!! KILLSWITCH ENGAGED !!! all workflows .* by alice .* reason: deploys corrupting prod DB$/));
    expect(lines(lastFrame()).at(-1)).toMatch(/^KILLSWITCH ENGAGED for all workflows by alice at 2025-11-14T00:00:00Z: deploys corrupting prod/);
    expect(unreleased(db)).toEqual([expect.objectContaining({ scope: GLOBAL, actor: 'alice', reason: 'deploys corrupting prod DB', expires_at: null })]);
    expect(db.prepare(`SELECT event, actor, role FROM audit_events ORDER BY seq DESC LIMIT 1`).get()).toEqual({ event: 'killswitch.engage', actor: 'alice', role: 'operator' });
  });

  it('K: a workflow typed in any case is the ledger\'s; a name no workflow matches is not taken; Up/Down move; a typed duration expires as --expires would', async () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db), size: { columns: 100, rows: 16 } });
    await listening(stdin);
    const say = async (text: string, expectFrame: RegExp) => {
      stdin.write(text);
      await vi.waitFor(() => expect(lastFrame()).toMatch(expectFrame));
    };
    await say('K', /^> all workflows$/m);
    await say('DEPLOYX', /^ {2}\(nothing matches\)$/m);
    await say('\r', /^no workflow the ledger knows matches "DEPLOYX": Backspace to change it$/m);
    await say('\x7f', /^> deploy$/m);
    await say('\x7f\x7f\x7f\x7f\x7f\x7f', /^> all workflows$/m);
    await say('\x1b[B', /^> ci$/m); // Down
    await say('\x1b[B', /^> deploy$/m);
    await say('\r', /^expires> _/m);
    await say('2', /^ {2}\(nothing matches\)$/m);
    await say('\r', /^not a duration: "2" \(30m, 4h, 1d, as --expires\)$/m);
    await say('h', /^> 2h$/m);
    await say('\r', /^expires: in 2h \(at 2025-11-14T02:00:00Z if engaged now\)$/m);
    await say('bad migration\r', /^type ENGAGE to confirm> _/m);
    await say('ENGAGE\r', /^KILLSWITCH ENGAGED for workflow "deploy"/m);
    expect(unreleased(db)).toEqual([expect.objectContaining({ scope: 'deploy', reason: 'bad migration', expires_at: '2025-11-14T02:00:00Z' })]);
    // Engaged: marked in K's list.
    await say('K', /^ {2}deploy {2}\(engaged\)$/m);
  });

  it('K sends the engagement to the configured webhook right away; a channel that fails says so in the status line', async () => {
    const received: { path: string; body: string }[] = [];
    let answer = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(answer).end(answer === 200 ? 'ok' : 'upstream down');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { path, db } = ledgerWith(sampleRuns());
      const ws = resolve(path, '..', '..');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/console`;
      writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ notifications: { channels: [{ name: 'oncall', type: 'webhook', url, secretEnv: 'HOOK_SECRET' }] } }));
      // A round a minute: what is tested is the delivery an action starts at once.
      const loop = deliveryLoop(db, { workspace: ws, env: { OPS_NOW: NOW, HOOK_SECRET: 'test-secret' }, everyMs: 60_000 });
      const actions = ledgerActions(db, { actor: 'alice', now: () => NOW, settings: () => ({ idempotencyTtlSeconds: 60, reportsDir: join(ws, 'docs', 'reports'), timeZone: 'Asia/Tokyo' }), replaySettings: () => Promise.reject(new Error('unused')), written: loop.kick });
      const { lastFrame, stdin } = mount(ledgerSource(db), { actions, notices: loop });
      await listening(stdin);
      stdin.write('K');
      stdin.write('\r\r'); // all workflows, no expiry
      stdin.write('prod DB corrupting\r');
      stdin.write('ENGAGE\r');
      await vi.waitFor(() => expect(received).toHaveLength(1));
      expect(received[0]!.path).toBe('/hooks/console');
      expect(JSON.parse(received[0]!.body)).toMatchObject({ event: 'killswitch.engage', title: 'Killswitch ENGAGED: all workflows', fields: { reason: 'prod DB corrupting', by: 'alice' } });
      // Settled once the answer is in (the request reaches the server first).
      await vi.waitFor(() => expect(db.prepare(`SELECT state FROM notification_deliveries`).pluck().all()).toEqual(['delivered']));

      answer = 500;
      stdin.write('X');
      stdin.write('fixed\r');
      stdin.write('RELEASE\r');
      await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^notifications: oncall: HTTP 500.*\(queued again: ops notify list\)/));
      expect(received).toHaveLength(2);
      loop.stop();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('K with a workspace config that cannot be read still engages, and says which file and what is wrong', async () => {
    const { path, db } = ledgerWith(sampleRuns());
    const ws = resolve(path, '..', '..');
    writeFileSync(join(ws, '.ops', 'config.json'), '{"reportsDir": 5');
    const actions = ledgerActions(db, {
      actor: 'alice',
      now: () => NOW,
      settings: () => {
        const config = loadConfig(ws, 'config.json').value;
        return { idempotencyTtlSeconds: config.idempotencyTtlSeconds, reportsDir: join(ws, config.reportsDir), timeZone: config.timezone };
      },
      replaySettings: () => Promise.reject(new Error('unused')),
    });
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions, size: { columns: 200, rows: 12 } });
    await listening(stdin);
    stdin.write('K');
    stdin.write('\r\r');
    stdin.write('prod on fire\r');
    stdin.write('ENGAGE\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^KILLSWITCH ENGAGED for all workflows by alice .*\(killswitch log not written: \.ops\/config\.json: invalid JSON: /));
    expect(unreleased(db)).toMatchObject([{ scope: '*', reason: 'prod on fire', actor: 'alice' }]);
  });

  it('a wrong confirmation asks again, keeping the reason (Backspace goes back to edit it); Esc changes nothing; X releases with its own word', async () => {
    const { db, path } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db) });
    await listening(stdin);
    const say = async (text: string, expectLast: RegExp) => {
      stdin.write(text);
      await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(expectLast));
    };
    await say('K', /^stop which workflows> _/);
    await say('\r\r', /^reason> _$/);
    await say('x', /reason> x_/);
    await say('\r', /type ENGAGE/);
    await say('engage', /> engage_/);
    await say('\r', /^type ENGAGE to confirm> _/);
    expect(lastFrame()).toMatch(/^"engage" is not ENGAGE: type ENGAGE \(capitals\) to go ahead, Esc to cancel$/m);
    expect(lastFrame()).toMatch(/^reason: +x$/m);
    expect(unreleased(db)).toEqual([]);
    await say('\x7f', /^reason> x_$/); // Backspace on the empty word: the reason, to edit
    await say('yz\r', /^type ENGAGE to confirm> _/);
    expect(lastFrame()).toMatch(/^reason: +xyz$/m);
    await say('\x1b', /^cancelled: nothing changed/);
    expect(unreleased(db)).toEqual([]);
    await say('X', /^the killswitch is not engaged: nothing to release/);

    // Engaged by another process: the console sees it, and X has exactly that to release.
    const other = openLedger(path);
    dbs.push(other);
    engage(other, { scope: GLOBAL, reason: 'incident', now: NOW, actor: { name: 'bob', role: 'operator' }, idempotencyTtlSeconds: 60 });
    await vi.waitFor(() => expect(lastFrame()).toContain('KILLSWITCH ENGAGED'));
    await say('X', /^reason> _$/);
    expect(lastFrame()).toMatch(/^scope: +all workflows$/m);
    await say('fixed', /reason> fixed_/);
    await say('\r', /type RELEASE to confirm/);
    await say('RELEASE', /> RELEASE_/);
    await say('\r', /^killswitch released for all workflows by alice/);
    expect(unreleased(db)).toEqual([]);
  });

  it('keys typed right after K, or pasted with Enter, are not lost', async () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db) });
    await listening(stdin);
    stdin.write('K');
    stdin.write('\r\rquick reason\r'); // no wait for the prompt to be drawn
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('type ENGAGE to confirm> _  (Backspace: edit, Esc: cancel)'));
    expect(lastFrame()).toMatch(/^reason: +quick reason$/m);
    stdin.write('ENGAGE\r');
    await vi.waitFor(() => expect(unreleased(db)).toEqual([expect.objectContaining({ reason: 'quick reason' })]));
  });

  it('a reason longer than the screen wraps inside the prompt\'s box; the input line stays the last row and the frame fits', async () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db), size: { columns: 80, rows: 24 } });
    await listening(stdin);
    const reason = 'word '.repeat(400) + 'END';
    stdin.write('K');
    stdin.write('\r\r' + reason);
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/END_$/));
    expect(lastFrame()).toMatch(/^\(\d+ rows above\)$/m);
    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('type ENGAGE to confirm> _  (Backspace: edit, Esc: cancel)'));
    expect(lastFrame()).toMatch(/^\(\d+ more rows; Backspace to see and edit\)$/m);
    for (const frame of [lastFrame()!]) {
      expect(lines(frame)).toHaveLength(23);
      for (const l of lines(frame)) expect(l.length).toBeLessThanOrEqual(80);
    }
    stdin.write('ENGAGE\r');
    await vi.waitFor(() => expect(unreleased(db)).toEqual([expect.objectContaining({ reason: reason.trim() })]));
  });

  it('Tab moves to the retry queue panel (countdown, attempt n/max, class), the KPIs and the audit tickets; Shift-Tab back', async () => {
    const failed = (id: string, m: number) => run(id, m, { workflow: 'ci', conclusion: 'failure', classification: transient });
    const { db } = ledgerWith([failed('3001', 20), failed('3002', 10)]);
    const actor = { name: 'alice', role: 'operator' };
    db.transaction(() => {
      enqueue(db, { run: runAttempts(db, '3001').at(-1)!, classification: transient, origin: 'auto', reason: 'x', maxAttempts: 3, now: NOW, actor });
      enqueue(db, { run: runAttempts(db, '3002').at(-1)!, classification: transient, origin: 'auto', reason: 'x', maxAttempts: 3, now: minutesAgo(-2), actor });
    })();
    engage(db, { scope: GLOBAL, reason: 'storm', now: minutesAgo(1), actor, idempotencyTtlSeconds: 60 });
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 120, rows: 16 } });
    await listening(stdin);
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +STATE +RUN +WORKFLOW +ATTEMPT +NEXT +CLASS/));
    const rows = lines(lastFrame()).filter((l) => /^[ >] +\d+ +(pending|held)/.test(l));
    expect(rows[0]).toMatch(/^> +1 +pending +3001 +ci +0\/3 +due +transient/);
    expect(rows[1]).toMatch(/^ +2 +pending +3002 +ci +0\/3 +in 2m00s +transient/);
    expect(lines(lastFrame()).at(-1)).toMatch(/Retry queue 1\/2$/);
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/KPIs 7d: +success /));
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +SEVERITY +STATE/));
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/TICKET +RISK +KIND +HTTP +TITLE/));
    expect(lastFrame()).toMatch(/20251114_085900 +high +killswitch +- +Killswitch engaged for all workflows by alice: storm/);
    expect(lines(lastFrame()).at(-1)).toMatch(/Audit tickets 1\/1$/);
    stdin.write('\x1b[Z'); // Shift-Tab
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +SEVERITY +STATE/));
    stdin.write('\x1b[Z');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/KPIs 7d: +success /));
    stdin.write('\x1b[Z');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +STATE +RUN/));
  });

  it('an alert opened by ops detect in another process shows in the header and the alerts panel at once; resolved, it leaves the header', async () => {
    const deployFailed = (id: string, m: number) => run(id, m, { workflow: 'deploy', conclusion: 'failure', classification: transient });
    const { path, db } = ledgerWith([deployFailed('4001', 30), deployFailed('4002', 20), deployFailed('4003', 10), run('4004', 5, { workflow: 'ci' })]);
    const ws = resolve(path, '..', '..');
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 120, rows: 14 } });
    await listening(stdin);
    expect(lines(lastFrame())[0]).not.toMatch(/alert/);

    const detected = await ops(['detect', '--workspace', ws]);
    expect(detected.code).toBe(0);
    await vi.waitFor(() => expect(lines(lastFrame())[0]).toMatch(/ {2}1 open alert \(1 critical\) {2}24h: 4 runs/));

    for (let i = 0; i < 3; i++) stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +SEVERITY +STATE +AGE +RULE +SUMMARY +ACTION/));
    expect(selectedLine(lastFrame())).toMatch(/^> +#1 +CRITICAL +open +0s +consecutive_failures +deploy \(acme\/web\): the last 3 runs failed .* +Rollback pr/);
    // Cut in the table; in full on Enter, the proposal wrapped rather than cut.
    stdin.write('\r');
    await vi.waitFor(() => expect(lastFrame()).toContain('alert #1  CRITICAL  open  consecutive_failures  acme/web:deploy'));
    const text = lines(lastFrame()).join(' ').replace(/ +/g, ' ');
    expect(text).toContain('deploy (acme/web): the last 3 runs failed (4003, 4002, 4001)');
    expect(text).toMatch(/action: propose_rollback: Rollback proposed.*no snapshot/);
    expect(text).toContain('runs: ["4003","4002","4001"]');
    stdin.write(ESC);
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +SEVERITY +STATE/));
    expect(lines(lastFrame()).at(-1)).toMatch(/Alerts 1\/1$/);

    // A success of the same workflow ends the streak: detection resolves the alert.
    const other = openLedger(path);
    runWriter(other, NOW)(run('4005', 1, { workflow: 'deploy' }));
    other.close();
    expect((await ops(['detect', '--workspace', ws])).code).toBe(0);
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(/^> +#1 +critical +resolved +0s +consecutive_failures /));
    expect(lines(lastFrame())[0]).not.toMatch(/alert/);
  });

  it('the alerts panel says when there are none; open alerts come before resolved ones, most severe first', async () => {
    const { path, db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 120, rows: 14 } });
    await listening(stdin);
    for (let i = 0; i < 3; i++) stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toContain('no alerts: detection has found nothing (ops detect)'));
    const finding = (rule: string, workflow: string, severity: 'critical' | 'warning', summary: string) =>
      ({ rule, subject: `acme/web:${workflow}`, severity, summary, action: 'alert', scope: workflow, facts: {} }) as const;
    const stale = finding('stale_runs', 'lint', 'warning', 'lint: 1 run queued for 2h');
    const rate = finding('failure_rate', 'ci', 'critical', 'ci: 60% failed');
    // Another connection, as ops detect in another process: the console notices by polling.
    const other = openLedger(path);
    reconcile(other, [stale, rate], minutesAgo(90), () => null);
    reconcile(other, [stale], minutesAgo(40), () => null);
    reconcile(other, [stale, finding('consecutive_failures', 'deploy', 'critical', 'deploy: the last 3 runs failed')], minutesAgo(20), () => null);
    other.close();
    await vi.waitFor(() => expect(lines(lastFrame()).filter((l) => /#\d/.test(l)).map((l) => l.match(/#\d+ +\S+ +\S+/)![0].replace(/ +/g, ' '))).toEqual(['#3 CRITICAL open', '#1 WARNING open', '#2 critical resolved']));
    expect(lines(lastFrame())[0]).toMatch(/2 open alerts \(1 critical\)/);
  });

  it('r on the retry queue replays the selected entry now through the replay engine', async () => {
    const { db } = ledgerWith([run('3001', 20, { workflow: 'ci', conclusion: 'failure', classification: transient })]);
    db.transaction(() => enqueue(db, { run: runAttempts(db, '3001').at(-1)!, classification: transient, origin: 'auto', reason: 'x', maxAttempts: 3, now: minutesAgo(-10), actor: { name: 'ops', role: 'system' } }))();
    const dir = tempWorkspace();
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ rerun: { '*': [{ exit: 0 }] } }));
    const ghEnv = { FAKE_GH_SCENARIO: join(dir, 'scenario.json'), FAKE_GH_LOG: join(dir, 'gh.log') };
    const { lastFrame, stdin } = mount(ledgerSource(db), { actions: actionsFor(db, ghEnv), size: { columns: 120, rows: 16 } });
    await listening(stdin);
    stdin.write('r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^r replays a retry: Tab to the retry queue first/));
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/> +1 +pending +3001 +ci +0\/3 +in 10m00s/));
    stdin.write('r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^#1 run 3001 \(ci\) attempt 1\/3: recovered/), { timeout: 5000 });
    await vi.waitFor(() => expect(lastFrame()).toMatch(/> +1 +completed +3001/));
    expect(readFileSync(join(dir, 'gh.log'), 'utf8')).toContain('run rerun 3001 --failed');
  });

  it('Enter shows the selected run in full (attempts, failure and action, retries, evidence sha256 status); Esc goes back', async () => {
    const { db, path } = ledgerWith(sampleRuns());
    const reports = join(path, '..', '..', 'docs', 'reports');
    mkdirSync(join(reports, '2025-11-14'), { recursive: true });
    writeFileSync(join(reports, '2025-11-14', 'job.log'), 'log\n');
    const sha = createHash('sha256').update('log\n').digest('hex');
    db.prepare(`INSERT INTO evidence_artifacts (run_id, attempt, name, kind, path, bytes, sha256, status, collected_at) VALUES ('1004', 2, 'job.log', 'log', '2025-11-14/job.log', 4, ?, 'collected', ?)`).run(sha, NOW);
    db.prepare(`INSERT INTO evidence_artifacts (run_id, attempt, name, kind, path, bytes, sha256, status, collected_at) VALUES ('1004', 2, 'gone.log', 'log', '2025-11-14/gone.log', 4, ?, 'collected', ?)`).run(sha, NOW);
    const { lastFrame, stdin } = mount(ledgerSource(db, { reportsDir: () => reports }), { size: { columns: 140, rows: 20 } });
    await listening(stdin);
    stdin.write('\r');
    await vi.waitFor(() => expect(lastFrame()).toContain('run 1004  ci  acme/web  fix/flaky'));
    const frame = lastFrame()!;
    expect(frame).toMatch(/#2 +failure +3m05s/);
    expect(frame).toMatch(/failure: transient .*: /);
    expect(frame).toMatch(/action: /);
    expect(frame).toContain('retries by ops: none');
    expect(frame).toMatch(new RegExp(`ok +${sha.slice(0, 12)} +4 +job\\.log`));
    expect(frame).toMatch(/missing +\w{12} +4 +gone\.log/);
    stdin.write('\x1b');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/RUN +WORKFLOW/));
  });

  it('Enter on the retry queue opens the entry: its attempts (times, outcome, exit/HTTP/class), error and cause, the evidence paths; Enter on a ticket shows its Markdown as text, scrolled by j/G; q and Esc go back', async () => {
    const { db, path } = ledgerWith([run('3001', 20, { workflow: 'ci', conclusion: 'failure', classification: transient })]);
    const actor = { name: 'alice', role: 'operator' };
    const { entry } = db.transaction(() => enqueue(db, { run: runAttempts(db, '3001').at(-1)!, classification: transient, origin: 'auto', reason: 'x', maxAttempts: 3, now: minutesAgo(15), actor }))();
    db.prepare(
      `INSERT INTO retry_attempts (entry_id, run_id, workflow, attempt, idempotency_key, owner, command, started_at, finished_at, duration_ms, outcome, exit_code, http_status, error, classification)
       VALUES (?, '3001', 'ci', 1, 'retry:3001:1', 'me', '[]', ?, ?, 5000, 'rerun_failed', 1, 503, 'HTTP 503: Service Unavailable from api.github.com', ?)`,
    ).run(entry.id, minutesAgo(10), minutesAgo(10), JSON.stringify(transient));
    db.prepare(`INSERT INTO evidence_artifacts (run_id, attempt, name, kind, path, bytes, sha256, status, collected_at) VALUES ('3001', 1, 'job.log', 'log', '2025-11-14/logs/3001/job.log', 4, 'abc', 'collected', ?)`).run(NOW);
    engage(db, { scope: GLOBAL, reason: 'storm', now: minutesAgo(1), actor, idempotencyTtlSeconds: 60 });
    const reports = join(path, '..', '..', 'docs', 'reports');
    const { lastFrame, stdin } = mount(ledgerSource(db, { reportsDir: () => reports }), { size: { columns: 80, rows: 24 } });
    await listening(stdin);
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^> +1 +pending +3001/m));
    stdin.write('\r');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^retry #1 {2}run 3001 attempt 1 {2}ci {2}acme\/web$/m));
    const frame = lastFrame()!;
    expect(frame).toMatch(/^state: pending +attempt 0\/3/m);
    expect(frame).toMatch(/^class: transient \(HTTP 503\) +risk low +retryable$/m);
    expect(frame).toMatch(/^cause: upstream unavailable$/m);
    // Wrapped at 80 columns under itself, not cut.
    expect(frame).toMatch(/^ {2}#1 {2}rerun_failed +2025-11-13T23:50:00Z -> 2025-11-13T23:50:00Z {2}5s {2}exit 1,\n {4}HTTP 503, transient$/m);
    expect(frame).toMatch(/^ {6}error: HTTP 503: Service Unavailable from api\.github\.com$/m);
    expect(frame).toMatch(/^ {2}missing +abc +4 {2}2025-11-14\/logs\/3001\/job\.log$/m);
    expect(lines(frame).at(-1)).toMatch(/Retry #1 line 1\/\d+$/);
    for (const l of lines(frame)) expect(l.length).toBeLessThanOrEqual(80);
    stdin.write('q'); // back, not quit
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^> +1 +pending +3001/m));

    for (let i = 0; i < 3; i++) stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/TICKET +RISK/));
    stdin.write('\r');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^audit_ticket_20251114_085900: Killswitch engaged for all workflows by alice:\n {2}storm\n\nfield +value$/m));
    expect(lastFrame()).toMatch(/^risk +high$/m);
    expect(lastFrame()).toMatch(/^Recommended action\n\nfind and fix /m);
    expect(lastFrame()).not.toContain('|');
    expect(lines(lastFrame()).at(-1)).toMatch(/Ticket line 1\/(\d+)$/);
    stdin.write('j');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/Ticket line 2\/\d+$/));
    stdin.write('G');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^No evidence files were collected for this incident\.$/m));
    stdin.write('\x1b');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/TICKET +RISK/));
  });

  it('shows the time left of an expiry in hours and minutes, never rounded up', () => {
    const at = (ms: number) => formatRemaining(new Date(Date.parse(NOW) + ms).toISOString(), Date.parse(NOW));
    expect(at(2 * 3600_000)).toBe('2h00m');
    expect(at(2 * 3600_000 - 30_000)).toBe('1h59m');
    expect(at(3600_000 - 1000)).toBe('59m');
    expect(at(59_999)).toBe('59s');
    expect(at(25 * 3600_000)).toBe('1d01h00m');
    expect(at(-5000)).toBe('0s');
  });

  it('? lists every key from the same table that handles them; without actions K says the console is read-only', async () => {
    const { db } = ledgerWith(sampleRuns());
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 120, rows: 20 } });
    await listening(stdin);
    stdin.write('?');
    await vi.waitFor(() => expect(lastFrame()).toContain('next panel: runs, retry queue, KPIs, alerts, audit tickets'));
    for (const k of keymap) expect(lastFrame()).toContain(`${k.label}  `);
    stdin.write(' '); // any key closes it
    await vi.waitFor(() => expect(lastFrame()).not.toContain('next panel'));
    stdin.write('K');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/^read-only console: use ops killswitch in a shell/));
  });
});

describe('ops-console retry queue line', () => {
  it('counts the queue by state, says what is due or when the next is, and re-reads when another process writes', async () => {
    const failed = (id: string, m: number) => run(id, m, { workflow: 'ci', conclusion: 'failure', classification: transient });
    const { db: own, path } = ledgerWith([failed('3001', 20), failed('3002', 10), failed('3003', 5)]);
    // Writes come from another connection, as from another ops process.
    const db = openLedger(path, { now: NOW });
    dbs.push(db);
    const actor = { name: 'alice', role: 'operator' };
    const queue = (id: string, now: string) =>
      db.transaction(() => enqueue(db, { run: runAttempts(db, id).at(-1)!, classification: transient, origin: 'manual', reason: 'x', maxAttempts: 3, now, actor }))();
    queue('3001', NOW);
    queue('3002', minutesAgo(-1)); // due a minute from now
    const { lastFrame } = mount(ledgerSource(own));
    expect(lines(lastFrame())[1]).toBe('retries: 2 pending  1 due now  0 failed');

    db.transaction(() => cancelEntry(db, 1, 'not needed', NOW, actor))();
    await vi.waitFor(() => expect(lines(lastFrame())[1]).toBe('retries: 1 pending  next in 1m00s  0 failed  1 cancelled'));

    // The killswitch holds what is queued: said in the same line.
    db.transaction(() => engage(db, { scope: GLOBAL, reason: 'storm', now: NOW, actor, idempotencyTtlSeconds: 60 }))();
    db.prepare('UPDATE retry_queue SET held_by = 1 WHERE id = 2').run();
    await vi.waitFor(() => expect(lastFrame()).toContain('retries: 1 pending  next in 1m00s  1 held by killswitch  0 failed'));
  });

  it('shows the latest rollback and its outcome beside the queue', () => {
    const { db } = ledgerWith(sampleRuns());
    db.prepare(`INSERT INTO sagas (kind, state, actor, reason, subject, started_at) VALUES ('rollback', 'completed', 'alice', 'bad release', '3', ?)`).run(minutesAgo(5));
    expect(lines(mount(ledgerSource(db)).lastFrame())[1]).toBe('retries: 0 pending  0 failed  rollback #1 completed 5m00s ago');
  });

  it('an old ledger without a retry queue shows a dash, not an error', () => {
    const source: ConsoleSource = { ...ledgerSource(ledgerWith(sampleRuns()).db), retryQueue: () => null };
    expect(lines(mount(source).lastFrame())[1]).toBe('retries: -');
  });
});

describe('ops-console killswitch banner', () => {
  it('shows a global engagement first, in bold white on red across the full width: scope, who, since, why', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, GLOBAL, { by: 'alice', at: 12, reason: 'deploys corrupting prod' });
    const out = lines(mount(ledgerSource(db), { color: true, size: { columns: 140, rows: 12 } }).lastFrame());
    expect(out[0]).toContain(`${ESC}[41m`); // red background
    expect(out[0]).toContain(`${ESC}[1m`); // bold
    expect(out[0]).toContain(`${ESC}[97m`); // bright white
    const banner = stripAnsi(out[0]!);
    expect(banner).toMatch(/^ ■ KILLSWITCH ENGAGED — all workflows — by alice since 2025-11-13T23:48:00Z \(12m ago\) — reason: deploys corrupting prod +$/);
    expect(banner).toHaveLength(140); // the red runs edge to edge
    expect(stripAnsi(out[1]!)).toMatch(/^ops {2}\/tmp\/ws +24h: 4 runs/);
    expect(stripAnsi(out[3]!)).toMatch(/^ {2}RUN +WORKFLOW/);
    expect(out).toHaveLength(11);
    cleanup();

    // Narrower: the exact time gives way to the relative one, so the reason still fits.
    const narrow = stripAnsi(lines(mount(ledgerSource(db), { color: true, size: { columns: 100, rows: 12 } }).lastFrame())[0]!);
    expect(narrow).toMatch(/^ ■ KILLSWITCH ENGAGED — all workflows — by alice 12m ago — reason: deploys corrupting prod +$/);
    expect(narrow).toHaveLength(100);
  });

  it('lists the global engagement before scoped ones, each scoped one naming its workflow, with its expiry', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, 'deploy', { by: 'bob', at: 30, reason: 'bad migration', expiresAt: '2025-11-14T00:30:00Z' });
    engageAt(db, GLOBAL, { by: 'alice', at: 5, reason: 'incident 42' });
    const source = ledgerSource(db);
    expect(source.activeKillswitch(NOW).map((e) => e.scope)).toEqual([GLOBAL, 'deploy']);
    const out = lines(mount(source, { size: { columns: 160, rows: 14 } }).lastFrame());
    expect(out[0]).toBe('!'.repeat(160));
    expect(out[1]).toMatch(/^!!! KILLSWITCH ENGAGED !!! all workflows — by alice since 2025-11-13T23:55:00Z \(5m ago\) — reason: incident 42$/);
    expect(out[2]).toMatch(
      /^!!! KILLSWITCH ENGAGED !!! workflow "deploy" — by bob since 2025-11-13T23:30:00Z \(30m ago\), expires 2025-11-14T00:30:00Z \(in 30m\) — reason: bad migration$/,
    );
    expect(out[3]).toBe('!'.repeat(160));
    expect(out[4]).toMatch(/^ops {2}\/tmp\/ws/);
    cleanup();

    // Where one line would not fit with exact times, every line gives them up: they read alike.
    const narrow = lines(mount(source, { size: { columns: 110, rows: 14 } }).lastFrame());
    expect(narrow[1]).toBe('!!! KILLSWITCH ENGAGED !!! all workflows — by alice 5m ago — reason: incident 42');
    expect(narrow[2]).toBe('!!! KILLSWITCH ENGAGED !!! workflow "deploy" — by bob 30m ago, expires in 30m — reason: bad migration');
  });

  it('orders scoped engagements by when they were engaged', () => {
    const { db } = ledgerWith([]);
    engageAt(db, 'b', { at: 30 });
    engageAt(db, 'a', { at: 20 });
    engageAt(db, GLOBAL, { at: 10 });
    engageAt(db, 'c', { at: 5 });
    expect(ledgerSource(db).activeKillswitch(NOW).map((e) => e.scope)).toEqual([GLOBAL, 'b', 'a', 'c']);
  });

  it('shows no banner once released', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, GLOBAL, { at: 12 });
    engageAt(db, 'deploy', { at: 10 });
    releaseAt(db, GLOBAL);
    releaseAt(db, 'deploy');
    const frame = mount(ledgerSource(db)).lastFrame();
    expect(frame).not.toContain('KILLSWITCH');
    expect(frame).not.toContain('!!!');
    expect(lines(frame)[0]).toMatch(/^ops {2}\/tmp\/ws/);
    expect(lines(frame)).toHaveLength(11);
  });

  it('shows no banner for an engagement past its expiry, though nobody has swept it, and does not sweep it either', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, GLOBAL, { at: 60, expiresAt: minutesAgo(30) });
    const writes = writesBy(db);
    const frame = mount(ledgerSource(db)).lastFrame();
    expect(frame).not.toContain('KILLSWITCH');
    expect(lines(frame)[0]).toMatch(/^ops /);
    // Still recorded as unreleased: sweeping is a write (with an audit event), not the console's job.
    expect(unreleased(db)).toHaveLength(1);
    expect(writesBy(db)).toBe(writes);
  });

  it('takes the banner down when the expiry passes on the clock, with no write to notice', async () => {
    const { db } = ledgerWith(sampleRuns());
    let at = Date.parse(NOW);
    engageAt(db, 'deploy', { at: 1, reason: 'bad deploy', expiresAt: '2025-11-14T00:00:02Z' });
    const source = ledgerSource(db);
    const dataVersion = source.dataVersion();
    const { lastFrame } = mount(source, { clock: () => at });
    expect(lines(lastFrame())[1]).toMatch(/^!!! KILLSWITCH ENGAGED !!! workflow "deploy" .* by alice 1m ago, expires in 2s — reason: bad deploy$/);
    at += 2_000; // exactly the expiry: no longer in force
    await vi.waitFor(() => expect(lastFrame()).not.toContain('KILLSWITCH'), { timeout: 3000 });
    expect(lines(lastFrame())[0]).toMatch(/^ops /);
    expect(lines(lastFrame())).toHaveLength(11);
    expect(source.dataVersion()).toBe(dataVersion);
  });

  it('with colour off prints no escape codes, the banner framed by rules of !', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, GLOBAL, { reason: 'deploys corrupting prod' });
    const frame = mount(ledgerSource(db), { color: false }).lastFrame() ?? '';
    expect(frame).not.toContain(ESC);
    const out = lines(frame);
    expect(out[0]).toBe('!'.repeat(100));
    expect(out[1]).toBe('!!! KILLSWITCH ENGAGED !!! all workflows — by alice 12m ago — reason: deploys corrupting prod');
    expect(out[2]).toBe('!'.repeat(100));
    expect(out).toHaveLength(11);
  });

  it('shows an engagement made by another process after the next poll, and takes it down on its release', async () => {
    const { path, db } = ledgerWith(sampleRuns());
    const { lastFrame } = mount(ledgerSource(db), { pollMs: 20 });
    await tick(60);
    expect(lastFrame()).not.toContain('KILLSWITCH');

    const other = openLedger(path, { now: NOW }); // a second connection: "another process"
    try {
      engageAt(other, 'deploy', { by: 'carol', at: 1, reason: 'runaway retries' });
      await vi.waitFor(() => expect(lines(lastFrame())[1]).toMatch(/^!!! KILLSWITCH ENGAGED !!! workflow "deploy" — by carol 1m ago — reason: runaway retries$/), {
        timeout: 1000,
      });
      expect(lines(lastFrame())).toHaveLength(11);
      releaseAt(other, 'deploy', 0.5);
      await vi.waitFor(() => expect(lastFrame()).not.toContain('KILLSWITCH'), { timeout: 1000 });
      expect(lines(lastFrame())[0]).toMatch(/^ops /);
    } finally {
      other.close();
    }
  });

  it('takes its rows from the runs table: the screen still fits the terminal, and scrolling follows the smaller window', async () => {
    const { db } = ledgerWith(Array.from({ length: 30 }, (_, i) => run(String(2000 + i), 100 - i)));
    engageAt(db, GLOBAL, { at: 12 });
    engageAt(db, 'deploy', { at: 10 });
    engageAt(db, 'release', { at: 8 });
    const runRows = (frame: string | undefined) => lines(stripAnsi(frame ?? '')).filter((l) => /^[ >] 20\d\d /.test(l));

    // Colour: three banner lines; header, retry line, headings, footer; four runs.
    const coloured = mount(ledgerSource(db), { color: true }).lastFrame();
    expect(lines(coloured)).toHaveLength(11);
    expect(runRows(coloured)).toHaveLength(4);
    expect(lines(stripAnsi(coloured ?? '')).slice(0, 3).map((l) => l.slice(0, 21))).toEqual(Array(3).fill(' ■ KILLSWITCH ENGAGED'));
    cleanup();

    // No colour, same screen: the rules take two more rows, so the third engagement is summed up.
    const { lastFrame, stdin } = mount(ledgerSource(db));
    const out = lines(lastFrame());
    expect(out).toHaveLength(11);
    expect(out[1]).toMatch(/^!!! KILLSWITCH ENGAGED !!! all workflows /);
    expect(out[2]).toBe('!!! +2 more engaged !!!: workflow "deploy", workflow "release" (see ops killswitch status)');
    expect(out[3]).toBe('!'.repeat(100));
    expect(runRows(lastFrame())).toHaveLength(3);

    await listening(stdin);
    for (let i = 0; i < 6; i++) stdin.write('j');
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(/^> 2023 /));
    expect(runRows(lastFrame())).toHaveLength(3);
    expect(lines(lastFrame())).toHaveLength(11);
    expect(lines(lastFrame()).at(-1)).toMatch(/7\/30$/);
  });

  it('on a narrow terminal gives the reason rows of its own: wrapped in full when they fit, else one row cut; never wrapped by the terminal', () => {
    const { db } = ledgerWith(sampleRuns());
    const reason = 'a long explanation of what went wrong\nwith a newline in it, which must not break the line, see INC-4411';
    engageAt(db, GLOBAL, { reason });
    const banner = (color: boolean) => {
      const out = lines(stripAnsi(mount(ledgerSource(db), { color, size: { columns: 60, rows: 12 } }).lastFrame() ?? ''));
      cleanup();
      expect(out).toHaveLength(11);
      for (const line of out) expect(line.length).toBeLessThanOrEqual(60);
      const at = out.findIndex((l) => l.includes('KILLSWITCH ENGAGED'));
      expect(out[at]).toMatch(/KILLSWITCH ENGAGED.* all workflows — by alice 12m ago *$/);
      return out.slice(at + 1);
    };
    // Colour: four rows for the banner; the reason takes three, whole, broken at spaces.
    const [first, second, third, next] = banner(true);
    expect(first).toMatch(/^ {3}reason: a long explanation of what went wrong with a +$/);
    expect(second).toMatch(/^ {3}newline in it, which must not break the line, see *$/);
    expect(third).toMatch(/^ {3}INC-4411 *$/);
    expect(next).toMatch(/^ops /);
    // No colour: the rules leave two rows, so the reason has one, cut.
    const [only, rule] = banner(false);
    expect(only).toMatch(/^!!! reason: a long explanation of what went wrong .*…$/);
    expect(only).toHaveLength(60);
    expect(rule).toBe('!'.repeat(60));
  });

  it('wraps words to rows, splitting only a word longer than a row', () => {
    expect(wrapWords('reason: deploys corrupting prod', 12)).toEqual(['reason:', 'deploys', 'corrupting', 'prod']);
    expect(wrapWords('a bb ccc', 4)).toEqual(['a bb', 'ccc']);
    expect(wrapWords('see https://example.com/INC-4411', 10)).toEqual(['see', 'https://ex', 'ample.com/', 'INC-4411']);
  });

  it('says the killswitch is engaged even when the terminal is too small for the console', () => {
    const { db } = ledgerWith(sampleRuns());
    engageAt(db, 'deploy');
    const { lastFrame } = mount(ledgerSource(db), { size: { columns: 60, rows: 5 } });
    expect(lastFrame()).toBe('!!! KILLSWITCH ENGAGED !!! workflow "deploy" | too small: 60x5, needs 30x7');
  });

  it('reads a ledger older than the killswitch (no table) as nothing engaged', () => {
    const path = join(tempWorkspace(), '.ops', 'ledger.db');
    const db = openLedger(path, { create: true, now: NOW, migrations: migrations.slice(0, 1) });
    dbs.push(db);
    const source = ledgerSource(db);
    expect(source.activeKillswitch(NOW)).toEqual([]);
    const out = lines(mount(source).lastFrame());
    expect(out[0]).toMatch(/^ops /);
    expect(out.at(-1)).toMatch(/q quit +0 runs$/); // no error in the footer
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

describe('ops-console KPI panel', () => {
  it('shows what `ops kpi --json` computes for the same ledger and clock: each KPI with its target and status, the 7-day sparkline, per-workflow rows that scroll', async () => {
    const ws = tempWorkspace();
    expect((await ops(['demo', ws, '--runs', '400', '--days', '8'])).code).toBe(0);
    const cli = opsProcess(['kpi', '--json', '--workspace', ws]);
    expect(cli.code).toBe(0);
    const k = JSON.parse(cli.stdout);
    const target = (name: string) => k.targets.find((t: { name: string }) => t.name === name);

    const db = openLedger(join(ws, '.ops', 'ledger.db'), { now: NOW });
    dbs.push(db);
    const source = ledgerSource(db);
    const kpis = vi.spyOn(source, 'kpis');
    const { lastFrame, frames, stdin } = mount(source, { size: { columns: 120, rows: 32 } });
    await listening(stdin);
    // Not before the first frame, not on the polls of a console on another panel.
    await tick(100);
    expect(kpis).not.toHaveBeenCalled();

    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +STATE +RUN/));
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^KPI +VALUE +TARGET +STATUS$/m), { timeout: 3000 });
    expect(frames.some((f) => f.includes('KPIs of the last 7 days: computing…'))).toBe(true);
    expect(kpis).toHaveBeenCalledTimes(1);
    expect(kpis).toHaveBeenCalledWith(clock(), 7);

    const out = lines(lastFrame());
    const row = (label: string) => out.find((l) => l.startsWith(label + ' ')) ?? '';
    expect(out.find((l) => l.startsWith('KPIs of the last 7 days'))).toBe(`KPIs of the last 7 days: ${k.since} – ${k.until}, ${k.runs} runs`);
    const ok = (name: string) => target(name).status;
    expect(row('success rate')).toMatch(new RegExp(`^success rate +${percent(k.success_rate)} +≥ ${percent(target('success_rate').target)} +${ok('success_rate')}$`));
    expect(row('duration p95')).toMatch(new RegExp(`^duration p95 +${formatDuration(k.duration_ms.p95)} +≤ ${formatDuration(target('duration_p95_ms').target)} +${ok('duration_p95_ms')}$`));
    expect(row('retries')).toMatch(new RegExp(`^retries +${k.retries.total}$`));
    expect(row('retries per failed run')).toMatch(new RegExp(`^retries per failed run +${k.retries.per_failed_run.toFixed(2)}$`));
    expect(row('retry success rate')).toMatch(new RegExp(`^retry success rate +${percent(k.retries.success_rate)} +≥ ${percent(target('retry_success_rate').target)} +${ok('retry_success_rate')}$`));
    expect(row('MTTR')).toMatch(new RegExp(`^MTTR +${formatDuration(k.mttr_ms)} +≤ ${formatDuration(target('mttr_ms').target)} +${ok('mttr_ms')}$`));
    expect(row('killswitch engagements')).toMatch(new RegExp(`^killswitch engagements +${k.killswitch_engagements}$`));
    const trend = sparkline(k.daily.map((d: { success_rate: number | null }) => d.success_rate));
    expect(out.find((l) => l.startsWith('success 7d '))).toContain(`success 7d ${trend}  `);

    // Per workflow, in `ops kpi`'s order; the first selected, the rest a cursor move away.
    const wf = (w: { workflow: string; runs: number; success_rate: number | null; duration_ms: { p95: number | null } }) =>
      new RegExp(`^[ >] ${w.workflow.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${w.runs} +${percent(w.success_rate).replace('.', '\\.')} +${formatDuration(w.duration_ms.p95)} `);
    expect(out.find((l) => l.includes('WORKFLOW'))).toMatch(/^ {2}WORKFLOW +RUNS +SUCCESS +P95 /);
    expect(selectedLine(lastFrame())).toMatch(wf(k.workflows[0]));
    for (const w of k.workflows.slice(1, 4)) expect(out.some((l) => wf(w).test(l))).toBe(true);
    expect(out.at(-1)).toMatch(new RegExp(`KPI workflows 1/${k.workflows.length}$`));
    stdin.write('j');
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(wf(k.workflows[1])));
    stdin.write('G');
    await vi.waitFor(() => expect(selectedLine(lastFrame())).toMatch(wf(k.workflows.at(-1))));
    expect(lines(lastFrame()).at(-1)).toMatch(new RegExp(`KPI workflows ${k.workflows.length}/${k.workflows.length}$`));

    // Back and forth within 10 s, nothing changed: the figures are not computed again.
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/ID +SEVERITY +STATE/));
    stdin.write('\x1b[Z');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^KPI +VALUE/m));
    await tick(100);
    expect(kpis).toHaveBeenCalledTimes(1);
  });

  it('fits the KPIs into two lines and the trend on a short terminal; without readable targets, shows the figures alone and says why', async () => {
    const { db, path } = ledgerWith(sampleRuns());
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(join(path, '..', 'config.json'), '{"kpiTargets": {"successRate": 7}}');
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 160, rows: 12 } });
    await listening(stdin);
    stdin.write('\t');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/retry queue is empty/));
    stdin.write('\t');
    // One success, one failure in the window; the other two neither.
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^KPIs 7d: {2}success 50\.0% {2}p95 3m05s {2}MTTR - {2}killswitch 0$/m), { timeout: 3000 });
    expect(lastFrame()).toMatch(/^retries 0 {2}0\.00\/failed run {2}retry success - {2}\(no targets: \.ops\/config\.json: kpiTargets\.successRate: /m);
    expect(lastFrame()).toMatch(/^success 7d {7}\S {2}50\.0%–50\.0% {2}2025-11-08 … 2025-11-14 \(Asia\/Tokyo\)$/m);
    expect(lastFrame()).toMatch(/^> ci +1 +0\.0% +3m05s +1 +0 +-$/m);
    expect(lines(lastFrame())).toHaveLength(11);
  });
});

describe('ops-console / filter', () => {
  // 40 runs, one a minute, the newest first: four workflows, a third on main, every fifth failed.
  const workflows = ['ci', 'deploy', 'lint', 'nightly'];
  const many = () =>
    Array.from({ length: 40 }, (_, i) =>
      run(String(5000 + i), 100 - i, {
        workflow: workflows[i % 4],
        branch: i % 3 === 0 ? 'main' : `feature/f-${i}`,
        conclusion: i % 5 === 0 ? 'failure' : 'success',
      }),
    );
  const runRows = (frame: string | undefined) => lines(frame).filter((l) => /^[ >] 50\d\d /.test(l));

  it('/ narrows the runs as you type (workflow:, branch:, conclusion:, bare words); q is typed, not quit; Enter keeps it; Esc clears it', async () => {
    const all = many();
    const { db } = ledgerWith(all);
    const { lastFrame, stdin } = mount(ledgerSource(db), { size: { columns: 120, rows: 16 } });
    await listening(stdin);
    const expectIds = (pred: (r: RunInput) => boolean) => {
      const ids = all.filter(pred).map((r) => r.run_id).reverse();
      const shown = runRows(lastFrame()).map((l) => l.slice(2, 6));
      expect(shown).toEqual(ids.slice(0, shown.length));
      expect(shown.length).toBe(Math.min(ids.length, 10));
      return ids.length;
    };

    stdin.write('/');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('/ filter> _  (Enter: keep, Esc: cancel)'));
    expect(lines(lastFrame())[2]).toBe('filter: (none)  all runs');
    stdin.write('w:dep');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toBe('filter: w:dep  10 match'));
    expectIds((r) => r.workflow === 'deploy');
    expect(selectedLine(lastFrame())).toMatch(/^> 5037 +deploy /);

    // q, j, K… are text here: the console neither quits nor moves.
    stdin.write(' q');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('/ filter> w:dep q_  (Enter: keep, Esc: cancel)'));
    expect(lines(lastFrame())[2]).toBe('filter: w:dep q  0 match');
    expect(lastFrame()).toContain('no runs match the filter');
    expect(stdin.listenerCount('readable')).toBeGreaterThan(0);
    stdin.write('\x7f');
    stdin.write('\x7f');
    stdin.write(' b:main');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toBe('filter: w:dep b:main  3 match'));
    expectIds((r) => r.workflow === 'deploy' && r.branch === 'main');

    stdin.write('\r');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/q quit +Matches 1\/3$/));
    expect(lines(lastFrame())[2]).toBe('filter: w:dep b:main  3 match  (/ edit, Esc clear)');
    stdin.write('j');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/Matches 2\/3$/));
    expect(selectedLine(lastFrame())).toMatch(/^> 5021 +deploy +acme\/web +main /);

    // / again edits the kept filter; Esc there goes back to it.
    stdin.write('/');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toBe('/ filter> w:dep b:main_  (Enter: keep, Esc: cancel)'));
    stdin.write('\x7f'.repeat(12) + 'conclusion:FAIL');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toBe('filter: conclusion:FAIL  8 match'));
    expectIds((r) => r.conclusion === 'failure');
    stdin.write('\x1b');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toBe('filter: w:dep b:main  3 match  (/ edit, Esc clear)'));

    // A bare word: the workflow or the branch contains it.
    stdin.write('/');
    stdin.write('\x7f'.repeat(12) + 'f-1\r');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toMatch(/^filter: f-1  \d+ match {2}\(\/ edit, Esc clear\)$/));
    const n = expectIds((r) => (r.branch ?? '').includes('f-1'));
    expect(lines(lastFrame())[2]).toContain(`${n} match`);

    // Esc clears it: every run again, the runs' own footer.
    stdin.write('\x1b');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/q quit +1\/40$/));
    expect(lines(lastFrame())[2]).toMatch(/^ {2}RUN +WORKFLOW/);
    expect(selectedLine(lastFrame())).toMatch(/^> 5039 /);
  });

  it('counts matches only up to a cap ("1,000+"), and further as the cursor goes down', async () => {
    const { db } = ledgerWith(Array.from({ length: 1100 }, (_, i) => run(String(100_000 + i), 2000 - i, { workflow: i % 2 ? 'ci' : 'deploy' })));
    const source = ledgerSource(db);
    const { lastFrame, stdin } = mount(source, { size: { columns: 120, rows: 16 } });
    await listening(stdin);
    stdin.write('/');
    stdin.write('c:succ\r');
    await vi.waitFor(() => expect(lines(lastFrame())[2]).toBe('filter: c:succ  1,000+ match  (/ edit, Esc clear)'));
    expect(lines(lastFrame()).at(-1)).toMatch(/Matches 1\/1000\+$/);
    stdin.write('G');
    await vi.waitFor(() => expect(lines(lastFrame()).at(-1)).toMatch(/Matches 1000\/1100$/));
    expect(lines(lastFrame())[2]).toBe('filter: c:succ  1,100 match  (/ edit, Esc clear)');
  });

  it('parses the filter words, and searches only the latest runs for a filter without an index', () => {
    expect(parseFilter('  ')).toBeNull();
    expect(parseFilter('workflow:')).toBeNull();
    expect(parseFilter('W:Deploy b:main c:fail deploy x:y')).toEqual({ workflow: ['Deploy'], branch: ['main'], conclusion: ['fail'], words: ['deploy', 'x:y'] });

    const all = many();
    const { db } = ledgerWith(all);
    const f = runFilter(db, 10);
    const q = (text: string) => parseFilter(text)!;
    // Indexed: the whole ledger.
    expect(f.count(q('w:DEPLOY'), 1000)).toEqual({ count: 10, more: false, searched: null });
    expect(f.runs(q('w:deploy c:fail'), 100, 0).map((r) => r.run_id)).toEqual(all.filter((r) => r.workflow === 'deploy' && r.conclusion === 'failure').map((r) => r.run_id).reverse());
    expect(f.count(q('w:nothing'), 1000)).toEqual({ count: 0, more: false, searched: null });
    // A branch or a bare word: the latest 10 runs only.
    expect(f.count(q('main'), 1000)).toEqual({ count: all.slice(-10).filter((r) => r.branch === 'main').length, more: false, searched: 10 });
    expect(f.runs(q('b:main'), 100, 0).map((r) => r.run_id)).toEqual(all.slice(-10).filter((r) => r.branch === 'main').map((r) => r.run_id).reverse());
    // LIKE's wildcards are text here.
    expect(f.count(q('b:%'), 1000).count).toBe(0);
    expect(f.count(q('c:e'), 5)).toEqual({ count: 5, more: true, searched: null });
  });
});

describe('ops-console evidence folders', () => {
  it('shows a ticket written into the evidence folder, with no write to the ledger, within a second', async () => {
    const { db, path } = ledgerWith(sampleRuns());
    engageAt(db, GLOBAL, { at: 1, reason: 'storm' });
    const reports = join(path, '..', '..', 'docs', 'reports'); // not there yet
    const source = ledgerSource(db, { reportsDir: () => reports });
    const { lastFrame, stdin } = mount(source, { size: { columns: 140, rows: 16 } });
    await listening(stdin);
    stdin.write('\x1b[Z'); // Shift-Tab: the last panel
    await vi.waitFor(() => expect(lastFrame()).toMatch(/TICKET +RISK +KIND +HTTP +TITLE +FILES/));
    expect(lastFrame()).toMatch(/20251114_085900 +high +killswitch .* storm +missing$/m);
    const [ticket] = source.tickets();
    const [version, writes] = [source.dataVersion(), writesBy(db)];

    // As `ops audit ticket` writes it: the folder is created, then the two files.
    mkdirSync(join(reports, ticket!.date, 'audit_tickets'), { recursive: true });
    writeFileSync(join(reports, ticket!.json_path), '{}\n');
    const t0 = Date.now();
    await vi.waitFor(() => expect(lastFrame()).toMatch(/storm +partial$/m), { timeout: 1000 });
    writeFileSync(join(reports, ticket!.md_path), '# ticket\n');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/storm +written$/m), { timeout: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    rmSync(join(reports, ticket!.md_path));
    await vi.waitFor(() => expect(lastFrame()).toMatch(/storm +partial$/m), { timeout: 1000 });
    expect(source.dataVersion()).toBe(version);
    expect(writesBy(db)).toBe(writes);
  });

  it("follows the shown run's evidence files: deleted shows missing, rewritten shows changed, within a second", async () => {
    const { db, path } = ledgerWith(sampleRuns());
    const reports = join(path, '..', '..', 'docs', 'reports');
    // An older date folder: watched because the details show its file.
    const file = join(reports, '2025-11-10', 'artifacts', '1004', 'attempt-2', 'job.log');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, 'log\n');
    const sha = createHash('sha256').update('log\n').digest('hex');
    db.prepare(`INSERT INTO evidence_artifacts (run_id, attempt, name, kind, path, bytes, sha256, status, collected_at) VALUES ('1004', 2, 'job.log', 'log', '2025-11-10/artifacts/1004/attempt-2/job.log', 4, ?, 'collected', ?)`).run(sha, NOW);
    const source = ledgerSource(db, { reportsDir: () => reports });
    const { lastFrame, stdin } = mount(source, { size: { columns: 140, rows: 20 } });
    await listening(stdin);
    stdin.write('\r');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^ {2}ok +\w{12} +4 +job\.log$/m));
    const writes = writesBy(db);
    rmSync(file);
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^ {2}missing +\w{12} +4 +job\.log$/m), { timeout: 1000 });
    writeFileSync(file, 'LOG\n');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^ {2}changed +\w{12} +4 +job\.log$/m), { timeout: 1000 });
    writeFileSync(file, 'log\n');
    await vi.waitFor(() => expect(lastFrame()).toMatch(/^ {2}ok +\w{12} +4 +job\.log$/m), { timeout: 1000 });
    expect(writesBy(db)).toBe(writes);
  });

  it("stamps today's date folder (whatever the zone), its logs and tickets, and what is tracked; survives a folder created later and the date rolling over", () => {
    const reports = join(tempWorkspace(), 'docs', 'reports');
    const probe = evidenceProbe(() => reports);
    // 23:59:59 in Tokyo on 2025-11-14: 14:59:59Z.
    let now = Date.parse('2025-11-14T14:59:59Z');
    let last = probe.stamp(now);
    const changed = () => {
      const s = probe.stamp(now);
      const moved = s !== last;
      last = s;
      return moved;
    };
    expect(changed()).toBe(false); // nothing there, nothing changed
    mkdirSync(join(reports, '2025-11-14', 'logs'), { recursive: true });
    expect(changed()).toBe(true);
    expect(changed()).toBe(false);
    appendFileSync(join(reports, '2025-11-14', 'logs', 'killswitch_log_20251114.log'), 'a\n');
    expect(changed()).toBe(true);
    appendFileSync(join(reports, '2025-11-14', 'logs', 'killswitch_log_20251114.log'), 'b\n');
    expect(changed()).toBe(true);
    // Past midnight in Tokyo: the new day's folder, created later, is watched too.
    now += 1000;
    changed();
    mkdirSync(join(reports, '2025-11-15', 'audit_tickets'), { recursive: true });
    expect(changed()).toBe(true);
    writeFileSync(join(reports, '2025-11-15', 'audit_tickets', 'audit_ticket_20251115_000000.json'), '{}');
    expect(changed()).toBe(true);
    // Elsewhere, only what was tracked.
    const old = join(reports, '2025-11-01', 'artifacts', '1', 'job.log');
    mkdirSync(join(old, '..'), { recursive: true });
    expect(changed()).toBe(true); // a new folder in the reports root
    writeFileSync(old, 'x');
    expect(changed()).toBe(false);
    probe.track(old);
    changed();
    rmSync(old);
    expect(changed()).toBe(true);
    expect(changed()).toBe(false);
  });
});
