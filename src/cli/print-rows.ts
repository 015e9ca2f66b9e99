import type { Context } from './context';
import type { IO } from './io';
import { printJson } from './output';
import { style, type Style } from './style';
import { renderTable, type Column } from './table';

/**
 * The output of a list command: `--json` as an array (of `json(row)`), else a table, or
 * a one-line note on stderr when there is nothing to list (stdout stays empty for pipes).
 * `limit`: the list was capped at `--limit N`; when full, says how many `total()` matched (`cutNotice`).
 */
export function printRows<T>(
  ctx: Context,
  rows: T[],
  o: { empty: string; columns: (s: Style) => Column<T>[]; json?: (row: T) => unknown; limit?: { limit: number; total: () => number } },
): void {
  if (ctx.json) printJson(ctx.io, o.json ? rows.map(o.json) : rows);
  else if (!rows.length) {
    ctx.io.stderr.write(o.empty + '\n');
    return;
  } else ctx.io.stdout.write(renderTable(o.columns(style(ctx.io.color)), rows));
  if (o.limit) cutNotice(ctx.io, rows.length, o.limit.limit, o.limit.total);
}

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
