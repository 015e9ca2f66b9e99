import { eastAsianWidth } from 'get-east-asian-width';

// Stands in for `string-width` in both bundles. The real one builds an Intl.Segmenter and
// four Unicode-property regexes when its module loads (~30 ms of a ~120 ms `ops` start)
// and yargs measures its help text on every command run. Here: printable ASCII is one
// column per character; anything else is measured per code point with the East Asian
// Width table (wide CJK and emoji count 2, combining marks and controls 0). Grapheme
// clusters such as ZWJ emoji families are over-counted: acceptable for help text and run
// tables, and the price of not paying the segmenter on every start.
const printableAscii = /^[\x20-\x7e]*$/;
// eslint-disable-next-line no-control-regex
const ansi = /[\u001B\u009B][[\]()#;?]*(?:\d{1,4}(?:[;:]\d{0,4})*)?[\dA-PR-TZcf-nq-uy=><~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g;

const zeroWidth = (cp) =>
  cp < 0x20 ||
  (cp >= 0x7f && cp <= 0x9f) ||
  (cp >= 0x300 && cp <= 0x36f) || // combining diacritical marks
  (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, direction marks
  (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
  cp === 0xfeff;

export default function stringWidth(text, { ambiguousIsNarrow = true, countAnsiEscapeCodes = false } = {}) {
  if (typeof text !== 'string' || text.length === 0) return 0;
  if (printableAscii.test(text)) return text.length;
  const plain = countAnsiEscapeCodes ? text : text.replace(ansi, '');
  let width = 0;
  for (const ch of plain) {
    const cp = ch.codePointAt(0);
    if (!zeroWidth(cp)) width += eastAsianWidth(cp, { ambiguousAsWide: !ambiguousIsNarrow });
  }
  return width;
}
