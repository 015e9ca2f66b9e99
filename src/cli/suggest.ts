import { editDistance } from '../base/edit-distance';

/**
 * The candidate nearest to `word`, when near enough to be a slip of the fingers (at most
 * one edit per three letters, at most 3), or the only candidate `word` begins; else null.
 */
export function closest(word: string, candidates: string[]): string | null {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best) return best;
  const prefixed = w.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(w)) : [];
  return prefixed.length === 1 ? prefixed[0]! : null;
}
