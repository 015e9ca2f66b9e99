import type { Context } from './context';
import { printJson } from './output';
import { style, type Style } from './style';
import { renderTable, type Column } from './table';

/**
 * The output of a list command: `--json` as an array (of `json(row)`), else a table, or
 * a one-line note on stderr when there is nothing to list (stdout stays empty for pipes).
 */
export function printRows<T>(ctx: Context, rows: T[], o: { empty: string; columns: (s: Style) => Column<T>[]; json?: (row: T) => unknown }): void {
  if (ctx.json) return printJson(ctx.io, o.json ? rows.map(o.json) : rows);
  if (!rows.length) {
    ctx.io.stderr.write(o.empty + '\n');
    return;
  }
  ctx.io.stdout.write(renderTable(o.columns(style(ctx.io.color)), rows));
}
