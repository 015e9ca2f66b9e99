import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { IO } from './io';
import { usageError } from './errors';
import type { ConfigProblem } from '../config/problem';
import { resolveNow, toIso } from '../time/clock';
import type { ConfigFile, ConfigOf } from '../config/schemas';
import type { Ledger, OpenOptions } from '../ledger/open';

/** Flags every command accepts (SPEC §10.1). */
export interface GlobalArgs {
  workspace?: string;
  ledger?: string;
  reportsDir?: string;
  json?: boolean;
  verbose?: boolean;
  actor?: string;
}

/**
 * What a command needs from the world, resolved once from flags and environment.
 * The ledger and the config files are loaded on first use (and better-sqlite3/zod with
 * them), so a command pays only for what it touches.
 */
export interface Context {
  io: IO;
  json: boolean;
  verbose: boolean;
  /** Absolute workspace root: --workspace, OPS_WORKSPACE, or the current directory. */
  workspace: string;
  /** --ledger, OPS_LEDGER, or <workspace>/.ops/ledger.db. */
  ledgerPath: string;
  /** "Now" in epoch ms: OPS_NOW when set. */
  now: number;
  nowIso: string;
  actor: string;
  /** Recorded with the actor: `ci` inside GitHub Actions, else `operator`. */
  role: string;
  config<F extends ConfigFile>(file: F): Promise<ConfigOf<F>>;
  /**
   * From now on an invalid config file does not stop the command: its invalid fields take
   * their built-in defaults and the problems are collected in `configProblems`. For the
   * emergency paths (killswitch), which must work on a workspace whose config is broken.
   */
  degradeConfig(): void;
  /** What degraded loading found wrong so far (each problem once). */
  readonly configProblems: readonly ConfigProblem[];
  /**
   * Refuses (exit 2) a folder that is not an ops workspace: no `.ops/` folder, and no
   * existing ledger named by --ledger / OPS_LEDGER. Only `ops init` and `ops demo` make one,
   * so a misspelt --workspace never becomes a new, empty workspace.
   */
  requireWorkspace(): void;
  /** Time zone for folder and file names: OPS_TZ, config `timezone`, Asia/Tokyo. */
  timezone(): Promise<string>;
  /** Absolute reports root: --reports-dir, config `reportsDir`, docs/reports. */
  reportsDir(): Promise<string>;
  ledger(opts?: Pick<OpenOptions, 'create'>): Promise<Ledger>;
  /** The ledger if this command opened it, without opening it. */
  openedLedger(): Ledger | undefined;
  /** Closes what was opened; called by the CLI after the command. */
  close(): void;
}

export function createContext(args: GlobalArgs, io: IO): Context {
  const env = io.env;
  const workspace = resolve(io.cwd, args.workspace ?? (env.OPS_WORKSPACE || '.'));
  const ledgerFlag = args.ledger ?? (env.OPS_LEDGER || undefined);
  const ledgerPath = ledgerFlag ? resolve(io.cwd, ledgerFlag) : join(workspace, '.ops', 'ledger.db');
  const now = resolveNow(env);
  const configs = new Map<ConfigFile, unknown>();
  const problems: ConfigProblem[] = [];
  let degraded = false;
  let db: Ledger | undefined;

  const ctx: Context = {
    io,
    json: Boolean(args.json),
    verbose: Boolean(args.verbose),
    workspace,
    ledgerPath,
    now,
    nowIso: toIso(now),
    actor: args.actor || env.OPS_ACTOR || env.GITHUB_ACTOR || osUser(),
    role: env.GITHUB_ACTIONS === 'true' ? 'ci' : 'operator',
    async config(file) {
      if (!configs.has(file)) {
        if (degraded) {
          const { loadConfigLenient, problemText } = await import('../config/load');
          const loaded = loadConfigLenient(workspace, file);
          const seen = new Set(problems.map(problemText));
          problems.push(...loaded.problems.filter((p) => !seen.has(problemText(p))));
          configs.set(file, loaded.value);
        } else {
          const { quickConfig } = await import('../config/quick-check');
          configs.set(file, await quickConfig(workspace, file));
        }
      }
      return configs.get(file) as never;
    },
    degradeConfig() {
      degraded = true;
    },
    configProblems: problems,
    requireWorkspace() {
      if (isDirectory(join(workspace, '.ops'))) return;
      if (ledgerFlag && existsSync(ledgerPath)) return;
      throw usageError(workspace, 'no ops workspace here (run ops init)');
    },
    async timezone() {
      if (env.OPS_TZ) {
        const { assertTimeZone } = await import('../time/zone');
        return assertTimeZone(env.OPS_TZ, 'OPS_TZ');
      }
      return (await ctx.config('config.json')).timezone;
    },
    async reportsDir() {
      const dir = args.reportsDir ?? (await ctx.config('config.json')).reportsDir;
      return isAbsolute(dir) ? dir : resolve(args.reportsDir ? io.cwd : workspace, dir);
    },
    async ledger(opts = {}) {
      if (!db) {
        const { openLedger } = await import('../ledger/open');
        db = openLedger(ledgerPath, { ...opts, now: ctx.nowIso });
      }
      return db;
    },
    openedLedger: () => db,
    close() {
      db?.close();
      db = undefined;
    },
  };
  return ctx;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
