import { Box, Text } from 'ink';
import type { QueueSummary } from '../src/retry/queue';
import { formatDuration } from '../src/runs/format';
import { dim, tonePaint, warn } from './theme';
import type { LatestRollback } from './source';
import { fitPieces, Pieces, type Piece } from './Pieces';

/** "next in 12s", "2 due": when the queue acts next, from the console's clock. */
function nextText(q: QueueSummary, now: number): string | null {
  if (q.due > 0) return `${q.due} due now`;
  if (!q.next_due_at) return null;
  const s = Math.max(1, Math.ceil((Date.parse(q.next_due_at) - now) / 1000));
  return `next in ${formatDuration(s * 1000)}`;
}

function rollbackPiece(r: LatestRollback, now: number, color: boolean): Piece {
  const ago = formatDuration(Math.max(0, Math.round((now - Date.parse(r.started_at)) / 1000)) * 1000);
  const paint = r.state === 'completed' ? tonePaint('good', color) : r.state === 'running' || r.state === 'compensating' ? tonePaint('active', color) : tonePaint('bad', color);
  return { text: `rollback #${r.id} ${r.state} ${ago} ago`, paint, keep: 6 };
}

export function retryPieces(q: QueueSummary, now: number, color: boolean, rollback: LatestRollback | null = null): Piece[] {
  const b = q.by_state;
  const next = nextText(q, now);
  const pieces: Piece[] = [
    { text: `retries: ${b.pending} pending`, paint: {}, keep: 9 },
    ...(next ? [{ text: next, paint: tonePaint('active', color), keep: 7 }] : []),
    ...(q.held ? [{ text: `${q.held} held by killswitch`, paint: warn(color), keep: 10 }] : []),
    { text: `${b.processing} running`, paint: tonePaint('active', color), keep: 4 },
    { text: `${b.failed} failed`, paint: b.failed ? tonePaint('bad', color) : dim(color), keep: 8 },
    { text: `${b.completed} recovered`, paint: tonePaint('good', color), keep: 3 },
    { text: `${b.cancelled} cancelled`, paint: tonePaint('muted', color), keep: 1 },
  ];
  if (rollback) pieces.push(rollbackPiece(rollback, now, color));
  // Zeros say nothing, except that nothing failed.
  return pieces.filter((p) => p.keep >= 8 || !/^0 /.test(p.text));
}

export interface RetryQueueLineProps {
  queue: QueueSummary | null;
  rollback?: LatestRollback | null;
  now: number;
  width: number;
  color: boolean;
}

/** One line under the header: the retry queue at a glance, and the latest rollback. */
export function RetryQueueLine({ queue, rollback = null, now, width, color }: RetryQueueLineProps) {
  if (!queue) return <Text {...dim(color)}>retries: -</Text>;
  return (
    <Box width={width}>
      <Text wrap="truncate-end">
        <Pieces pieces={fitPieces(retryPieces(queue, now, color, rollback), width)} />
      </Text>
    </Box>
  );
}
