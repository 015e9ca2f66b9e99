import { Box, Text } from 'ink';
import type { RunTally } from './source';
import type { Alert } from '../src/detect/alerts';
import { accent, dim, tonePaint, type Paint } from './theme';
import { fitPieces, Pieces, type Piece } from './Pieces';

function tallyPieces(counts: RunTally | null, color: boolean): Piece[] {
  // Only when counting failed (the footer says why). ASCII: see the Footer's hints.
  if (!counts) return [{ text: '24h: ?', paint: dim(color), keep: 6 }];
  const pieces: Piece[] = [
    { text: `24h: ${counts.total} runs`, paint: {}, keep: 9 },
    { text: `${counts.success} ok`, paint: tonePaint('good', color), keep: 2 },
    { text: `${counts.failed} failed`, paint: tonePaint('bad', color), keep: 8 },
    { text: `${counts.active} active`, paint: tonePaint('active', color), keep: 3 },
    { text: `${counts.other} other`, paint: tonePaint('muted', color), keep: 1 },
  ];
  return pieces.filter((p) => p.keep >= 8 || !p.text.startsWith('0 '));
}

/** "2 open alerts (1 critical)": the last piece to go, and red while anything is critical. */
function alertPiece(alerts: readonly Alert[], color: boolean): Piece[] {
  const open = alerts.filter((a) => a.state === 'open');
  if (!open.length) return [];
  const critical = open.filter((a) => a.severity === 'critical').length;
  const paint: Paint = !color ? {} : critical ? { color: 'red', bold: true } : { color: 'yellow', bold: true };
  const text = `${open.length} open alert${open.length === 1 ? '' : 's'}${critical ? ` (${critical} critical)` : ''}`;
  return [{ text, paint, keep: 20 }];
}

/** `watch: alive 3 s ago · sync 41 s ago · 2 due`: red when the watcher is dead or a job is failing. */
function watchPiece(line: string | null | undefined, color: boolean): Piece[] {
  if (!line) return [];
  const bad = /DEAD|failing/.test(line);
  return [{ text: line, paint: bad ? (color ? { color: 'red', bold: true } : {}) : dim(color), keep: bad ? 15 : 5 }];
}

const SEP = '  ';

/** "config: .ops/config.json: timezone: … (+1)": an invalid config stops replay, detection and notifications, so it outlasts every count. */
function configPiece(problems: readonly string[], room: number, color: boolean): Piece[] {
  if (!problems.length) return [];
  const more = problems.length > 1 ? ` (+${problems.length - 1})` : '';
  let text = `config: ${problems[0]}${more}`;
  // Room is left for the open-alert count ("2 open alerts (1 critical)"): both matter more than the tallies.
  const max = Math.max(24, room - 27);
  if (text.length > max) text = text.slice(0, max - 1) + '…';
  return [{ text, paint: color ? { color: 'red', bold: true } : {}, keep: 30 }];
}

export interface HeaderProps {
  workspace: string;
  /** null while not counted yet. */
  counts: RunTally | null;
  /** Detection's alerts (the open ones are counted). */
  alerts?: readonly Alert[];
  /** Problems of the workspace's config files (`.ops/<file>: <field>: <problem>`). */
  configProblems?: readonly string[];
  /** The watcher's line (src/watch/state watchLine), or null when no watcher ever ran here. */
  watch?: string | null;
  width: number;
  color: boolean;
}

/** `ops  <workspace> … <counts of the last 24 h>`: the workspace path gives way first, from its left. */
export function Header({ workspace, counts, alerts = [], configProblems = [], watch = null, width, color }: HeaderProps) {
  const brand = 'ops';
  // Leave the workspace at least a few cells so it is clear which ledger this is.
  const room = Math.max(0, width - brand.length - SEP.length - 12);
  const pieces = fitPieces([...configPiece(configProblems, room, color), ...alertPiece(alerts, color), ...watchPiece(watch, color), ...tallyPieces(counts, color)], room);
  return (
    <Box width={width}>
      <Box flexShrink={0}>
        <Text {...accent(color)}>{brand}</Text>
        <Text>{SEP}</Text>
      </Box>
      <Box flexGrow={1} flexShrink={1} minWidth={0}>
        <Text {...dim(color)} wrap="truncate-start">
          {workspace}
        </Text>
      </Box>
      <Box flexShrink={0} marginLeft={2}>
        <Pieces pieces={pieces} />
      </Box>
    </Box>
  );
}
