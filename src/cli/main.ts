import yargs, { type Argv } from 'yargs';
import type { CommandGroup, CommandSpec } from './command';
import { createContext, type Context, type GlobalArgs } from './context';
import { Exit, OpsError, isBusyError, usageError } from './errors';
import type { IO } from './io';
import { STDIN_ARG } from './input';

declare const OPS_VERSION: string;
const version = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';

export type Registry = (CommandSpec<any> | CommandGroup)[];

const isGroup = (c: CommandSpec<any> | CommandGroup): c is CommandGroup => 'commands' in c;

/**
 * Runs one `ops` invocation in-process and returns its exit code. Everything the command
 * prints goes through `io`, so tests drive it exactly like a terminal or CI shell does.
 */
export async function runCli(argv: string[], io: IO, registry: Registry): Promise<number> {
  argv = argv.map((a) => (a === '-' ? STDIN_ARG : a));
  let exitCode: number = Exit.ok;
  let ctx: Context | undefined;

  const invoke = (spec: CommandSpec<any>) => async (args: GlobalArgs & { _: (string | number)[] }) => {
    ctx = createContext(args, io);
    if (spec.needsWorkspace !== false) ctx.requireWorkspace();
    exitCode = (await spec.run(args, ctx)) ?? Exit.ok;
  };

  const cli = yargs()
    .scriptName('ops')
    .usage('$0 <command> [options]\n\nOperator CLI for GitHub Actions CI/CD: runs ledger, evidence, retries, killswitch.')
    .options({
      workspace: { type: 'string', describe: 'Workspace root (default: OPS_WORKSPACE, else the current directory)' },
      ledger: { type: 'string', describe: 'Ledger file (default: OPS_LEDGER, else <workspace>/.ops/ledger.db)' },
      'reports-dir': { type: 'string', describe: 'Reports root (default: config reportsDir, docs/reports)' },
      json: { type: 'boolean', describe: 'Print one JSON document on stdout and nothing else' },
      verbose: { type: 'boolean', describe: 'Add stack traces to errors' },
      actor: { type: 'string', describe: 'Actor recorded in the audit log (default: OPS_ACTOR, GITHUB_ACTOR, OS user)' },
    })
    .strict()
    .demandCommand(1, 'no command given')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(io.columns, 110))
    .version(version)
    .help()
    .alias('h', 'help')
    .fail((msg, err) => {
      if (err) throw err;
      const { path, entry } = matchCommand(argv, registry);
      throw usageError(path, usageMessage(msg ?? 'invalid usage', path, entry, argv));
    });

  for (const entry of registry) {
    if (isGroup(entry)) {
      const own = entry.run && { ...entry, run: entry.run };
      cli.command(
        entry.command,
        entry.describe,
        (y: Argv) => {
          for (const spec of entry.commands) addCommand(y, spec, invoke(spec));
          return own ? (entry.builder?.(y) ?? y) : y.demandCommand(1);
        },
        own ? invoke(own) : undefined,
      );
    } else {
      addCommand(cli, entry, invoke(entry));
    }
  }

  try {
    let printed = '';
    await cli.parseAsync(argv, {}, (_err, _args, output) => {
      printed = output;
    });
    // --help / --version: yargs hands us the text instead of printing it.
    if (printed) io.stdout.write(printed.endsWith('\n') ? printed : printed + '\n');
  } catch (err) {
    exitCode = report(err, io, argv.includes('--verbose'));
  } finally {
    (ctx as Context | undefined)?.close();
  }
  return exitCode;
}

function addCommand(y: Argv<any>, spec: CommandSpec<any>, handler: (args: any) => Promise<void>): void {
  y.command({
    command: spec.command,
    aliases: spec.aliases,
    describe: spec.describe,
    builder: (spec.builder ?? ((b: Argv) => b)) as never,
    handler,
  });
}

/** One line on stderr, `ops: <subject>: <what is wrong>` (SPEC §10.2); the stack only with --verbose. */
function report(err: unknown, io: IO, verbose: boolean): number {
  if (err instanceof OpsError) {
    io.stderr.write(`ops: ${err.subject}: ${err.message}\n`);
    if (verbose && err.stack) io.stderr.write(err.stack + '\n');
    return err.code;
  }
  if (isBusyError(err)) {
    io.stderr.write('ops: ledger: locked by another ops process (timed out waiting)\n');
    return Exit.busy;
  }
  const e = err as Error;
  io.stderr.write(`ops: error: ${e?.message ?? String(err)}\n`);
  if (verbose && e?.stack) io.stderr.write(e.stack + '\n');
  return Exit.failed;
}

/** The command argv names (`runs list`) and its entry, for usage-error subjects. */
function matchCommand(argv: string[], registry: Registry): { path: string; entry?: Registry[number] } {
  const words: string[] = [];
  let level: Registry = registry;
  let entry: Registry[number] | undefined;
  for (const token of argv) {
    if (token.startsWith('-')) continue;
    const match = level.find((c) => c.command.split(' ')[0] === token || (!isGroup(c) && c.aliases?.includes(token)));
    if (!match) break;
    words.push(match.command.split(' ')[0]!);
    entry = match;
    if (!isGroup(match)) break;
    level = match.commands;
  }
  return { path: words.length ? words.join(' ') : 'usage', entry };
}

/** yargs' messages, made one line and pointed at the help that answers them. */
function usageMessage(msg: string, path: string, entry: Registry[number] | undefined, argv: string[]): string {
  const help = `see ops ${path === 'usage' ? '' : path + ' '}--help`;
  if (/^Not enough non-option arguments/.test(msg)) {
    if (entry && !isGroup(entry)) return `missing ${entry.command.split(' ').slice(1).join(' ')} (${help})`;
    return `name a subcommand (${help})`;
  }
  if (/^Did you mean/.test(msg)) {
    const depth = path === 'usage' ? 0 : path.split(' ').length;
    const unknown = argv.filter((t) => !t.startsWith('-'))[depth];
    return `unknown command ${JSON.stringify(unknown)}; ${msg.charAt(0).toLowerCase() + msg.slice(1)}`;
  }
  const line = msg.replace(/:?\s*\n\s*/g, ': ').replace(/\s+/g, ' ').trim();
  return `${line.charAt(0).toLowerCase() + line.slice(1)} (${help})`;
}
