import type { RunQuery } from './source';

/**
 * The runs filter (`/`): words separated by spaces, all of which must match. `workflow:TEXT`
 * (or `w:`), `branch:TEXT` (`b:`), `conclusion:TEXT` (`c:`) match when that field contains
 * TEXT; a bare word matches the workflow or the branch. Case is ignored. A key with nothing
 * after it yet (`workflow:` while typing) is left out; an unknown key is a bare word.
 */
const keys: Record<string, keyof Omit<RunQuery, 'words'>> = {
  workflow: 'workflow',
  w: 'workflow',
  branch: 'branch',
  b: 'branch',
  conclusion: 'conclusion',
  c: 'conclusion',
};

/** For `?`: the words in short (the README has them in full). */
export const FILTER_HELP = 'w: b: c: TEXT (workflow, branch, conclusion) or bare words';

/** null for a blank filter. */
export function parseFilter(text: string): RunQuery | null {
  const q: RunQuery = { workflow: [], branch: [], conclusion: [], words: [] };
  let any = false;
  for (const token of text.trim().split(/\s+/)) {
    if (!token) continue;
    const colon = token.indexOf(':');
    const key = colon > 0 ? keys[token.slice(0, colon).toLowerCase()] : undefined;
    if (key) {
      const value = token.slice(colon + 1);
      if (!value) continue;
      q[key].push(value);
    } else q.words.push(token);
    any = true;
  }
  return any ? q : null;
}

/** Printable characters only: a paste arrives as one string; control sequences are dropped. */
export const printable = (input: string) => input.replace(/[\u0000-\u001f\u007f]/g, '');
