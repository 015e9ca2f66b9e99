import { execFileSync, spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GH_RUNS, NOW, OPS_BIN, ROOT, opsProcess, tempDir, workspaceDir } from './helpers';
import { createKey, startServe } from './serve-helpers';

/**
 * Issue 23 part 7: `ops guard --server` and `ops-console --server` read a team's `ops serve`
 * instead of a local ledger, so consoles and CI jobs share one killswitch. A real server
 * child on a random loopback port; guard on a bare "runner" folder (no ledger, no .ops);
 * the console in a real terminal (tmux), as test/console-pty.test.ts drives it.
 */

/** A workspace with the fixture's runs (workflows CI, Deploy, …) and a key of each role. */
function workspace() {
  const ws = workspaceDir('ops-clients-');
  expect(opsProcess(['runs', 'import', GH_RUNS, '--repo', 'acme/api', '--workspace', ws]).code).toBe(0);
  return { ws, viewer: createKey(ws, 'vera', 'viewer'), operator: createKey(ws, 'alice-laptop', 'operator') };
}

/** `ops guard` on a runner with nothing of ops on it: only the server to ask. */
function guard(args: string[], env: NodeJS.ProcessEnv) {
  const dir = tempDir('ops-runner-');
  const started = Date.now();
  const r = spawnSync(process.execPath, [OPS_BIN, 'guard', ...args], { cwd: dir, env: { PATH: process.env.PATH, OPS_NOW: NOW, OPS_GH: join(dir, 'no-gh'), ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

const engagedFor = (ws: string, scope?: string) => JSON.parse(opsProcess(['killswitch', 'status', '--json', ...(scope ? ['--scope', scope] : []), '--workspace', ws]).stdout);

describe('ops guard --server', () => {
  it('engaged on the server for the workflow (any case): exit 3 naming who, why and the server; another workflow or released: 0; no ledger needed', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    expect(opsProcess(['killswitch', '--scope', 'Deploy', '--reason', 'INC-77 bad release', '--workspace', ws]).code).toBe(0);

    const blocked = guard(['--server', s.url], { OPS_TOKEN: viewer, GITHUB_WORKFLOW: 'deploy', GITHUB_ACTIONS: 'true' });
    expect(blocked.code).toBe(3);
    const reason = `killswitch engaged for workflow "Deploy" by ${engagedFor(ws, 'Deploy').actor} since ${engagedFor(ws, 'Deploy').since}: INC-77 bad release (ops serve ${s.url})`;
    expect(blocked.stderr).toBe(`ops: guard: blocked: ${reason}\n`);
    expect(blocked.stdout).toContain(`::error title=ops guard::${reason}`);
    // The key is never printed.
    expect(blocked.stdout + blocked.stderr).not.toContain(viewer);

    // OPS_SERVER instead of the flag; --json names the server as the source.
    const other = guard(['--json'], { OPS_SERVER: s.url, OPS_TOKEN: viewer, GITHUB_WORKFLOW: 'CI' });
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout)).toEqual({ ok: true, reasons: [], source: `ops serve ${s.url}`, sources: [{ kind: 'server', name: `ops serve ${s.url}`, state: 'not-engaged' }], warnings: [] });

    expect(opsProcess(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'fixed', '--workspace', ws]).code).toBe(0);
    const released = guard(['--server', s.url], { OPS_TOKEN: viewer, GITHUB_WORKFLOW: 'Deploy' });
    expect(released.code).toBe(0);
    expect(released.stdout).toBe('ok: runs may proceed (workflow "Deploy")\n');
    expect(released.stderr).toBe('');
  });

  it('fails closed: a wrong token, no token, a server that is down, or one that does not answer in time block (exit 3) with a one-line reason naming the server', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    const wrongToken = `ops_${Math.random().toString(36).slice(2)}`;

    const wrong = guard(['--server', s.url], { OPS_TOKEN: wrongToken, GITHUB_WORKFLOW: 'CI' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toBe(
      `ops: guard: blocked: ops serve ${s.url}: refused the token (HTTP 401: unknown or revoked API key); a killswitch that cannot be read blocks every workflow: fix the server or its address (--server, OPS_SERVER) and token (OPS_TOKEN)\n`,
    );
    expect(wrong.stdout + wrong.stderr).not.toContain(wrongToken);

    const none = guard(['--server', s.url], { GITHUB_WORKFLOW: 'CI' });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^ops: guard: blocked: ops serve http:\/\/127\.0\.0\.1:\d+: no API key: set OPS_TOKEN .*\n$/);

    // Down: the server's port, now closed.
    await s.stop();
    const down = guard(['--server', s.url], { OPS_TOKEN: viewer, GITHUB_WORKFLOW: 'CI' });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(new RegExp(`^ops: guard: blocked: ops serve ${s.url.replaceAll('.', '\\.')}: unreachable \\(ECONNREFUSED\\); a killswitch that cannot be read blocks every workflow`));
    expect(down.stderr.split('\n').filter(Boolean)).toHaveLength(1);

    // Accepts the connection and never answers: blocked after --server-timeout, not hung.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const slow = guard(['--server', url, '--server-timeout', '0.5'], { OPS_TOKEN: viewer, GITHUB_WORKFLOW: 'CI' });
      expect(slow.code).toBe(3);
      expect(slow.stderr).toContain(`ops: guard: blocked: ops serve ${url}: no answer within 0.5 s;`);
      expect(slow.ms).toBeLessThan(4000);
    } finally {
      sockets.forEach((x) => x.destroy());
      silent.close();
    }

    const bad = guard(['--server', s.url, '--server-timeout', '0'], { OPS_TOKEN: viewer });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ops: --server-timeout: expected seconds between 0 and 600, got 0\n');
  });
});

const CONSOLE_BIN = join(ROOT, 'bin', 'ops-console');
const session = `ops-clients-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);
const waitScreen = (re: RegExp, timeout = 3000) => vi.waitFor(() => expect(screen()).toMatch(re), { timeout, interval: 25 });
const lastLine = () => screen().trimEnd().split('\n').at(-1)!;

afterEach(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
});

function consoleOn(url: string, token: string) {
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', 'env', '-u', 'CI', `OPS_TOKEN=${token}`, `OPS_NOW=${NOW}`, 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--server', url);
}

/** K (all workflows, no expiry) or X (the one engagement), a reason, the word. */
async function killswitchKey(key: 'K' | 'X', reason: string, word: 'ENGAGE' | 'RELEASE') {
  tmux('send-keys', '-t', session, key);
  if (key === 'K') {
    await waitScreen(/^> all workflows/m);
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^expires> _/m);
    tmux('send-keys', '-t', session, 'Enter');
  }
  await vi.waitFor(() => expect(lastLine()).toBe('reason> _'), { timeout: 2000, interval: 25 });
  tmux('send-keys', '-t', session, '-l', reason);
  tmux('send-keys', '-t', session, 'Enter');
  await vi.waitFor(() => expect(screen()).toContain(`type ${word} to confirm`), { timeout: 2000, interval: 25 });
  tmux('send-keys', '-t', session, '-l', word);
  tmux('send-keys', '-t', session, 'Enter');
}

describe('ops-console --server', () => {
  it("shows the server's runs and a killswitch engaged from the CLI within 2 s; X and K act through the API under the key's name", async () => {
    const { ws, operator } = workspace();
    const s = await startServe(ws);
    consoleOn(s.url, operator);
    const host = new URL(s.url).host;
    await waitScreen(new RegExp(`^ops +${host.replaceAll('.', '\\.')} as alice-laptop \\(operator\\)`, 'm'), 5000);
    await waitScreen(/19283746501/);
    expect(screen()).not.toContain(operator);

    // Another process engages on the server's ledger: the console follows the event stream.
    expect(opsProcess(['killswitch', '--reason', 'INC-88 from a laptop', '--workspace', ws]).code).toBe(0);
    const committed = Date.now();
    await waitScreen(/KILLSWITCH ENGAGED.*INC-88 from a laptop/, 2000);
    expect(Date.now() - committed).toBeLessThan(2000);

    await killswitchKey('X', 'INC-88 resolved', 'RELEASE');
    await vi.waitFor(() => expect(engagedFor(ws).engaged).toBe(false), { timeout: 3000, interval: 50 });
    await vi.waitFor(() => expect(screen()).not.toContain('KILLSWITCH ENGAGED'), { timeout: 2000, interval: 25 });

    await killswitchKey('K', 'INC-89 stop everything', 'ENGAGE');
    await vi.waitFor(() => expect(engagedFor(ws)).toMatchObject({ engaged: true, reason: 'INC-89 stop everything', actor: 'key:alice-laptop' }), { timeout: 3000, interval: 50 });
    await waitScreen(/KILLSWITCH ENGAGED for all workflows on http:\/\/127\.0\.0\.1:\d+ as alice-laptop/);
    // …and a CI job asking the same server is stopped by it.
    const ci = guard(['--server', s.url], { OPS_TOKEN: operator, GITHUB_WORKFLOW: 'CI' });
    expect(ci.code).toBe(3);
    expect(ci.stderr).toContain('INC-89 stop everything');

    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => screen()).toThrow(), { timeout: 3000, interval: 50 });
  });

  it("a viewer's K is refused by the server, the reason in the status line; nothing changes", async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    consoleOn(s.url, viewer);
    await waitScreen(/as vera \(viewer\)/, 5000);
    await killswitchKey('K', 'viewer tries', 'ENGAGE');
    await waitScreen(/refused by http:\/\/127\.0\.0\.1:\d+: 403: POST \/api\/v1\/killswitch needs the operator role; key vera is a viewer/);
    expect(engagedFor(ws).engaged).toBe(false);
    expect(screen()).not.toContain('KILLSWITCH ENGAGED');
  });

  it('without OPS_TOKEN, or a server that refuses the key, it says why and exits', async () => {
    const { ws } = workspace();
    const s = await startServe(ws);
    const run = (env: string[]) => {
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '10', 'sh', '-c', `env -u CI -u OPS_TOKEN ${env.join(' ')} ${process.execPath} ${CONSOLE_BIN} --server ${s.url}; echo "exit $?"; sleep 30`);
    };
    run([]);
    await waitScreen(/exit 2/);
    expect(screen()).toContain('ops-console: --server: set OPS_TOKEN to an API key of the server');
    tmux('kill-session', '-t', session);
    run(['OPS_TOKEN=ops_wrong']);
    await waitScreen(/exit 1/);
    expect(screen()).toContain(`ops-console: ${s.url}: 401: unknown or revoked API key`);
    tmux('kill-session', '-t', session);
    // OPS_SERVER (say, left set for guard) does not take over a console told which workspace to open.
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '10', 'env', '-u', 'CI', `OPS_SERVER=${s.url}`, 'OPS_TOKEN=ops_wrong', `OPS_NOW=${NOW}`, 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    await waitScreen(/19283746501/, 5000);
    expect(screen()).not.toContain('127.0.0.1');
  });
});
