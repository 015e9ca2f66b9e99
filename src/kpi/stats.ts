/**
 * The arithmetic of the KPIs, kept apart so its edge cases (nothing to measure, one value)
 * are tested on their own. Nothing here rounds silently except where it says so.
 */

/** How many times each value occurs: durations come from the ledger as a histogram. */
export type Histogram = Map<number, number>;

/** Adds `counts[i]` occurrences of `values[i]` (parallel arrays, as the ledger hands them over). */
export function addCounts(h: Histogram, values: readonly number[], counts: readonly number[]): Histogram {
  for (let i = 0; i < values.length; i++) h.set(values[i]!, (h.get(values[i]!) ?? 0) + counts[i]!);
  return h;
}

/** 1-based nearest rank of the p-th percentile among n values: ⌈p/100 × n⌉, at least 1. */
// Integer arithmetic first: 0.95 * 20 is 19.000000000000004 in floating point.
const nearestRank = (p: number, n: number) => Math.max(1, Math.ceil((p * n) / 100));

/**
 * Nearest-rank percentile of values sorted ascending: the value at rank ⌈p/100 × n⌉.
 * Always one of the values themselves, never an interpolation, so a KPI can be checked by
 * hand against the ledger. null when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  return sorted.length ? sorted[nearestRank(p, sorted.length) - 1]! : null;
}

/** The nearest-rank percentiles `ps` of a histogram, in one pass over its sorted values. */
export function percentiles(h: Histogram, ps: readonly number[]): (number | null)[] {
  let n = 0;
  for (const count of h.values()) n += count;
  if (n === 0) return ps.map(() => null);
  const values = [...h.keys()].sort((a, b) => a - b);
  return ps.map((p) => {
    const rank = nearestRank(p, n);
    let seen = 0;
    for (const v of values) {
      seen += h.get(v)!;
      if (seen >= rank) return v;
    }
    return values.at(-1)!;
  });
}

export interface DurationStats {
  mean: number | null;
  p50: number | null;
  p95: number | null;
}

/** Mean (rounded to the ms: finer is noise) and nearest-rank p50/p95 of a duration histogram. */
export function durationStats(h: Histogram): DurationStats {
  let n = 0;
  let sum = 0;
  for (const [value, count] of h) {
    n += count;
    sum += value * count;
  }
  const [p50, p95] = percentiles(h, [50, 95]);
  return { mean: meanOf(sum, n), p50: p50 ?? null, p95: p95 ?? null };
}

/** part / whole rounded to 4 decimals (0.01 %: finer is noise in JSON); null when whole is 0. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** sum / n rounded to the ms; null when n is 0. */
export function meanOf(sum: number, n: number): number | null {
  return n > 0 ? Math.round(sum / n) : null;
}
