import isFullwidthCodePoint from 'is-fullwidth-code-point';
import { ansiCodesToString, getEndCode } from '@alcalzone/ansi-tokenize/build/ansiCodes.js';
import { diffAnsiCodes } from '@alcalzone/ansi-tokenize/build/diff.js';
import { reduceAnsiCodesIncremental } from '@alcalzone/ansi-tokenize/build/reduce.js';

export { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental };
export { reduceAnsiCodes } from '@alcalzone/ansi-tokenize/build/reduce.js';
export { undoAnsiCodes } from '@alcalzone/ansi-tokenize/build/undo.js';

// Stands in for @alcalzone/ansi-tokenize in the console bundle: Ink turns every line of every
// frame into styled characters and back with it, and the real one spends most of a cold first
// frame's output time there (a grapheme segmenter over each line, sets built per character).
// Same results, fewer steps:
// - tokenize: a line of SGR codes (colours, bold) and characters that are each a grapheme of
//   their own (ASCII, Latin, punctuation, arrows, box drawing, blocks: no combining mark,
//   joiner, variation selector, surrogate or control) is split here; any other line by the
//   real tokenize, loaded on first use (it builds an Intl.Segmenter when it loads).
// - styledCharsFromTokens: consecutive characters share one styles array (nothing mutates it).
// - styledCharsToString: no diff between two characters of the same style.
const simple = /^(?:[\x20-\x7e\u00a0-\u02ff\u2010-\u20cf\u2100-\u2bff]|\x1b\[[\d;]*m)*$/;
const sgr = /\x1b\[([\d;]*)m/y;
let realTokenize;

/** As the real tokenizer splits `\x1b[1;31m`: one code each, 8- and 24-bit colours kept whole. */
function sgrCodes(params) {
  if (!params.includes(';')) return [`\x1b[${params}m`];
  const parts = params.split(';');
  const codes = [];
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i] !== '38' && parts[i] !== '48' ? 1 : parts[i + 1] === '5' && i + 2 < parts.length ? 3 : parts[i + 1] === '2' && i + 4 < parts.length ? 5 : 1;
    codes.push(`\x1b[${parts.slice(i, i + n).join(';')}m`);
    i += n - 1;
  }
  return codes;
}

export function tokenize(str, endChar = Number.POSITIVE_INFINITY) {
  if (!simple.test(str)) return (realTokenize ??= require('@alcalzone/ansi-tokenize/build/tokenize.js').tokenize)(str, endChar);
  const ret = [];
  let visible = 0;
  for (let i = 0; i < str.length; ) {
    if (str.charCodeAt(i) === 0x1b) {
      sgr.lastIndex = i;
      const m = sgr.exec(str);
      for (const code of sgrCodes(m[1])) ret.push({ type: 'ansi', code, endCode: getEndCode(code) });
      i = sgr.lastIndex;
      continue;
    }
    const fullWidth = str.charCodeAt(i) > 0x7e && isFullwidthCodePoint(str.charCodeAt(i));
    ret.push({ type: 'char', value: str[i], fullWidth });
    visible += fullWidth ? 2 : 1;
    if (visible >= endChar) break;
    i++;
  }
  return ret;
}

export function styledCharsFromTokens(tokens) {
  let codes = [];
  const ret = [];
  for (const token of tokens) {
    if (token.type === 'ansi') codes = reduceAnsiCodesIncremental(codes, [token]);
    else if (token.type === 'char') ret.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles: codes });
  }
  return ret;
}

const sameStyles = (a, b) => a === b || (a.length === b.length && a.every((c, i) => c.code === b[i].code && c.endCode === b[i].endCode));

export function styledCharsToString(chars) {
  let ret = '';
  for (let i = 0; i < chars.length; i++) {
    const { styles, value } = chars[i];
    if (i === 0) ret += ansiCodesToString(styles);
    else if (!sameStyles(chars[i - 1].styles, styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, styles));
    ret += value;
    if (i === chars.length - 1) ret += ansiCodesToString(diffAnsiCodes(styles, []));
  }
  return ret;
}
