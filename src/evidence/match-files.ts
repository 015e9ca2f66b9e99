import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';

export interface MatchedEntry {
  /** Path relative to the root, with `/`. */
  name: string;
  /** The entry is a symbolic link (to be resolved and checked by the caller, never blindly followed). */
  symlink: boolean;
}

/**
 * Files under `root` matching any glob, sorted. Walks without following links: a link is
 * returned as an entry of its own (so a link out of the tree or a dangling one can be
 * reported rather than silently skipped), and a linked folder is never descended into.
 * `skip` prunes folders by relative path (ops's own state and evidence).
 */
export function matchFiles(root: string, patterns: string[], skip: (rel: string) => boolean): Map<string, MatchedEntry[]> {
  const matchers = patterns.map((p) => [p, picomatch(p, { dot: true })] as const);
  const byPattern = new Map<string, MatchedEntry[]>(patterns.map((p) => [p, []]));
  const walk = (dir: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!skip(name)) walk(join(dir, e.name), name);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue; // sockets, FIFOs: not evidence
      for (const [pattern, isMatch] of matchers) if (isMatch(name)) byPattern.get(pattern)!.push({ name, symlink: e.isSymbolicLink() });
    }
  };
  walk(root, '');
  return byPattern;
}
