import stringWidth from 'string-width';

// Stands in for `slice-ansi` in the bundles. Ink clips every line of a box with
// overflow="hidden" through it, on every frame, and cli-truncate cuts truncated text with it;
// the real one splits the line into graphemes first (~1 ms a line on a cold start). A line of
// printable ASCII is cut as a string, and a line that needs no cut (Ink's usual case: the line
// fits its box) is returned as it is; any other by the real one, loaded on first use (it
// builds an Intl.Segmenter when it loads).
const printableAscii = /^[\x20-\x7e]*$/;
let sliceAnsi;

export default function fastSliceAnsi(text, begin, end) {
  if (printableAscii.test(text)) return text.slice(begin, end);
  if (!begin && (end === undefined || end >= stringWidth(text))) return text;
  sliceAnsi ??= require('slice-ansi').default;
  return sliceAnsi(text, begin, end);
}
