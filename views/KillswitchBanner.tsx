import { Box, Text } from 'ink';
import { scopeLabel, type Engagement } from '../src/killswitch/state';
import { formatAge, formatRemaining } from '../src/runs/format';
import { cellWidth, padCell } from './columns';
import { alarm } from './theme';

/**
 * The killswitch banner (SPEC §7: "cannot be missed when engaged: who/why/since"): one line
 * per engagement in force, the global one first, above everything else. In colour, bold white
 * on red across the full width; without colour (NO_COLOR), framed by rules of `!` and each
 * line led by `!!! KILLSWITCH ENGAGED !!!`, so it still stands out in plain text.
 */

const RULE = '!';
const lead = (color: boolean) => (color ? ' ■ KILLSWITCH ENGAGED' : '!!! KILLSWITCH ENGAGED !!!');

// Names and reasons come from other people's input: a newline or an escape would break the
// one-line-per-engagement layout (and the height the runs table was given).
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

/** `(12m ago)`: the age helper of the runs table; `(in 1h59m)`: what is left, in hours and minutes, never rounded up. */
const ago = (iso: string, now: number) => `${formatAge(iso, now)} ago`;
const until = (iso: string, now: number) => `in ${formatRemaining(iso, now)}`;

/**
 * What is stopped, by whom, since when, until when, why. `exact` gives the times in full
 * (`since 2025-11-14T09:00:00Z (12m ago)`); otherwise only relative (`12m ago`, `expires in
 * 48m`), so the reason still fits a 100-column terminal. On a narrower one the reason, the
 * part people look for, gets rows of its own: `reasonRows` 1 (cut at the end if longer) or
 * all it needs, broken at spaces to `width`; 0 keeps it on the line.
 */
export function engagementLines(e: Engagement, now: number, color: boolean, exact: boolean, more = 0, reasonRows = 0, width = Infinity): string[] {
  const head = `${more > 0 ? `${lead(color)} (+${more} more)` : lead(color)}${color ? ' — ' : ' '}${scopeLabel(e.scope)} — by ${e.actor}`;
  const when = exact
    ? ` since ${e.engaged_at} (${ago(e.engaged_at, now)})${e.expires_at ? `, expires ${e.expires_at} (${until(e.expires_at, now)})` : ''}`
    : ` ${ago(e.engaged_at, now)}${e.expires_at ? `, expires ${until(e.expires_at, now)}` : ''}`;
  const reason = oneLine(`reason: ${e.reason}`);
  if (reasonRows === 0) return [oneLine(`${head}${when} — ${reason}`)];
  const indent = color ? '   ' : '!!! ';
  const rows = reasonRows === 1 ? [reason] : wrapWords(reason, width - indent.length);
  return [oneLine(head + when), ...rows.map((r) => indent + r)];
}

/** Rows of at most `width` cells, broken at spaces; a word longer than a row is split across rows. */
export function wrapWords(text: string, width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (let word of text.split(' ')) {
    while (cellWidth(word) > width) {
      if (row) rows.push(row);
      row = '';
      const chars = Array.from(word);
      rows.push(chars.slice(0, width).join(''));
      word = chars.slice(width).join('');
    }
    if (!row) row = word;
    else if (cellWidth(row) + 1 + cellWidth(word) <= width) row += ' ' + word;
    else {
      rows.push(row);
      row = word;
    }
  }
  if (row) rows.push(row);
  return rows;
}

/**
 * The banner's lines for at most `room` rows of `width` cells (at least one row when anything
 * is engaged): without colour the two rules go first when rows are short, then engagements
 * beyond the room are summed up on a last line. When a line per engagement is too narrow for
 * the reason and there are rows to spare, the reasons get rows of their own: wrapped in full
 * if they all fit, else one row each. Times are exact on every line or on none, so the lines
 * read alike. Past that the end is cut. Empty when nothing is engaged.
 */
export function bannerLines(engagements: readonly Engagement[], now: number, color: boolean, room: number, width: number): string[] {
  if (engagements.length === 0) return [];
  const rules = !color && room >= 3;
  const rows = Math.max(1, room - (rules ? 2 : 0));
  const fit = (ls: string[]) => ls.every((l) => cellWidth(l) <= width);
  const lines = (shown: readonly Engagement[], more = 0, reasonRows = 0) => {
    const at = (exact: boolean) => shown.flatMap((e) => engagementLines(e, now, color, exact, more, reasonRows, width));
    const exact = at(true);
    return fit(exact) ? exact : at(false);
  };
  let out: string[];
  if (engagements.length <= rows) {
    out = lines(engagements);
    if (!fit(out)) {
      const wrapped = lines(engagements, 0, Infinity);
      if (wrapped.length <= rows) out = wrapped;
      else if (engagements.length * 2 <= rows) out = lines(engagements, 0, 1);
    }
  } else if (rows === 1) {
    out = lines(engagements.slice(0, 1), engagements.length - 1);
  } else {
    const hidden = engagements.slice(rows - 1);
    const rest = oneLine(hidden.map((e) => scopeLabel(e.scope)).join(', '));
    const head = color ? ` ■ +${hidden.length} more engaged` : `!!! +${hidden.length} more engaged !!!`;
    out = [...lines(engagements.slice(0, rows - 1)), `${head}: ${rest} (see ops killswitch status)`];
  }
  return rules ? ['', ...out, ''] : out;
}

/** One line for a terminal too small for the console: what is engaged, before anything else. */
export function bannerSummary(engagements: readonly Engagement[], color: boolean): string {
  return oneLine(`${lead(color)} ${engagements.map((e) => scopeLabel(e.scope)).join(', ')}`);
}

export interface KillswitchBannerProps {
  /** From bannerLines; an empty string is a rule. */
  lines: string[];
  width: number;
  color: boolean;
}

export function KillswitchBanner({ lines, width, color }: KillswitchBannerProps) {
  if (lines.length === 0) return null;
  const paint = alarm(color);
  return (
    <Box flexDirection="column" flexShrink={0} width={width}>
      {lines.map((line, i) => (
        // Padded to the full width, so the red runs edge to edge; cut with an ellipsis,
        // never wrapped (Ink's truncation is the backstop for wide characters).
        <Text key={i} wrap="truncate-end" {...paint}>
          {line === '' ? RULE.repeat(width) : padCell(line, width, 'left')}
        </Text>
      ))}
    </Box>
  );
}
