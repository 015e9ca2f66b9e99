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
  /** Colour allowed: a TTY and no NO_COLOR (https://no-color.org). */
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
    color: isTTY && colorAllowed(process.env),
    columns: process.stdout.columns || 100,
    env: process.env,
    cwd: process.cwd(),
  };
}

export function colorAllowed(env: NodeJS.ProcessEnv): boolean {
  return !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
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
    color: opts.color ?? (isTTY && colorAllowed(env)),
    columns: opts.columns ?? 120,
    env,
    cwd: opts.cwd ?? process.cwd(),
    out: () => out,
    err: () => err,
  };
}
