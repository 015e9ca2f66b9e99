import { createReadStream, openSync, fstatSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from './errors';
import type { IO } from './io';

/**
 * What a lone `-` argument becomes before yargs sees it: yargs turns `-` into an empty
 * string (yargs/yargs#1312). NUL cannot occur in a path, so this never names a real file.
 */
export const STDIN_ARG = '\0stdin';

/** A FILE-or-`-` argument opened for streaming; a missing or unreadable file is exit 2 at once. */
export function openInput(arg: string, io: IO): { name: string; stream: AsyncIterable<string | Buffer> } {
  if (arg === '-' || arg === STDIN_ARG) return { name: 'stdin', stream: io.stdin as AsyncIterable<string | Buffer> };
  const path = resolve(io.cwd, arg);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usageError(arg, code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw usageError(arg, 'is a directory, not a file');
  }
  return { name: arg, stream: createReadStream('', { fd, highWaterMark: 1 << 20 }) };
}
