import { Readable } from 'node:stream';

/**
 * The streams a command talks to, injected so every command runs in-process in tests
 * exactly as it does in a terminal or a CI shell (the gh CLI's IOStreams idea).
 */
export interface Writer {
  write(chunk: string): unknown;
}

export interface IO {
  stdout: Writer;
  stderr: Writer;
  stdin: NodeJS.ReadableStream;
  /** stdout is a terminal: tables may be padded to its width, colours allowed. */
  isTTY: boolean;
  /** Colour allowed: see `colorEnabled` (FORCE_COLOR, NO_COLOR, a TTY or GitHub Actions). */
  color: boolean;
  columns: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIO(): IO {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isTTY,
    color: colorEnabled(process.env, isTTY),
    columns: process.stdout.columns || 100,
    env: process.env,
    cwd: process.cwd(),
  };
}

export function colorAllowed(env: NodeJS.ProcessEnv): boolean {
  return !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}

/**
 * Whether `ops` output is coloured, as Node and chalk decide it (force-color.org, no-color.org):
 * 1. `FORCE_COLOR` set: `0` or `false` turns colour off; any other value (``, `1`, `2`,
 *    `3`, `true`) turns it on, even on a pipe, and wins over `NO_COLOR` (as in Node).
 * 2. `NO_COLOR` set and not empty, or `TERM=dumb`: off.
 * 3. Otherwise on for a terminal, and inside GitHub Actions (`GITHUB_ACTIONS=true`), whose
 *    logs render ANSI colours although stdout is a pipe; off for other pipes and files.
 */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (!colorAllowed(env)) return false;
  return isTTY || env.GITHUB_ACTIONS === 'true';
}

/** An IO whose output is captured in strings: for tests and for callers that post-process. */
export function memoryIO(opts: Partial<Omit<IO, 'stdout' | 'stderr'>> = {}): IO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const env = opts.env ?? {};
  const isTTY = opts.isTTY ?? false;
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: opts.stdin ?? Readable.from([]),
    isTTY,
    color: opts.color ?? colorEnabled(env, isTTY),
    columns: opts.columns ?? 120,
    env,
    cwd: opts.cwd ?? process.cwd(),
    out: () => out,
    err: () => err,
  };
}
