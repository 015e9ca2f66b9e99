import { visibleLength } from './style';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** Styles the padded cell; applied after alignment so colour codes do not skew widths. */
  paint?: (cell: string, row: T) => string;
}

/** A plain aligned table (the gh CLI's tableprinter): two spaces between columns, no borders. */
export function renderTable<T>(columns: Column<T>[], rows: T[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((row) => visibleLength(row[i]!))));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - visibleLength(s));
    return columns[i]!.align === 'right' ? fill + s : s + fill;
  };
  const line = (parts: string[]) => parts.join('  ').trimEnd() + '\n';
  let out = line(columns.map((c, i) => pad(c.header, i)));
  rows.forEach((row, r) => {
    out += line(columns.map((c, i) => (c.paint ? c.paint(pad(cells[r]![i]!, i), row) : pad(cells[r]![i]!, i))));
  });
  return out;
}
