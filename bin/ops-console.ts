// ops-console: the full-screen live view (SPEC §7). Only node built-ins and small modules
// are imported statically: refusing a non-TTY, printing help and reporting a bad flag must
// not pay for loading Ink, React or SQLite.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorText, Exit, OpsError } from '../src/cli/errors';
import { colorEnabled } from '../src/cli/io';
import { resolveNow, toIso } from '../src/time/clock';
import { userInfo } from 'node:os';
import type { Instance } from 'ink';
import type { Ledger } from '../src/ledger/open';

const USAGE = `Usage: ops-console [--workspace DIR] [--ledger FILE]
       ops-console --server URL          (the API key in OPS_TOKEN)

Full-screen live view of the workspace's runs ledger; updates as other processes write it.
Needs an interactive terminal; for a text summary (pipes, CI logs) run: ops status

Options:
  --workspace DIR  workspace root (default: OPS_WORKSPACE, else the current directory)
  --ledger FILE    ledger file (default: OPS_LEDGER, else <workspace>/.ops/ledger.db)
  --server URL     a team's ops serve instead of a local ledger (default: OPS_SERVER); live
                   over its event stream; K and X act through its API under the key's name
  -h, --help       show this help

Keys: Tab next panel (runs, retries, KPIs, alerts, tickets), ↑↓ or j/k move, PgUp/PgDn page,
g/G first/last, Enter opens the run, alert, retry entry or audit ticket (Esc or q back),
/ filter runs, r replay the selected retry, K engage / X release the killswitch (scope,
expiry, reason, then type-to-confirm), ? help, q quit.

While it runs it also sends due notifications (config.json notifications.channels): every
15 s, and at once after its own actions; what fails shows in the status line.
`;

const NOT_A_TTY =
  'ops-console: needs an interactive terminal (stdin and stdout must be a TTY); for a text summary run: ops status';

const DELIVERY_EVERY_MS = 15_000;

const say = (line: string) => process.stderr.write(line + '\n');

// Alternate screen buffer (the shell's screen comes back untouched on exit), cursor hidden.
const ENTER_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';

async function main(argv: string[]): Promise<number> {
  let flags: { workspace?: string; ledger?: string; server?: string; help?: boolean };
  try {
    flags = parseArgs({
      args: argv,
      options: { workspace: { type: 'string' }, ledger: { type: 'string' }, server: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    // Node's messages carry a second sentence about `--`; the first says what is wrong.
    say(`ops-console: ${(err as Error).message.split('. ')[0]} (see ops-console --help)`);
    return Exit.usage;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return Exit.ok;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    say(NOT_A_TTY);
    return Exit.usage;
  }

  const env = process.env;
  // OPS_SERVER stands in for --server unless a local workspace or ledger is named on the command line.
  const local = flags.workspace !== undefined || flags.ledger !== undefined;
  const server = flags.server ?? (local ? undefined : env.OPS_SERVER || undefined);
  if (server !== undefined) {
    if (flags.workspace !== undefined || flags.ledger !== undefined) return report(new OpsError(Exit.usage, '--server', 'reads the server, not a workspace: drop --workspace and --ledger'));
    return mainServer(server, env);
  }
  const workspace = resolve(flags.workspace ?? (env.OPS_WORKSPACE || '.'));
  const ledgerFlag = flags.ledger ?? (env.OPS_LEDGER || undefined);
  const ledgerPath = ledgerFlag ? resolve(ledgerFlag) : join(workspace, '.ops', 'ledger.db');

  let db: Ledger;
  try {
    resolveNow(env); // a malformed OPS_NOW is a usage error now, not a crash inside a render
    // As `ops`: a misspelt --workspace is not an empty workspace to watch.
    if (!isDirectory(join(workspace, '.ops')) && !(ledgerFlag && existsSync(ledgerPath))) {
      throw new OpsError(Exit.usage, workspace, 'no ops workspace here (run ops init)');
    }
    const { openLedger } = await import('../src/ledger/open');
    db = openLedger(ledgerPath);
    // SQLite's own 2 MB page cache, not the 16 MB better-sqlite3 builds in: the console reads
    // windows of a few dozen rows and scans (counts, filter, KPIs) far larger than either, and
    // filling 16 MB costs that much memory and ~50 ms of the first count on a million runs.
    db.pragma('cache_size = -2000');
  } catch (err) {
    return report(err);
  }

  const { startConsole, ledgerSource, ledgerActions, deliveryLoop } = await importUi();
  const screen = fullScreen(process.stdout);
  const delivery = deliveryLoop(db, { workspace, env, everyMs: DELIVERY_EVERY_MS });
  let app: Instance | undefined;
  const shutdown = (code: number, error?: unknown): never => {
    delivery.stop();
    app?.unmount(); // first, so Ink's last frame lands on the alternate screen, not the shell's
    screen.leave();
    db.close();
    if (error !== undefined) report(error);
    process.exit(code);
  };
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', Exit.interrupted]] as const) {
    process.once(signal, () => shutdown(code));
  }
  process.once('uncaughtException', (err) => shutdown(Exit.failed, err));
  process.once('exit', screen.leave); // last resort; leave() is idempotent

  const clock = () => resolveNow(env);
  try {
    const actions = ledgerActions(db, {
      actor: env.OPS_ACTOR || env.GITHUB_ACTOR || userName(),
      now: () => toIso(clock()),
      settings: () => consoleSettings(workspace, env),
      replaySettings: async () => {
        const [{ loadConfig }, { loadRules, maskText }] = await Promise.all([import('../src/config/load'), import('../src/sanitize/index')]);
        const config = loadConfig(workspace, 'config.json').value;
        const rules = loadRules(loadConfig(workspace, 'mask-rules.json').value, env);
        return {
          config,
          policy: loadConfig(workspace, 'retry-policy.json').value,
          mask: (text: string) => (text ? maskText(rules, text).text : text),
          gh: env.OPS_GH || config.gh,
          env,
        };
      },
      written: delivery.kick,
      ticket: (auditSeq) => void writeTicket(db, workspace, env, auditSeq).then((problem) => problem && notices.say(problem)),
      github: () => reachGithub(workspace, env, (text) => notices.say(text)),
    });
    const configWatch = watchConfig(workspace);
    const notices = noticeBoard(delivery);
    app = startConsole({ source: ledgerSource(db, { timeZone: env.OPS_TZ || undefined, reportsDir: () => consoleReportsDir(workspace) }), actions, workspace: tildify(workspace), clock, color: colorEnabled(env, true), notices, configProblems: configWatch });
    // After the first frame: zod and the config schemas are only needed once someone acts.
    void import('../src/config/load').then((m) => (configModule = m));
    configWatch.start();
    // What CI jobs left due while no one was watching goes out soon after start, not 15 s later.
    setTimeout(delivery.kick, 1000).unref();
    await app.waitUntilExit();
  } catch (err) {
    shutdown(Exit.failed, err);
  }
  delivery.stop();
  screen.leave();
  db.close();
  return Exit.ok;
}

/**
 * `ops-console --server URL`: the same screen over a team's `ops serve` (src/console/http-source):
 * no ledger, no notification delivery or GitHub work here (the server does those after
 * each write), the key from OPS_TOKEN (never a flag: flags show in process lists).
 */
async function mainServer(url: string, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    resolveNow(env);
    if (!/^https?:\/\/[^/]/i.test(url)) throw new OpsError(Exit.usage, '--server', `expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
    if (!env.OPS_TOKEN) throw new OpsError(Exit.usage, '--server', 'set OPS_TOKEN to an API key of the server (ops serve keys create NAME --role viewer|operator)');
  } catch (err) {
    return report(err);
  }
  const ui = await importUi();
  let session: Awaited<ReturnType<typeof ui.connectServer>>;
  try {
    session = await ui.connectServer({ url, token: env.OPS_TOKEN });
  } catch (err) {
    return report(err);
  }
  const screen = fullScreen(process.stdout);
  let app: Instance | undefined;
  const shutdown = (code: number, error?: unknown): never => {
    session.stop();
    app?.unmount();
    screen.leave();
    if (error !== undefined) report(error);
    process.exit(code);
  };
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', Exit.interrupted]] as const) {
    process.once(signal, () => shutdown(code));
  }
  process.once('uncaughtException', (err) => shutdown(Exit.failed, err));
  process.once('exit', screen.leave);
  try {
    // The header's place for the workspace: which server, as whom (never the key).
    const label = `${new URL(url).host} as ${session.who.name} (${session.who.role})`;
    app = ui.startConsole({ source: session.source, actions: session.actions, workspace: label, clock: () => resolveNow(env), color: colorEnabled(env, true), notices: session.notices });
    await app.waitUntilExit();
  } catch (err) {
    shutdown(Exit.failed, err);
  }
  session.stop();
  screen.leave();
  return Exit.ok;
}

/**
 * Loads the UI with CI and CONTINUOUS_INTEGRATION hidden. Ink (is-in-ci) and chalk
 * (supports-color) read them once, at import: with CI=true Ink renders nothing until exit
 * and chalk drops colour, even on a real terminal (tmux on a CI box). We only get here on a
 * TTY, so the terminal is interactive whatever CI says; children still see the variables.
 */
async function importUi() {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('../views/start');
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

function fullScreen(stdout: NodeJS.WriteStream) {
  let size = `${stdout.columns}x${stdout.rows}`;
  // Terminals reflow or crop the old frame on resize, which Ink's line-erasing redraw cannot
  // undo: start from a blank screen. Registered before Ink's own listener, so it runs first.
  const onResize = () => {
    const now = `${stdout.columns}x${stdout.rows}`;
    if (now !== size) stdout.write('\x1b[H\x1b[2J');
    size = now;
  };
  let active = true;
  stdout.write(ENTER_SCREEN);
  stdout.on('resize', onResize);
  return {
    leave() {
      if (!active) return;
      active = false;
      stdout.off('resize', onResize);
      stdout.write(LEAVE_SCREEN);
    },
  };
}

function report(err: unknown): number {
  say(`ops-console: ${errorText(err)}`);
  return err instanceof OpsError ? err.code : Exit.failed;
}

function tildify(path: string): string {
  const home = process.env.HOME;
  return home && (path === home || path.startsWith(home + '/')) ? '~' + path.slice(home.length) : path;
}

process.exitCode = await main(process.argv.slice(2));

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

let configModule: typeof import('../src/config/load') | undefined;

/**
 * What an action needs from the workspace config (read when the action runs). Never fails:
 * K and X must work with a broken config, so invalid fields take their defaults and are
 * named as problems (the status line shows them).
 */
function consoleSettings(workspace: string, env: NodeJS.ProcessEnv) {
  if (!configModule) throw new Error('the configuration is still loading: try again');
  const { value: config, problems } = configModule.loadConfigLenient(workspace, 'config.json');
  return {
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    reportsDir: resolve(workspace, config.reportsDir),
    timeZone: env.OPS_TZ || config.timezone,
    problems: problems.map(configModule.problemText),
  };
}

const CONFIG_CHECK_EVERY_MS = 5_000;

/**
 * The config files' problems for the header: checked after the first frame and every few
 * seconds (a fix shows without a restart; an unchanged valid config costs five small reads).
 */
function watchConfig(workspace: string) {
  const listeners = new Set<(problems: readonly string[]) => void>();
  let last = '[]';
  const check = async () => {
    try {
      const [{ quickConfigProblems }, { problemText }] = await Promise.all([import('../src/config/quick-check'), import('../src/config/problem')]);
      const problems = (await quickConfigProblems(workspace)).map(problemText);
      const key = JSON.stringify(problems);
      if (key === last) return;
      last = key;
      listeners.forEach((l) => l(problems));
    } catch {
      // the header simply shows nothing new
    }
  };
  return {
    subscribe(listener: (problems: readonly string[]) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    start() {
      setTimeout(() => void check(), 0).unref();
      setInterval(() => void check(), CONFIG_CHECK_EVERY_MS).unref();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The reports root for evidence checks in the details view: config.json reportsDir once loaded, else the default. */
function consoleReportsDir(workspace: string): string {
  const dir = configModule?.loadConfigLenient(workspace, 'config.json').value.reportsDir ?? 'docs/reports';
  return resolve(workspace, dir);
}

/**
 * The audit ticket of an engagement made from the console, written now as `ops killswitch`
 * writes it. The workspace lock is tried, not waited for: a wait would freeze the screen
 * (the lock's wait blocks), and `ops audit ticket` or the next `ops report` writes it later.
 * Returns what went wrong, for the status line; null when written.
 */
async function writeTicket(db: Ledger, workspace: string, env: NodeJS.ProcessEnv, _auditSeq: number): Promise<string | null> {
  try {
    // The tickets consumer, from its cursor: this engagement's ticket, and any left pending.
    const { runConsumers } = await import('../src/consumers/run');
    const { reportsDir, timeZone } = consoleSettings(workspace, env);
    const problems = await runConsumers(db, { reportsDir: () => reportsDir, timeZone: () => timeZone, now: toIso(resolveNow(env)) }, { workspace, lockTimeoutMs: 0, only: ['tickets'] });
    return problems[0] ?? null;
  } catch (err) {
    return `audit ticket not written (${errorText(err)}); ops audit ticket writes it`;
  }
}

/** The delivery loop's messages for the status line, and the console's own (a ticket not written). */
function noticeBoard(delivery: { subscribe(listener: (text: string) => void): () => void }) {
  const listeners = new Set<(text: string) => void>();
  return {
    subscribe(listener: (text: string) => void) {
      listeners.add(listener);
      const off = delivery.subscribe(listener);
      return () => {
        listeners.delete(listener);
        off();
      };
    },
    say: (text: string) => listeners.forEach((l) => l(text)),
  };
}

/**
 * The GitHub side of a killswitch change made in the console (the Actions variable, runs in
 * scope cancelled, schedules disabled or re-enabled): `ops killswitch --resume` in a child
 * process, so the screen never waits on GitHub and the steps are the CLI's own saga (recorded,
 * resumable). Says the outcome in the status line; nothing when no repository is configured.
 */
function reachGithub(workspace: string, env: NodeJS.ProcessEnv, say: (text: string) => void): void {
  // No repository configured: nothing on GitHub to reach (an invalid config.json: the child says so).
  try {
    if (configModule && !configModule.loadConfigLenient(workspace, 'config.json').value.repos.length) return;
  } catch {
    // unreadable: let the child report it
  }
  void import('node:child_process').then(({ execFile }) => {
    const ops = new URL('../../bin/ops', import.meta.url).pathname;
    execFile(process.execPath, [ops, 'killswitch', '--resume', '--workspace', workspace], { env: { ...env, NO_COLOR: '1' }, timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      const summary = stdout.split('\n').filter((l) => l.startsWith('GitHub: ')).at(-1);
      const lines = stderr.split('\n').filter((l) => l.startsWith('ops: '));
      const problem = lines.filter((l) => !l.startsWith('ops: warning') && !l.startsWith('ops: killswitch: GitHub ')).at(-1);
      const progress = lines.filter((l) => l.startsWith('ops: killswitch: GitHub ')).at(-1);
      if (err) say(problem ? `GitHub: ${problem.slice(5)}` : `GitHub not reached: ${errorText(err)} (ops killswitch --resume)`);
      else if (summary) say(summary);
      else if (progress) say(`GitHub: ${progress.slice('ops: killswitch: GitHub '.length)}`);
    });
  });
}
