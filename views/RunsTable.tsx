import { memo } from 'react';
import { Box, Text } from 'ink';
import type { Run } from '../src/runs/types';
import { COLUMN_GAP, padCell, type FittedColumn, type RunColumn } from './columns';
import { accent, dim, tonePaint } from './theme';

/** The selection marker's column: visible without colour, so NO_COLOR users see the cursor too. */
export const MARKER_WIDTH = 2;

const GAP = ' '.repeat(COLUMN_GAP);

/**
 * A row is one <Text> of padded cells, with a nested <Text> only where a cell is coloured,
 * rather than a <Box> per cell: a screen of runs is then ~100 Ink nodes instead of ~1 000,
 * and layout and output, redone on every frame, cost a fraction.
 */
interface Segment {
  text: string;
  tone?: RunColumn['tone'];
}

/** Consecutive plain cells merged into one string; each coloured cell a segment of its own. */
function segments(run: Run, columns: FittedColumn[], now: number): Segment[] {
  const out: Segment[] = [];
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

interface RowProps {
  run: Run;
  columns: FittedColumn[];
  selected: boolean;
  now: number;
  width: number;
  color: boolean;
}

// Memoised: a cursor move redraws two rows' elements, not the page's.
const Row = memo(function Row({ run, columns, selected, now, width, color }: RowProps) {
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
});

export interface RunsTableProps {
  runs: Run[];
  columns: FittedColumn[];
  /** Index of the selected run within `runs`; -1 for none. */
  selected: number;
  now: number;
  width: number;
  color: boolean;
}

export function RunsTable({ runs, columns, selected, now, width, color }: RunsTableProps) {
  const header = ' '.repeat(MARKER_WIDTH) + columns.map((c) => padCell(c.column.header, c.width, c.column.align)).join(GAP);
  return (
    <Box flexDirection="column" flexGrow={1} width={width}>
      <Text {...dim(color)} wrap="truncate-end">
        {header.trimEnd()}
      </Text>
      {runs.length === 0 ? (
        <Text {...dim(color)} wrap="truncate-end">
          {' '.repeat(MARKER_WIDTH)}no runs in the ledger yet: `ops runs import`, `ops evidence collect` in CI, or `ops demo`
        </Text>
      ) : (
        runs.map((run, i) => (
          <Row key={run.run_id} run={run} columns={columns} selected={i === selected} now={now} width={width} color={color} />
        ))
      )}
    </Box>
  );
}
