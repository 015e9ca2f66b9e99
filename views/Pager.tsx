import { Box, Text } from 'ink';
import { wrapWords } from './KillswitchBanner';
import { accent, dim, tonePaint } from './theme';

/**
 * A text that may be longer than the screen, one row per line: the retry entry and audit
 * ticket views. Lines are wrapped here, to the width, before scrolling (never by the
 * terminal), so a scroll of n rows moves exactly n rows and the position shown is true.
 */
export type LineTone = 'title' | 'label' | 'good' | 'bad' | 'active' | 'muted';

export interface PagerLine {
  text: string;
  tone?: LineTone;
}

/** Wraps each line at spaces to `width`, its continuation rows indented like the line (plus two). */
export function wrapLines(lines: readonly PagerLine[], width: number): PagerLine[] {
  const out: PagerLine[] = [];
  for (const l of lines) {
    const indent = /^ */.exec(l.text)![0].length;
    const text = l.text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
    if (text.length <= width) {
      out.push({ ...l, text });
      continue;
    }
    const hang = ' '.repeat(Math.min(indent + 2, Math.floor(width / 2)));
    const [first, ...rest] = wrapWords(text.slice(indent), Math.max(8, width - indent));
    out.push({ ...l, text: ' '.repeat(indent) + (first ?? '') });
    for (const row of wrapWords(rest.join(' '), Math.max(8, width - hang.length))) out.push({ ...l, text: hang + row });
  }
  return out;
}

/** The first row shown, kept so that the last page is full. */
export const pagerTop = (top: number, total: number, rows: number) => Math.max(0, Math.min(top, total - rows));

export function Pager({ lines, top, rows, width, color }: { lines: readonly PagerLine[]; top: number; rows: number; width: number; color: boolean }) {
  const from = pagerTop(top, lines.length, rows);
  const paint = (t: LineTone | undefined) => (t === 'title' ? accent(color) : t === 'label' ? dim(color) : t ? tonePaint(t, color) : {});
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {lines.slice(from, from + rows).map((l, i) => (
        <Text key={from + i} wrap="truncate-end" {...paint(l.tone)}>
          {/* An empty Text takes no row in Ink: a space keeps the blank line (and the scroll count true). */}
          {l.text || ' '}
        </Text>
      ))}
    </Box>
  );
}
