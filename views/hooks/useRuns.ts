import { errorText } from '../../src/cli/errors';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../../src/runs/types';
import type { ConsoleSource, MatchCount, RunQuery, RunTally } from '../source';

export interface DataVersion {
  /** Bumped each time a poll finds that another process has committed: re-query on change. */
  version: number;
  /** Re-query now: after the console itself wrote (its own commits do not change data_version). */
  bump(): void;
  /** The last failure to read the data version; null once a read succeeds again. */
  error: string | null;
}

/**
 * Watches the source for writes by other processes and for changes in the evidence folders.
 * Instead of re-querying on a timer, it polls the source's data version (PRAGMA
 * data_version: one integer, no table read) and its evidence stamp (a few stat calls), and
 * bumps `version` only when either moved. Called before the hooks that query, so both are
 * sampled before their queries run: a change landing between a query and the next poll is
 * still noticed.
 */
export function useDataVersion(source: ConsoleSource, pollMs: number, clock: () => number): DataVersion {
  const [version, setVersion] = useState(0);
  const [pollError, setPollError] = useState<string | null>(null);
  // The data version and evidence stamp the data on screen was read at.
  const seen = useRef<{ data: number; evidence: string } | null>(null);
  const sampled = useMemo(
    () =>
      attempt(() => {
        seen.current = { data: source.dataVersion(), evidence: source.evidenceStamp(clock()) };
      }),
    [source, version],
  );

  useEffect(() => {
    const timer = setInterval(() => {
      try {
        const now = { data: source.dataVersion(), evidence: source.evidenceStamp(clock()) };
        if (now.data !== seen.current?.data || now.evidence !== seen.current.evidence) {
          seen.current = now;
          setVersion((n) => n + 1);
        }
        setPollError(null);
      } catch (err) {
        setPollError(errorText(err));
      }
    }, pollMs);
    return () => clearInterval(timer);
  }, [source, pollMs, clock]);

  const bump = useCallback(() => setVersion((n) => n + 1), []);
  return { version, bump, error: sampled.ok ? pollError : sampled.error };
}

export interface RunsView {
  /** The visible window: at most `limit` runs starting at `offset`, latest first. */
  runs: Run[];
  /** Runs to scroll over (matches, with a filter); null if never counted (the query failed). */
  total: number | null;
  /** With a filter: how many runs match (counted up to a cap). */
  matches: MatchCount | null;
  /** null if never counted (the query failed). */
  counts: RunTally | null;
  /** The last query failure, shown in the footer; the last good data stays on screen. */
  error: string | null;
}

interface Tallies {
  total: Attempt<number>;
  counts: Attempt<RunTally>;
}

/**
 * The runs the console shows, kept live: re-queried when `version` (useDataVersion) says
 * another process wrote. Only the visible window is queried; with a filter (`/`), only the
 * matching runs, and they are counted up to `countCap`.
 */
export function useRuns(source: ConsoleSource, version: number, offset: number, limit: number, now: number, filter: RunQuery | null = null, countCap = 1000): RunsView {
  const lastGood = useRef<Omit<RunsView, 'error' | 'matches'>>({ runs: [], total: null, counts: null });
  // Counted before the frame is drawn, so the first frame is complete: the total is one
  // stored row (migration 9), the 24 h counts a range of an index (~5 ms on a million runs).
  // Again when the data changes, and the 24 h counts once a minute as their window slides.
  const minute = Math.floor(now / 60_000);
  const tallies = useMemo((): Tallies => ({ total: attempt(() => source.totalRuns()), counts: attempt(() => source.counts24h(now)) }), [source, version, minute]);

  const page = useMemo(() => attempt(() => source.latestRuns(limit, offset, filter)), [source, version, offset, limit, filter]);
  const matched = useMemo(() => (filter ? attempt(() => source.matchingRuns(filter, countCap)) : null), [source, version, filter, countCap]);

  const good = lastGood.current;
  const total = matched ? (matched.ok ? matched.value.count : null) : tallies.total.ok ? tallies.total.value : null;
  const view = {
    runs: page.ok ? page.value : good.runs,
    total: total ?? (filter ? null : good.total),
    counts: tallies.counts.ok ? tallies.counts.value : good.counts,
  };
  // The last good unfiltered total: shown again the moment the filter is cleared.
  lastGood.current = { ...view, total: filter ? good.total : view.total };
  const failure = [tallies.total, tallies.counts, page, matched].find((r) => r && !r.ok);
  return { ...view, matches: matched?.ok ? matched.value : null, error: failure && !failure.ok ? failure.error : null };
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

export function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  }
}

