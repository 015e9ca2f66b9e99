import { Box, Text } from 'ink';
import { scopeLabel, type Engagement } from '../src/killswitch/state';
import { formatAge } from '../src/runs/format';
import { toIso } from '../src/time/clock';
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

/** `(12m ago)`, `(in 48m)`: the age helper of the runs table, both ways. */
const ago = (iso: string, now: number) => `${formatAge(iso, now)} ago`;
const until = (iso: string, now: number) => `in ${formatAge(toIso(now), Date.parse(iso))}`;

/**
 * What is stopped, by whom, since when, until when, why. `exact` gives the times in full
 * (`since 2025-11-14T09:00:00Z (12m ago)`); otherwise only relative (`12m ago`, `expires in
 * 48m`), so the reason still fits a 100-column terminal. `split` puts the reason on a row of
 * its own (a narrow terminal would cut it, and it is the part people look for).
 */
export function engagementLines(e: Engagement, now: number, color: boolean, exact: boolean, more = 0, split = false): string[] {
  const head = `${more > 0 ? `${lead(color)} (+${more} more)` : lead(color)}${color ? ' — ' : ' '}${scopeLabel(e.scope)} — by ${e.actor}`;
  const when = exact
    ? ` since ${e.engaged_at} (${ago(e.engaged_at, now)})${e.expires_at ? `, expires ${e.expires_at} (${until(e.expires_at, now)})` : ''}`
    : ` ${ago(e.engaged_at, now)}${e.expires_at ? `, expires ${until(e.expires_at, now)}` : ''}`;
  const reason = `reason: ${e.reason}`;
  return split ? [oneLine(head + when), oneLine(`${color ? '   ' : '!!! '}${reason}`)] : [oneLine(`${head}${when} — ${reason}`)];
}

/**
 * The banner's lines for at most `room` rows of `width` cells (at least one row when anything
 * is engaged): without colour the two rules go first when rows are short, then engagements
 * beyond the room are summed up on a last line. When a line per engagement is too narrow for
 * the reason and there are rows to spare, each takes two, the reason on the second. Times are
 * exact on every line or on none, so the lines read alike. Past that the end is cut. Empty
 * when nothing is engaged.
 */
export function bannerLines(engagements: readonly Engagement[], now: number, color: boolean, room: number, width: number): string[] {
  if (engagements.length === 0) return [];
  const rules = !color && room >= 3;
  const rows = Math.max(1, room - (rules ? 2 : 0));
  const fit = (ls: string[]) => ls.every((l) => cellWidth(l) <= width);
  const lines = (shown: readonly Engagement[], more = 0, split = false) => {
    const at = (exact: boolean) => shown.flatMap((e) => engagementLines(e, now, color, exact, more, split));
    const exact = at(true);
    return fit(exact) ? exact : at(false);
  };
  let out: string[];
  if (engagements.length <= rows) {
    out = lines(engagements);
    if (!fit(out) && engagements.length * 2 <= rows) out = lines(engagements, 0, true);
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
