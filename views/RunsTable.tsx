import { memo } from 'react';
import { Box, Text } from 'ink';
import type { Run } from '../src/runs/types';
import { COLUMN_GAP, padCell, type FittedColumn, type TableColumn } from './columns';
import { accent, dim, tonePaint } from './theme';

/** The selection marker's column: visible without colour, so NO_COLOR users see the cursor too. */
export const MARKER_WIDTH = 2;

const GAP = ' '.repeat(COLUMN_GAP);

/**
 * A row is one <Text> of padded cells, with a nested <Text> only where a cell is coloured,
 * rather than a <Box> per cell: a screen of runs is then ~100 Ink nodes instead of ~1 000,
 * and layout and output, redone on every frame, cost a fraction.
 */
interface Segment<T> {
  text: string;
  tone?: TableColumn<T>['tone'];
}

/** Consecutive plain cells merged into one string; each coloured cell a segment of its own. */
function segments<T>(run: T, columns: FittedColumn<T>[], now: number): Segment<T>[] {
  const out: Segment<T>[] = [];
  let plain = '';
  columns.forEach((c, i) => {
    if (i > 0) plain += GAP;
    const text = padCell(c.column.text(run, now), c.width, c.column.align);
    if (!c.column.tone) {
      plain += text;
      return;
    }
    if (plain) out.push({ text: plain });
    out.push({ text, tone: c.column.tone });
    plain = '';
  });
  if (plain) out.push({ text: plain });
  return out;
}

interface RowProps<T> {
  run: T;
  columns: FittedColumn<T>[];
  selected: boolean;
  now: number;
  width: number;
  color: boolean;
}

// Memoised: a cursor move redraws two rows' elements, not the page's.
const Row = memo(function Row<T>({ run, columns, selected, now, width, color }: RowProps<T>) {
  const parts = segments(run, columns, now);
  const used = MARKER_WIDTH + columns.reduce((n, c) => n + c.width, 0) + COLUMN_GAP * Math.max(0, columns.length - 1);
  const highlight = selected && color;
  return (
    <Text wrap="truncate-end" bold={highlight} backgroundColor={highlight ? 'gray' : undefined}>
      <Text {...(selected ? accent(color) : {})}>{selected ? '>' : ' '}</Text>
      {' '.repeat(MARKER_WIDTH - 1)}
      {parts.map((p, i) =>
        p.tone ? (
          <Text key={i} {...tonePaint(p.tone(run), color)}>
            {p.text}
          </Text>
        ) : (
          p.text
        ),
      )}
      {/* Pads the highlight to the full width of the line. */}
      {highlight ? ' '.repeat(Math.max(0, width - used)) : ''}
    </Text>
  );
}) as <T>(props: RowProps<T>) => React.JSX.Element;

export interface DataTableProps<T> {
  rows: T[];
  rowKey: (row: T) => string;
  columns: FittedColumn<T>[];
  /** Index of the selected row within `rows`; -1 for none. */
  selected: number;
  /** What an empty table says. */
  empty: string;
  now: number;
  width: number;
  color: boolean;
}

/** A panel's table: column headings, then one row per item, the selected one marked. */
export function DataTable<T>({ rows, rowKey, columns, selected, empty, now, width, color }: DataTableProps<T>) {
  const header = ' '.repeat(MARKER_WIDTH) + columns.map((c) => padCell(c.column.header, c.width, c.column.align)).join(GAP);
  return (
    <Box flexDirection="column" flexGrow={1} width={width}>
      <Text {...dim(color)} wrap="truncate-end">
        {header.trimEnd()}
      </Text>
      {rows.length === 0 ? (
        <Text {...dim(color)} wrap="truncate-end">
          {' '.repeat(MARKER_WIDTH)}
          {empty}
        </Text>
      ) : (
        rows.map((row, i) => <Row key={rowKey(row)} run={row} columns={columns} selected={i === selected} now={now} width={width} color={color} />)
      )}
    </Box>
  );
}

export interface RunsTableProps {
  runs: Run[];
  columns: FittedColumn<Run>[];
  /** Index of the selected run within `runs`; -1 for none. */
  selected: number;
  /** What an empty table says, when not the empty ledger's hint. */
  empty?: string;
  now: number;
  width: number;
  color: boolean;
}

export function RunsTable({ runs, columns, selected, empty, now, width, color }: RunsTableProps) {
  return (
    <DataTable
      rows={runs}
      rowKey={(r) => r.run_id}
      columns={columns}
      selected={selected}
      empty={empty ?? 'no runs in the ledger yet: `ops runs import`, `ops evidence collect` in CI, or `ops demo`'}
      now={now}
      width={width}
      color={color}
    />
  );
}
