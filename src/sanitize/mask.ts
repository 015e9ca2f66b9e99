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
}

export const DEFAULT_MASK_STYLE = '[MASKED:<rule>]';

export function maskStyle(style: string = DEFAULT_MASK_STYLE): MaskStyle {
  const cache = new Map<string, string>();
  const at = style.indexOf('<rule>');
  const fixed = at === -1 ? style : style.slice(0, at);
  const prefix = Buffer.from(fixed, 'utf8').toString('latin1');
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
  };
}
