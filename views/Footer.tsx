import { Box, Text } from 'ink';
import { dim, warn } from './theme';

export interface FooterProps {
  /** The panel shown, when not the runs (whose count needs no name). */
  label?: string;
  /** 0-based index of the selected run among all runs; -1 when there are none. */
  position: number;
  /** null while not counted yet. */
  total: number | null;
  /** Instead of the total: "1000+" for a count that stopped at its cap. */
  totalText?: string;
  /** A query that failed: shown instead of the hints, the data on screen is the last good one. */
  error: string | null;
  /** The outcome of the last action (K, X): shown until the next key. */
  status?: string | null;
  width: number;
  color: boolean;
}

// ASCII on purpose, like the selection marker: the first non-ASCII string Ink measures
// costs ~85 ms (string-width builds Intl.Segmenter and its emoji regex), a third of the
// time to first frame. The arrow keys work all the same.
const HINTS = 'Tab panels  j/k move  PgUp/PgDn page  g/G first/last  / filter  K killswitch  ? help  q quit';

export function Footer({ label, position, total, totalText, error, status = null, width, color }: FooterProps) {
  const where = (label ? `${label} ` : '') + (total === 0 ? (label ? '0' : '0 runs') : `${position + 1}/${totalText ?? total ?? '...'}`);
  return (
    <Box width={width}>
      <Box flexGrow={1} flexShrink={1} minWidth={0}>
        {error ? (
          <Text {...warn(color)} wrap="truncate-end">
            ledger: {error}
          </Text>
        ) : status ? (
          <Text wrap="truncate-end">{status}</Text>
        ) : (
          <Text {...dim(color)} wrap="truncate-end">
            {HINTS}
          </Text>
        )}
      </Box>
      <Box flexShrink={0} marginLeft={2}>
        <Text>{where}</Text>
      </Box>
    </Box>
  );
}
