import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FAKE_GH, NOW, OPS_BIN, ROOT, ops, opsProcess, tempDir } from './helpers';

/**
 * The real ops-console binary in a real terminal (tmux): first frame, a killswitch engaged
 * from another shell shows within a second, K and X from the console, every panel, 80x24
 * and resizes, notifications sent while it runs, q quits.
 */

const CONSOLE_BIN = join(ROOT, 'bin', 'ops-console');
const session = `ops-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

const waitScreen = (re: RegExp, timeout = 2000) => vi.waitFor(() => expect(screen()).toMatch(re), { timeout, interval: 25 });
const lastLine = () => screen().trimEnd().split('\n').at(-1)!;

/**
 * K or X in the console, for all workflows: K takes the list's first choice (all workflows)
 * and no expiry with Enter; X with one engagement asks no scope. Then a reason, the word.
 */
async function killswitchKey(key: 'K' | 'X', reason: string, word: 'ENGAGE' | 'RELEASE') {
  tmux('send-keys', '-t', session, key);
  if (key === 'K') {
    await waitScreen(/^> all workflows/m);
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^expires> _/m);
    tmux('send-keys', '-t', session, 'Enter');
  }
  await vi.waitFor(() => expect(screen()).toMatch(/^scope: +all workflows$/m), { timeout: 2000, interval: 25 });
  await vi.waitFor(() => expect(lastLine()).toBe('reason> _'), { timeout: 2000, interval: 25 });
  tmux('send-keys', '-t', session, '-l', reason);
  tmux('send-keys', '-t', session, 'Enter');
  await vi.waitFor(() => expect(screen()).toContain(`type ${word} to confirm`), { timeout: 2000, interval: 25 });
  tmux('send-keys', '-t', session, '-l', word);
  tmux('send-keys', '-t', session, 'Enter');
}

afterEach(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone (the console quit)
  }
});

describe('ops-console in a terminal', () => {
  it('shows the demo, picks up a killswitch engaged elsewhere within 1 s, releases it with X, quits on q', async () => {
    const ws = tempDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    expect((await ops(['demo', ws, '--runs', '300'], { env })).code).toBe(0);
    // A clean environment: no CI (the console must be interactive), a fixed size.
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', 'env', '-u', 'CI', `OPS_ACTOR=bob`, `NO_COLOR=1`, process.execPath, CONSOLE_BIN, '--workspace', ws);
    // The demo's deploy is broken right now: its alert is in the header from the first frame.
    await vi.waitFor(() => expect(screen()).toMatch(/^ops +\S+ +1 open alert \(1 critical\) +24h: \d+ runs/m), { timeout: 5000, interval: 50 });
    expect(screen()).toMatch(/^retries: \d+ pending/m);

    // Another shell engages the killswitch: the running console shows it within a second.
    execFileSync(process.execPath, [OPS_BIN, 'killswitch', '--reason', 'incident 42', '--workspace', ws], { env: { PATH: process.env.PATH, OPS_ACTOR: 'carol' } });
    const engagedAt = Date.now();
    await vi.waitFor(() => expect(screen()).toMatch(/KILLSWITCH ENGAGED !!! all workflows .* by carol .* reason: incident 42/), { timeout: 1000, interval: 25 });
    expect(Date.now() - engagedAt).toBeLessThan(1000);

    // Release it from the console: X, a reason, the word.
    await killswitchKey('X', 'fixed upstream', 'RELEASE');
    await vi.waitFor(() => expect(screen()).toContain('killswitch released for all workflows by bob'), { timeout: 2000, interval: 25 });
    const status = JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8' }));
    expect(status).toMatchObject({ engaged: false });

    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 3000, interval: 50 });
  }, 30_000);

  it('filters the runs as typed (q is text), shows the KPIs with their targets, the open alert, and a ticket file removed elsewhere within a second', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    const [ticket] = JSON.parse((await ops(['audit', 'list', '--json', '--workspace', ws])).stdout);
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, `NO_COLOR=1`, process.execPath, CONSOLE_BIN, '--workspace', ws);
    await vi.waitFor(() => expect(screen()).toMatch(/^ops +\S+ .*24h: \d+ runs/m), { timeout: 5000, interval: 50 });
    const last = () => screen().trimEnd().split('\n').at(-1)!;
    const wait = (re: RegExp, timeout = 2000) => vi.waitFor(() => expect(screen()).toMatch(re), { timeout, interval: 25 });

    tmux('send-keys', '-t', session, '/');
    await wait(/^\/ filter> _/m);
    tmux('send-keys', '-t', session, '-l', 'w:deploy qq');
    await wait(/^filter: w:deploy qq {2}0 match$/m);
    for (let i = 0; i < 3; i++) tmux('send-keys', '-t', session, 'BSpace');
    await wait(/^filter: w:deploy {2}\d+ match$/m);
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(last()).toMatch(/Matches 1\/\d+$/), { timeout: 2000, interval: 25 });
    const rows = screen().split('\n').filter((l) => /^[ >] \d{6,} /.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/^[ >] \d+ +Deploy /);
    tmux('send-keys', '-t', session, 'Escape');
    await vi.waitFor(() => expect(last()).toMatch(/q quit +1\/\d+$/), { timeout: 2000, interval: 25 });

    tmux('send-keys', '-t', session, 'Tab');
    await wait(/^ +ID +STATE/m);
    tmux('send-keys', '-t', session, 'Tab');
    await wait(/^KPI +VALUE +TARGET +STATUS$/m, 3000);
    // config.json's targets, read from the workspace as `ops kpi` reads them.
    expect(screen()).toMatch(/^success rate +\d+\.\d% +≥ 95\.0% +(ok|breach)$/m);
    expect(screen()).toMatch(/^success 7d /m);

    // The demo's open alert, with the rollback it proposes.
    tmux('send-keys', '-t', session, 'Tab');
    await wait(/^> +#\d+ +CRITICAL +open .*consecutive_failures .*Deploy/m);
    tmux('send-keys', '-t', session, 'Tab');
    const row = new RegExp(`^[ >] ${ticket.ticket.replace(/^audit_ticket_/, '')} .* written$`, 'm');
    await wait(row);
    rmSync(join(ws, 'docs', 'reports', ticket.md_path));
    const removedAt = Date.now();
    await wait(new RegExp(row.source.replace('written', 'partial'), 'm'), 1000);
    expect(Date.now() - removedAt).toBeLessThan(1000);

    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 3000, interval: 50 });
  }, 30_000);

  it('K engages the killswitch (ops killswitch status agrees) and sends the engagement to the webhook at once; a failing channel shows in the status line', async () => {
    const received: { event: string; reason?: string }[] = [];
    let answer = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const payload = JSON.parse(body);
        received.push({ event: payload.event, reason: payload.fields?.reason });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const ws = tempDir();
      expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
      const configPath = join(ws, '.ops', 'config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8'));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      writeFileSync(configPath, JSON.stringify({ ...config, notifications: { channels: [{ name: 'oncall', type: 'webhook', url, secretEnv: 'HOOK_SECRET' }] } }));
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', 'env', '-u', 'CI', 'HOOK_SECRET=s3cret', 'OPS_ACTOR=bob', 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
      await vi.waitFor(() => expect(screen()).toMatch(/^ops +\S+ .*24h: \d+ runs/m), { timeout: 5000, interval: 50 });
      const last = () => screen().trimEnd().split('\n').at(-1)!;

      await killswitchKey('K', 'bad deploy', 'ENGAGE');
      await vi.waitFor(() => expect(received).toContainEqual({ event: 'killswitch.engage', reason: 'bad deploy' }), { timeout: 3000, interval: 25 });
      // The CLI agrees with what the console engaged.
      const engaged = JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8' }));
      expect(engaged).toMatchObject({ engaged: true, scope: null, reason: 'bad deploy', actor: 'bob' });

      answer = 500;
      await killswitchKey('X', 'fixed', 'RELEASE');
      await vi.waitFor(() => expect(last()).toMatch(/^notifications: oncall: HTTP 500.*\(queued again: ops notify list\)/), { timeout: 3000, interval: 25 });
      expect(received).toContainEqual({ event: 'killswitch.release', reason: 'fixed' });
      // Still in the outbox for a later round or `ops notify deliver`.
      const pending = JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'notify', 'list', '--json', '--workspace', ws], { encoding: 'utf8' }));
      expect(JSON.stringify(pending)).toMatch(/killswitch\.release/);

      tmux('send-keys', '-t', session, 'q');
      await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 3000, interval: 50 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('fits 80x24 on every panel, and redraws to fit when the terminal is resized', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    // tmux pads the pane with empty lines (Ink leaves the last row free: a frame that filled
    // it would scroll the terminal by its trailing newline).
    const lines = () => screen().trimEnd().split('\n');
    // Header on the first line, the footer with the position on the last: nothing wrapped or scrolled away.
    const fits = (columns: number, rows: number, position: RegExp) => {
      const l = lines();
      expect(l).toHaveLength(rows - 1);
      expect(l[0]).toMatch(/^ops  /);
      expect(l.at(-1)).toMatch(position);
      for (const line of l) expect(line.length).toBeLessThanOrEqual(columns);
    };
    const panels: [RegExp, RegExp][] = [
      [/^ {2}RUN +WORKFLOW/m, /1\/300$/],
      [/^ {2}ID +STATE/m, /Retry queue 1\/\d+$/],
      [/^KPI +VALUE +TARGET/m, /KPI workflows 1\/\d+$/],
      [/^ {2}ID +SEVERITY/m, /Alerts 1\/1$/],
      [/^ {2}TICKET +RISK/m, /Audit tickets 1\/\d+$/],
    ];
    for (const [i, [title, position]] of panels.entries()) {
      if (i) tmux('send-keys', '-t', session, 'Tab');
      await vi.waitFor(() => expect(screen()).toMatch(title), { timeout: 3000, interval: 25 });
      await vi.waitFor(() => fits(80, 24, position), { timeout: 2000, interval: 25 });
    }
    tmux('send-keys', '-t', session, 'Tab'); // back to the runs
    await vi.waitFor(() => fits(80, 24, /1\/300$/), { timeout: 2000, interval: 25 });

    tmux('resize-window', '-t', session, '-x', '60', '-y', '14');
    await vi.waitFor(() => fits(60, 14, /1\/300$/), { timeout: 2000, interval: 25 });
    expect(screen()).toMatch(/^ {2}RUN +WORKFLOW/m);
    tmux('resize-window', '-t', session, '-x', '130', '-y', '30');
    await vi.waitFor(() => fits(130, 30, /1\/300$/), { timeout: 2000, interval: 25 });
    // Wider: the columns that did not fit come back.
    expect(screen()).toMatch(/^ {2}RUN +WORKFLOW +REPOSITORY +BRANCH/m);
  }, 30_000);
  it('with an invalid config.json the header names it, and K still engages (ops guard then exits 3) with the warning in the status line', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    writeFileSync(join(ws, '.ops', 'config.json'), '{"timezone": 5}');
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '30', 'env', '-u', 'CI', 'OPS_ACTOR=bob', 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    await vi.waitFor(() => expect(screen()).toMatch(/^ops +\S+ +config: \.ops\/config\.json: timezone: Invalid input: expected string, received number/m), { timeout: 5000, interval: 50 });
    await killswitchKey('K', 'prod on fire', 'ENGAGE');
    const last = () => screen().trimEnd().split('\n').at(-1)!;
    await vi.waitFor(() => expect(last()).toMatch(/^KILLSWITCH ENGAGED for all workflows by bob at \S+: prod on fire \(warning: \.ops\/config\.json: timezone: /), { timeout: 3000, interval: 25 });
    const guard = opsProcess(['guard', '--workspace', ws]);
    expect(guard.code).toBe(3);
    expect(guard.stderr).toContain('killswitch engaged for all workflows by bob');
    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 3000, interval: 50 });
  }, 30_000);

  it('K and X reach GitHub as ops killswitch does: the variable set in every configured repository, runs cancelled, schedules disabled, then restored; the outcome in the status line', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ repos: ['acme/api', 'acme/web'] }));
    const fake = tempDir('ops-fake-gh-');
    const api = join(fake, 'api.json');
    const state = join(fake, 'state.json');
    writeFileSync(state, '{}');
    writeFileSync(
      api,
      JSON.stringify({
        repos: {
          'acme/api': { active: [{ id: 101, name: 'CI', status: 'in_progress' }], workflows: [{ id: 12, name: 'Nightly', path: '.github/workflows/nightly.yml', schedule: true }] },
          'acme/web': { active: [{ id: 201, name: 'CI', status: 'queued' }], workflows: [] },
        },
      }),
    );
    const read = () => JSON.parse(readFileSync(state, 'utf8')) as { variables?: Record<string, { OPS_KILLSWITCH?: { value: string } }>; runs?: Record<string, { conclusion?: string }>; workflows?: Record<string, string> };
    const variable = (repo: string) => JSON.parse(read().variables?.[`repo:${repo}`]?.OPS_KILLSWITCH?.value ?? 'null') as { engaged: boolean } | null;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '30', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'OPS_ACTOR=bob', 'NO_COLOR=1', `OPS_GH=${FAKE_GH}`, `FAKE_GH_API=${api}`, `FAKE_GH_STATE=${state}`, process.execPath, CONSOLE_BIN, '--workspace', ws);
    await waitScreen(/^ops +\S+ .*24h: \d+ runs/m, 5000);
    await killswitchKey('K', 'bad deploy', 'ENGAGE');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^GitHub: variable set in 2\/2 repos, 2 runs cancelled, 1 schedule disabled/), { timeout: 15_000, interval: 50 });
    expect(variable('acme/api')).toMatchObject({ engaged: true, scope: '*', reason: 'bad deploy', by: 'bob' });
    expect(variable('acme/web')).toMatchObject({ engaged: true });
    expect(read().runs).toMatchObject({ 'acme/api#101': { conclusion: 'cancelled' }, 'acme/web#201': { conclusion: 'cancelled' } });
    expect(Object.values(read().workflows ?? {})).toEqual(['disabled_manually']);

    await killswitchKey('X', 'fixed', 'RELEASE');
    await vi.waitFor(() => expect([variable('acme/api'), variable('acme/web')]).toMatchObject([{ engaged: false }, { engaged: false }]), { timeout: 15_000, interval: 50 });
    await vi.waitFor(() => expect(Object.values(read().workflows ?? {})).toEqual(['active']), { timeout: 15_000, interval: 50 });
    await vi.waitFor(() => expect(lastLine()).toMatch(/^GitHub: /), { timeout: 15_000, interval: 50 });
  }, 60_000);

  it('refuses a folder that is not an ops workspace (exit 2), as ops does, and creates nothing', async () => {
    const dir = tempDir();
    const typo = join(dir, 'wrkspace');
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '10', 'sh', '-c', `env -u CI "${process.execPath}" "${CONSOLE_BIN}" --workspace "${typo}"; echo "exit=$?"; sleep 30`);
    await vi.waitFor(() => expect(screen()).toContain('exit=2'), { timeout: 5000, interval: 50 });
    expect(screen()).toContain(`ops-console: ${typo}: no ops workspace here (run ops init)`);
    expect(existsSync(typo)).toBe(false);
  }, 30_000);

  it('K at 80x24: a workflow picked by typing part of its name, a typed expiry, a reason longer than the screen: the confirmation stays on the last row, a wrong word asks again with the reason kept; X releases the only (scoped) engagement without asking which', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'OPS_ACTOR=bob', 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    await waitScreen(/^ops +\S+ .*24h: \d+ runs/m, 5000);
    const lines = () => screen().trimEnd().split('\n');
    const fits = () => {
      expect(lines()).toHaveLength(23);
      for (const l of lines()) expect(l.length).toBeLessThanOrEqual(80);
    };

    tmux('send-keys', '-t', session, 'K');
    // Every workflow the ledger knows, all workflows first.
    await waitScreen(/^> all workflows\n {2}CI\n/m);
    expect(screen()).toMatch(/^ {2}Deploy$/m);
    tmux('send-keys', '-t', session, '-l', 'depl'); // case ignored
    await waitScreen(/^> Deploy$/m);
    expect(screen()).not.toMatch(/^ {2}CI$/m);
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^expires> _/m);
    expect(screen()).toMatch(/^> none\n {2}30m\n {2}1h\n {2}4h$/m);
    tmux('send-keys', '-t', session, '-l', '2h');
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^reason> _/m);
    expect(screen()).toMatch(/^scope: +workflow "Deploy"$/m);
    expect(screen()).toMatch(/^expires: in 2h \(at 2025-11-14T02:00:00Z/m);

    // Far more than the box holds: it scrolls inside the box, the screen still fits.
    const reason = `${'bad release 2025.11 corrupting the orders table, '.repeat(30)}see INC-4242`;
    tmux('send-keys', '-t', session, '-l', reason);
    await vi.waitFor(() => expect(lastLine()).toMatch(/see INC-4242_$/), { timeout: 3000, interval: 25 });
    fits();
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(lastLine()).toBe('type ENGAGE to confirm> _  (Backspace: edit, Esc: cancel)'), { timeout: 2000, interval: 25 });
    fits();
    expect(screen()).toMatch(/^reason: +bad release 2025\.11/m);

    // A wrong word: asked again, nothing engaged, the reason still there.
    tmux('send-keys', '-t', session, '-l', 'engage');
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^"engage" is not ENGAGE: type ENGAGE \(capitals\)/m);
    expect(lastLine()).toBe('type ENGAGE to confirm> _  (Backspace: edit, Esc: cancel)');
    fits();
    expect(JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8' })).active).toEqual([]);
    tmux('send-keys', '-t', session, '-l', 'ENGAGE');
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^!!! KILLSWITCH ENGAGED !!! workflow "Deploy"/m);
    expect(lastLine()).toMatch(/^KILLSWITCH ENGAGED for workflow "Deploy" by bob/);
    fits();

    // What the CLI sees: the scope, the whole reason, the expiry, and the same records.
    const status = JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8', env: { PATH: process.env.PATH, OPS_NOW: NOW } }));
    expect(status.active).toEqual([{ engaged: true, scope: 'Deploy', reason, actor: 'bob', since: NOW, expires_at: '2025-11-14T02:00:00Z' }]);
    const history = JSON.parse((await ops(['killswitch', 'history', '--json', '--workspace', ws])).stdout);
    expect(history.at(-1)).toMatchObject({ action: 'engage', scope: 'Deploy', actor: 'bob', expires_at: '2025-11-14T02:00:00Z' });
    const log = readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'logs', 'killswitch_log_20251114.log'), 'utf8');
    expect(log).toContain('see INC-4242');
    // Its audit ticket is written at once, as ops killswitch writes it.
    const ticketMd = join(ws, 'docs', 'reports', '2025-11-14', 'audit_tickets', 'audit_ticket_20251114_090000.md');
    await vi.waitFor(() => expect(readFileSync(ticketMd, 'utf8')).toMatch(/^# audit_ticket_20251114_090000: Killswitch engaged for workflow Deploy by bob: bad release/), { timeout: 2000, interval: 25 });
    // The same bytes the CLI writes for it.
    const fromConsole = readFileSync(ticketMd, 'utf8');
    expect((await ops(['audit', 'ticket', '--workspace', ws])).code).toBe(0);
    expect(readFileSync(ticketMd, 'utf8')).toBe(fromConsole);

    // X: the one engagement is the one released; no list, no "nothing engaged".
    tmux('send-keys', '-t', session, 'X');
    await waitScreen(/^scope: +workflow "Deploy"$/m);
    await vi.waitFor(() => expect(lastLine()).toBe('reason> _'), { timeout: 2000, interval: 25 });
    tmux('send-keys', '-t', session, '-l', 'rolled back');
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^type RELEASE to confirm> _/), { timeout: 2000, interval: 25 });
    tmux('send-keys', '-t', session, '-l', 'RELEASE');
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^killswitch released for workflow "Deploy" by bob/), { timeout: 2000, interval: 25 });
    expect(JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8' })).active).toEqual([]);
    // Nothing left: X says so at once instead of asking a reason.
    tmux('send-keys', '-t', session, 'X');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^the killswitch is not engaged: nothing to release/), { timeout: 2000, interval: 25 });
  }, 40_000);

  it('X with several engagements lists them to choose from; the one picked is released, the other stays', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    for (const scope of [[], ['--scope', 'Deploy']]) expect((await ops(['killswitch', ...scope, '--reason', 'incident 7', '--workspace', ws])).code).toBe(0);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'OPS_ACTOR=bob', 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    await waitScreen(/^ops +\S+ .*24h: \d+ runs/m, 5000);
    tmux('send-keys', '-t', session, 'X');
    await waitScreen(/^> all workflows\n {2}Deploy$/m);
    tmux('send-keys', '-t', session, 'Down');
    await waitScreen(/^> Deploy$/m);
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(/^scope: +workflow "Deploy"$/m);
    tmux('send-keys', '-t', session, '-l', 'deploy fixed');
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^type RELEASE to confirm> _/), { timeout: 2000, interval: 25 });
    tmux('send-keys', '-t', session, '-l', 'RELEASE');
    tmux('send-keys', '-t', session, 'Enter');
    await vi.waitFor(() => expect(lastLine()).toMatch(/^killswitch released for workflow "Deploy" by bob/), { timeout: 2000, interval: 25 });
    const status = JSON.parse(execFileSync(process.execPath, [OPS_BIN, 'killswitch', 'status', '--json', '--workspace', ws], { encoding: 'utf8', env: { PATH: process.env.PATH, OPS_NOW: NOW } }));
    expect(status.active.map((e: { scope: string | null }) => e.scope)).toEqual([null]);
  }, 30_000);

  it('the banner shows what is left of an expiry in hours and minutes, never rounded up: --expires 2h engaged 30 s ago shows "expires in 1h59m"', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    const engagedAt = new Date(Date.parse(NOW) - 30_000).toISOString().replace('.000Z', 'Z');
    const env = { OPS_NOW: engagedAt, OPS_ACTOR: 'carol' };
    expect((await ops(['killswitch', '--reason', 'incident 9', '--expires', '2h', '--workspace', ws], { env })).code).toBe(0);
    expect((await ops(['killswitch', '--scope', 'Deploy', '--reason', 'bad deploy', '--expires', '45m', '--workspace', ws], { env })).code).toBe(0);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    // Was "expires in 1h" and "expires in 44m" (an age's rounding: whole hours only).
    await waitScreen(/^!!! KILLSWITCH ENGAGED !!! all workflows — by carol 30s ago, expires in 1h59m$/m, 5000);
    expect(screen()).toMatch(/^!!! reason: incident 9$/m);
    expect(screen()).toMatch(/^!!! KILLSWITCH ENGAGED !!! workflow "Deploy" — by carol 30s ago, expires in 44m$/m);
    // Wide enough for exact times: the same figure beside them.
    tmux('resize-window', '-t', session, '-x', '160', '-y', '24');
    await waitScreen(/all workflows — by carol since 2025-11-13T23:59:30Z \(30s ago\), expires 2025-11-14T01:59:30Z \(in 1h59m\)/);
  }, 30_000);

  it('Enter opens a retry entry (its attempts with times and outcome, class, cause, evidence) and an audit ticket (its Markdown as text, scrolled with j/PgDn/G); Esc and q go back; each fits 80x24', async () => {
    const ws = tempDir();
    expect((await ops(['demo', ws, '--runs', '300'])).code).toBe(0);
    const [entry] = JSON.parse((await ops(['retry', 'list', '--json', '--workspace', ws])).stdout);
    const [ticket] = JSON.parse((await ops(['audit', 'list', '--json', '--workspace', ws])).stdout);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', '-u', 'CI', `OPS_NOW=${NOW}`, 'NO_COLOR=1', process.execPath, CONSOLE_BIN, '--workspace', ws);
    await waitScreen(/^ops +\S+ .*24h: \d+ runs/m, 5000);
    const lines = () => screen().trimEnd().split('\n');
    const fits = () => {
      expect(lines()).toHaveLength(23);
      expect(lines()[0]).toMatch(/^ops  /);
      for (const l of lines()) expect(l.length).toBeLessThanOrEqual(80);
    };

    tmux('send-keys', '-t', session, 'Tab');
    await waitScreen(new RegExp(`^> +${entry.id} `, 'm'), 3000);
    tmux('send-keys', '-t', session, 'Enter');
    await waitScreen(new RegExp(`^retry #${entry.id} +run ${entry.run_id} attempt ${entry.run_attempt} +${entry.workflow}`, 'm'));
    expect(screen()).toMatch(new RegExp(`^state: ${entry.state} +attempt ${entry.attempt}/${entry.max_attempts}`, 'm'));
    expect(screen()).toMatch(/^class: \w+/m);
    expect(screen()).toMatch(/^cause: /m);
    expect(screen()).toMatch(/^attempts \(re-runs by ops\): \d+$/m);
    expect(screen()).toMatch(/^ {2}#1 {2}\w+ +\d{4}-\d\d-\d\dT\S+ -> \S+/m);
    expect(screen()).toMatch(/^evidence/m);
    expect(lastLine()).toMatch(new RegExp(`Retry #${entry.id} line 1/\\d+$`));
    fits();
    tmux('send-keys', '-t', session, 'Escape');
    await waitScreen(/^ {2}ID +STATE/m);

    for (let i = 0; i < 3; i++) {
      tmux('send-keys', '-t', session, 'Tab');
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitScreen(/^ {2}TICKET +RISK/m);
    tmux('send-keys', '-t', session, 'Enter');
    // The Markdown's heading, its fields as aligned columns, links as text.
    await waitScreen(new RegExp(`^${ticket.ticket}: `, 'm'));
    expect(screen()).toMatch(/^field +value$/m);
    expect(screen()).toMatch(/^risk +(high|medium|low)$/m);
    expect(screen()).not.toMatch(/\|/);
    expect(lastLine()).toMatch(/Ticket line 1\/\d+$/);
    fits();
    tmux('send-keys', '-t', session, 'j');
    await vi.waitFor(() => expect(lastLine()).toMatch(/Ticket line 2\/\d+$/), { timeout: 2000, interval: 25 });
    tmux('send-keys', '-t', session, 'G');
    await waitScreen(/^Evidence$/m);
    const total = Number(/Ticket line \d+\/(\d+)$/.exec(lastLine())![1]);
    // The last page is full: 20 rows of text between the two status lines and the footer.
    expect(lastLine()).toMatch(new RegExp(`Ticket line ${total - 19}/${total}$`));
    fits();
    // q goes back to the list, not out of the console; q again quits.
    tmux('send-keys', '-t', session, 'q');
    await waitScreen(/^ {2}TICKET +RISK/m);
    expect(lastLine()).toMatch(/Audit tickets 1\/\d+$/);
    tmux('send-keys', '-t', session, 'q');
    await vi.waitFor(() => expect(() => tmux('has-session', '-t', session)).toThrow(), { timeout: 3000, interval: 50 });
  }, 40_000);
});
