import yargs, { type Argv } from 'yargs';
import type { CommandGroup, CommandSpec } from './command';
import { createContext, type Context, type GlobalArgs } from './context';
import { Exit, OpsError, isBusyError, usageError } from './errors';
import type { IO } from './io';
import { STDIN_ARG } from './input';
import { closest } from './suggest';
import { rememberArgv } from './parse';
import { annotate } from './actions-output';

declare const OPS_VERSION: string;
const version = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';

const NO_COMMAND = 'no command given';

export type Registry = (CommandSpec<any> | CommandGroup)[];

const isGroup = (c: CommandSpec<any> | CommandGroup): c is CommandGroup => 'commands' in c;

/**
 * Runs one `ops` invocation in-process and returns its exit code. Everything the command
 * prints goes through `io`, so tests drive it exactly like a terminal or CI shell does.
 */
export async function runCli(argv: string[], io: IO, registry: Registry): Promise<number> {
  argv = argv.map((a) => (a === '-' ? STDIN_ARG : a));
  rememberArgv(argv);
  const completing = completionQuery(argv);
  if (completing) argv = completing.argv;
  let exitCode: number = Exit.ok;
  let ctx: Context | undefined;
  // The options the invoked command knows (its own and the global ones): a misspelt flag's
  // did-you-mean. Recorded as each builder runs; the last is the command yargs validates.
  let known: string[] = [];

  const invoke = (spec: CommandSpec<any>) => async (args: GlobalArgs & { _: (string | number)[] }) => {
    ctx = createContext(args, io);
    if (spec.needsWorkspace !== false) ctx.requireWorkspace();
    exitCode = (await spec.run(args, ctx)) ?? Exit.ok;
    if (spec.catchUp !== false) await catchUp(ctx);
  };

  // Given argv (not only to parse): yargs' completion re-parses it inside each command.
  const cli = yargs(argv)
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
    .demandCommand(1, NO_COMMAND)
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(io.columns, 110))
    .version(version)
    .help()
    .alias('h', 'help')
    .example(EXAMPLES)
    .epilogue(EXIT_CODES)
    .fail((msg, err) => {
      // yargs' own parse errors (YError: a flag without its value) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      msg = msg ?? err?.message;
      const { path, entry } = matchCommand(argv, registry);
      throw usageError(path, usageMessage(msg ?? 'invalid usage', path, entry, argv, known));
    });
  const remember = <Y extends Argv<any>>(y: Y): Y => {
    known = optionNames(y);
    return y;
  };
  known = optionNames(cli);

  for (const entry of registry) {
    if (isGroup(entry)) {
      const own = entry.run && { ...entry, run: entry.run };
      cli.command(
        entry.command,
        entry.describe,
        (y: Argv) => {
          for (const spec of entry.commands) addCommand(y, spec, invoke(spec), remember);
          return remember(own ? (entry.builder?.(y) ?? y) : y.demandCommand(1));
        },
        own ? invoke(own) : undefined,
      );
    } else {
      addCommand(cli, entry, invoke(entry), remember);
    }
  }
  // Last in `ops --help`. The script asks `ops --get-yargs-completions <words>`.
  cli.completion('completion', 'Print a shell completion script (bash, or zsh when $SHELL is zsh): ops completion >> ~/.bashrc');

  try {
    let printed = '';
    await cli.parseAsync(argv, {}, (_err, _args, output) => {
      printed = output;
    });
    // --help / --version / completion: yargs hands us the text instead of printing it.
    if (completing) printed = completing.filter(printed);
    if (printed) io.stdout.write(printed.endsWith('\n') ? printed : printed + '\n');
  } catch (err) {
    exitCode = report(err, io, argv.includes('--verbose'), jsonRequested(argv));
  } finally {
    (ctx as Context | undefined)?.close();
  }
  return exitCode;
}

/** stdout is one JSON document: --json, or `ops status --format json`. */
const jsonRequested = (argv: string[]) => argv.some((a, i) => a === '--json' || a === '--json=true' || a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));

/**
 * Any ops process that opened the ledger runs the consumers that are behind before it exits
 * (events committed by a process killed before its consumers ran). Cheap when none is: one
 * indexed read. Silent: what fails is recorded on the consumer (ops events consumers).
 */
async function catchUp(ctx: Context): Promise<void> {
  const db = ctx.openedLedger();
  if (!db?.open) return;
  try {
    // Behind, or an alert's action (killswitch, rollback) left undone by a process that was killed.
    const behind = db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM event_consumers WHERE cursor < (SELECT COALESCE(MAX(seq), 0) FROM audit_events))
           OR EXISTS (SELECT 1 FROM alert_actions WHERE state = 'pending')`,
      )
      .pluck()
      .get();
    if (!behind) return;
    const { contextEnv, runConsumers } = await import('../consumers');
    await runConsumers(db, await contextEnv(ctx, db), { workspace: ctx.workspace, lockTimeoutMs: 200 });
  } catch {
    // busy or broken: the next process tries again
  }
}

function addCommand(y: Argv<any>, spec: CommandSpec<any>, handler: (args: any) => Promise<void>, remember: (y: Argv<any>) => Argv<any>): void {
  y.command({
    command: spec.command,
    aliases: spec.aliases,
    describe: spec.describe,
    builder: ((b: Argv<any>) => remember(spec.builder ? spec.builder(b) : b)) as never,
    handler,
  });
}

/** The first commands on call, for `ops --help`. */
const EXAMPLES: [string, string][] = [
  ['ops-console', 'the live console, on a terminal'],
  ['$0 status', 'the same as text, for a CI log or a chat paste'],
  ['$0 killswitch --reason "bad deploy" --expires 4h', 'stop every workflow (--scope W: one)'],
  ['$0 killswitch --release --reason "fixed"', 'let them run again'],
  ['$0 guard', "a CI job's first step: exit 3 while stopped"],
  ["$0 evidence collect --logs 'logs/*.log'", "a CI job's last step: its logs, sanitized"],
  ['$0 retry replay --dry-run', 'what a replay would re-run now'],
];

/** README's exit-code table: CI scripts branch on these. */
const EXIT_CODES = [
  'Exit codes:',
  '  0    success',
  '  1    the operation failed (runtime error, external command failed)',
  '  2    usage or invalid input (flag, config file, input file); nothing was changed',
  '  3    blocked: the killswitch is engaged',
  '  4    a check found problems',
  '  5    workspace busy: the ledger lock was not obtained in time',
  '  130  interrupted (Ctrl-C); nothing torn',
].join('\n');

const COMPLETION_KEY = '--get-yargs-completions';

/**
 * `ops --get-yargs-completions WORDS…`, what the completion script asks. yargs expects the
 * words as the shell has them, program first (`ops runs l`); `runs l` alone is taken as the
 * same. The answer keeps only the candidates that start with the word being completed.
 */
function completionQuery(argv: string[]): { argv: string[]; filter: (out: string) => string } | null {
  const at = argv.indexOf(COMPLETION_KEY);
  if (at < 0) return null;
  const words = argv.slice(at + 1);
  if (!/(^|\/)ops$/.test(words[0] ?? '')) words.unshift('ops');
  const current = words.length > 1 ? words[words.length - 1]! : '';
  return {
    argv: [COMPLETION_KEY, ...words],
    filter: (out) => out.split('\n').filter((c) => c && c.startsWith(current)).join('\n'),
  };
}

/** The long and short option names a yargs context knows, as typed (`limit`, `reports-dir`, `h`). */
function optionNames(y: Argv<any>): string[] {
  const o = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  const names = new Set<string>();
  for (const k of Object.keys(o.key)) names.add(k);
  for (const list of Object.values(o.alias ?? {})) for (const a of list) names.add(a);
  // yargs adds fooBar beside foo-bar: nobody types those.
  return [...names].filter((n) => !/[A-Z]/.test(n) || !names.has(n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())));
}

/**
 * One line on stderr, `ops: <subject>: <what is wrong>` (SPEC §10.2); the stack only with
 * --verbose. Inside GitHub Actions the same line is also an `::error` annotation on stdout
 * (not with --json: stdout is then one JSON document), so it shows on the run's page.
 */
function report(err: unknown, io: IO, verbose: boolean, json: boolean): number {
  const line = (text: string) => {
    io.stderr.write(`ops: ${text}\n`);
    annotate(io, 'error', text, { title: 'ops' }, json);
  };
  if (err instanceof OpsError) {
    line(`${err.subject}: ${err.message}`);
    if (verbose && err.stack) io.stderr.write(err.stack + '\n');
    return err.code;
  }
  if (isBusyError(err)) {
    line('ledger: locked by another ops process (timed out waiting)');
    return Exit.busy;
  }
  const e = err as Error;
  line(`error: ${e?.message ?? String(err)}`);
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
function usageMessage(msg: string, path: string, entry: Registry[number] | undefined, argv: string[], known: string[]): string {
  const help = `see ops ${path === 'usage' ? '' : path + ' '}--help`;
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) return unknownArguments(unknown[1]!.split(', '), argv, known, help);
  if (msg === NO_COMMAND) {
    // `ops --jsno status`: yargs takes `status` as the unknown flag's value and reports a
    // missing command; the misspelt flag is what the user needs to hear about.
    const stray = argv.flatMap((t) => (/^--[^-]/.test(t) ? [t.slice(2).replace(/=.*$/s, '').replace(/^no-/, '')] : [])).filter((n) => !known.includes(n));
    if (stray.length) return unknownArguments(stray, argv, known, help);
  }
  const valueless = /^Not enough arguments following: (\S+)$/.exec(msg);
  if (valueless) return `--${valueless[1]} needs a value (${help})`;
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

/**
 * `unknown argument --limt; did you mean --limit?`: a misspelt flag gets the nearest option
 * the command knows (its own and the global ones), like a misspelt command does.
 */
function unknownArguments(names: string[], argv: string[], known: string[], help: string): string {
  // How the user wrote it: `--limt`, `-x`; '' for yargs' camelCase twin of a kebab flag
  // already listed; null when it is no flag (a stray positional word).
  const typed = (name: string): string | null => {
    if (/[A-Z]/.test(name) && names.includes(name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()))) return '';
    for (const token of argv) {
      if (token === '--') break;
      const flag = token.replace(/=.*$/s, '');
      if (flag === `--${name}` || flag === `--no-${name}`) return flag;
      if (name.length === 1 && /^-[^-]/.test(flag) && flag.includes(name)) return `-${name}`;
    }
    return null;
  };
  const parts: { text: string; hint: string | null }[] = [];
  for (const name of names) {
    const flag = typed(name);
    if (flag === '') continue;
    if (flag === null) parts.push({ text: JSON.stringify(name), hint: null });
    else {
      const near = closest(flag.replace(/^--?(no-)?/, ''), known.filter((k) => k.length > 1));
      parts.push({ text: flag, hint: near && `--${near}` });
    }
  }
  if (parts.length === 1 && parts[0]!.hint) return `unknown argument ${parts[0]!.text}; did you mean ${parts[0]!.hint}?`;
  const list = `unknown argument${parts.length === 1 ? '' : 's'} ${parts.map((p) => (p.hint ? `${p.text} (did you mean ${p.hint}?)` : p.text)).join(', ')}`;
  return parts.some((p) => p.hint) ? list : `${list} (${help})`;
}
