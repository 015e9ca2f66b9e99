import type { IO } from './io';

/** `--json`: exactly one JSON document on stdout, nothing else (SPEC §10.2). */
export function printJson(io: IO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
