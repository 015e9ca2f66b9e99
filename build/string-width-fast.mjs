import stringWidth from 'string-width';

// yargs renders (and caches) its help text on every command run, measuring each cell with
// string-width, whose first call compiles large Unicode regexes (~20 ms of a ~100 ms start).
// Printable ASCII is one column per character and needs none of that.
const printableAscii = /^[\x20-\x7e]*$/;

export default function fastStringWidth(text, options) {
  return typeof text === 'string' && printableAscii.test(text) ? text.length : stringWidth(text, options);
}
