import { formatAge, formatDuration, runState, stateTone, type StateTone } from '../src/runs/format';
import type { Run } from '../src/runs/types';

/**
 * The runs table's columns: the same ones and the same cell text as `ops runs list`
 * (src/runs/table.ts), so the console and the CLI never disagree about a run.
 */
export interface TableColumn<T> {
  id: string;
  header: string;
  text: (row: T, now: number) => string;
  align: 'left' | 'right';
  /** Values longer than this are truncated rather than given the row. */
  max: number;
  /**
   * Names (workflow, repository, branch) may be truncated down to this many cells; a column
   * without it holds atomic values (ids, states, times), shown whole or not at all, since
   * "18000…" or "11m0…" tells the reader nothing.
   */
  shrink?: number;
  /**
   * Order in which columns go when the terminal is too narrow: lowest first.
   * Infinity: never dropped (without workflow and state a row says nothing).
   */
  drop: number;
  tone?: (row: T) => StateTone;
}

export type RunColumn = TableColumn<Run>;

export const runColumns: readonly RunColumn[] = [
  { id: 'run', header: 'RUN', text: (r) => r.run_id, align: 'left', max: 20, drop: 5 },
  { id: 'workflow', header: 'WORKFLOW', text: (r) => r.workflow, align: 'left', max: 28, shrink: 8, drop: Infinity },
  // One workspace usually watches one repository: the first to go.
  { id: 'repository', header: 'REPOSITORY', text: (r) => r.repository, align: 'left', max: 30, shrink: 10, drop: 1 },
  { id: 'branch', header: 'BRANCH', text: (r) => r.branch ?? '-', align: 'left', max: 24, shrink: 6, drop: 3 },
  { id: 'attempt', header: 'ATT', text: (r) => String(r.attempt), align: 'right', max: 3, drop: 2 },
  { id: 'state', header: 'STATE', text: (r) => runState(r), align: 'left', max: 15, drop: Infinity, tone: stateTone },
  { id: 'duration', header: 'DURATION', text: (r) => formatDuration(r.duration_ms), align: 'right', max: 8, drop: 4 },
  { id: 'age', header: 'AGE', text: (r, now) => formatAge(r.started_at, now), align: 'right', max: 4, drop: 7 },
  { id: 'class', header: 'CLASS', text: (r) => r.classification?.class ?? '', align: 'left', max: 13, drop: 6 },
];

export interface FittedColumn<T = Run> {
  column: TableColumn<T>;
  width: number;
}

export const COLUMN_GAP = 2;

/**
 * Chooses the columns and their widths for `width` terminal cells. Each column wants the
 * width of its longest visible value (up to max); when even the minimums do not fit,
 * the least important columns are dropped; what is left over widens the most important
 * columns first. Cells wider than their column are truncated by Ink, never wrapped.
 */
export function fitColumns<T>(columns: readonly TableColumn<T>[], runs: readonly T[], now: number, width: number): FittedColumn<T>[] {
  const wanted = columns.map((column) => {
    const longest = runs.reduce((n, r) => Math.max(n, cellWidth(column.text(r, now))), column.header.length);
    const natural = Math.max(column.header.length, Math.min(column.max, longest));
    return { column, natural, min: Math.min(column.shrink ?? natural, natural) };
  });
  const kept = [...wanted];
  const used = () => kept.reduce((n, c) => n + c.min, 0) + COLUMN_GAP * (kept.length - 1);
  while (used() > width) {
    const victim = kept.reduce<(typeof kept)[number] | undefined>((v, c) => (c.column.drop < (v?.column.drop ?? Infinity) ? c : v), undefined);
    if (!victim) break;
    kept.splice(kept.indexOf(victim), 1);
  }
  const widths = new Map(kept.map((c) => [c, c.min]));
  let spare = width - used();
  for (const c of [...kept].sort((a, b) => b.column.drop - a.column.drop)) {
    if (spare <= 0) break;
    const grow = Math.min(spare, c.natural - c.min);
    widths.set(c, c.min + grow);
    spare -= grow;
  }
  // Even the undroppable minimums overflow (a very narrow terminal): squeeze the last column.
  if (spare < 0 && kept.length > 0) {
    const last = kept[kept.length - 1]!;
    widths.set(last, Math.max(1, widths.get(last)! + spare));
  }
  return kept.map((c) => ({ column: c.column, width: widths.get(c)! }));
}

const ascii = /^[\x20-\x7e]*$/;

/**
 * Cells a value takes, counted in code points: exact for the ASCII that ids, states, times
 * and nearly all workflow and branch names are made of. A wide (CJK, emoji) character counts
 * as one, so its row may end up a cell or two long: the row is truncated, never wrapped.
 */
export const cellWidth = (text: string): number => (ascii.test(text) ? text.length : Array.from(text).length);

/** `text` padded or cut to exactly `width` cells; a cut value ends in an ellipsis. */
export function padCell(text: string, width: number, align: 'left' | 'right'): string {
  const n = cellWidth(text);
  if (n > width) return (ascii.test(text) ? text.slice(0, width - 1) : Array.from(text).slice(0, width - 1).join('')) + '…';
  const fill = ' '.repeat(width - n);
  return align === 'right' ? fill + text : text + fill;
}
