import type { Argv } from 'yargs';
import type { Context, GlobalArgs } from './context';

/**
 * One CLI command. `builder` declares its flags (run only when the command is invoked);
 * `run` does the work through `ctx` and returns the exit code (default 0).
 * Keep these modules thin and their static imports light: heavy code is imported
 * inside `run`, so `ops --help` and fast commands never load it.
 */
export interface CommandSpec<A = {}> {
  command: string;
  aliases?: string[];
  describe: string;
  /**
   * false: the command runs on any folder (init and demo make a workspace, guard must say
   * "nothing to check" on a bare runner, classify reads no workspace). Default: the folder
   * must be an ops workspace (exit 2 otherwise).
   */
  needsWorkspace?: boolean;
  /**
   * false: no catch-up afterwards. By default a command that opened the ledger runs the
   * consumers that are behind once it is done (a change made by a killed process is never
   * lost); guard stays a single read, and a follower never finishes.
   */
  catchUp?: boolean;
  builder?: (y: Argv<GlobalArgs>) => Argv<A>;
  run(args: A & GlobalArgs & { _: (string | number)[] }, ctx: Context): Promise<number | void>;
}

/**
 * A noun with verbs: `ops runs list`, `ops runs import`, … It may act itself when no verb
 * is given (`ops killswitch --reason …` beside `ops killswitch status`).
 */
export interface CommandGroup {
  command: string;
  describe: string;
  commands: CommandSpec<any>[];
  needsWorkspace?: boolean;
  builder?: CommandSpec<any>['builder'];
  run?: CommandSpec<any>['run'];
}

export const defineCommand = <A>(spec: CommandSpec<A>): CommandSpec<A> => spec;
