/**
 * The mask style of mask-rules.json: `[MASKED:<rule>]` (default; `<rule>` becomes the rule
 * name) or any fixed text such as `***`. Masks are returned as Latin-1 strings holding the
 * style's UTF-8 bytes, since the masker works on byte strings.
 */
export interface MaskStyle {
  /** The replacement for a secret found by `rule`, as a Latin-1 byte string. */
  text(rule: string): string;
  /**
   * The style's fixed start (`[MASKED:`, `***`): text containing it is already masked and is
   * not masked again (so the re-scan of masked output finds nothing). Empty when too short.
   */
  prefix: string;
  /**
   * Where the mask that starts at `at` (an occurrence of `prefix` in `text`) ends: the
   * re-scan of masked output must not take the mask's own text for a secret.
   */
  endOf(text: string, at: number): number;
}

export const DEFAULT_MASK_STYLE = '[MASKED:<rule>]';

export function maskStyle(style: string = DEFAULT_MASK_STYLE): MaskStyle {
  const cache = new Map<string, string>();
  const at = style.indexOf('<rule>');
  const fixed = at === -1 ? style : style.slice(0, at);
  const prefix = Buffer.from(fixed, 'utf8').toString('latin1');
  const suffix = at === -1 ? '' : Buffer.from(style.slice(at + '<rule>'.length), 'utf8').toString('latin1');
  return {
    text(rule) {
      let t = cache.get(rule);
      if (t === undefined) {
        t = Buffer.from(style.split('<rule>').join(rule), 'utf8').toString('latin1');
        cache.set(rule, t);
      }
      return t;
    },
    prefix: prefix.length >= 3 ? prefix : '',
    endOf(text, start) {
      if (at === -1) return start + prefix.length;
      if (suffix) {
        const end = text.indexOf(suffix, start + prefix.length);
        return end === -1 ? text.length : end + suffix.length;
      }
      let end = start + prefix.length;
      while (end < text.length && /[A-Za-z0-9_.-]/.test(text[end]!)) end++;
      return end;
    },
  };
}
