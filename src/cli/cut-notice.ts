import type { IO } from './io';

/**
 * A list capped at `--limit` says so, on stderr (never in the JSON): `50 of 312 shown
 * (--limit N for more)`. `total` counts what the filters match; it is asked only when the
 * list is full, so an uncut list costs no count.
 */
export function cutNotice(io: IO, shown: number, limit: number, total: () => number): void {
  if (shown < limit) return;
  const n = total();
  if (n > shown) io.stderr.write(`${shown} of ${n} shown (--limit N for more)\n`);
}
