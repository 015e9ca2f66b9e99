import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../../src/runs/types';
import type { ConsoleSource, RunTally } from '../source';

export interface DataVersion {
  /** Bumped each time a poll finds that another process has committed: re-query on change. */
  version: number;
  /** Re-query now: after the console itself wrote (its own commits do not change data_version). */
  bump(): void;
  /** The last failure to read the data version; null once a read succeeds again. */
  error: string | null;
}

/**
 * Watches the source for writes by other processes. Instead of re-querying on a timer, it
 * polls the source's data version (PRAGMA data_version: one integer, no table read) and
 * bumps `version` only when another process has committed. Called before the hooks that
 * query, so the version is sampled before their queries run: a commit landing between a
 * query and the next poll is still noticed.
 */
export function useDataVersion(source: ConsoleSource, pollMs: number): DataVersion {
  const [version, setVersion] = useState(0);
  const [pollError, setPollError] = useState<string | null>(null);
  // The data version the data on screen was read at.
  const seen = useRef<number | null>(null);
  const sampled = useMemo(
    () =>
      attempt(() => {
        seen.current = source.dataVersion();
      }),
    [source, version],
  );

  useEffect(() => {
    const timer = setInterval(() => {
      try {
        const v = source.dataVersion();
        if (v !== seen.current) {
          seen.current = v;
          setVersion((n) => n + 1);
        }
        setPollError(null);
      } catch (err) {
        setPollError(message(err));
      }
    }, pollMs);
    return () => clearInterval(timer);
  }, [source, pollMs]);

  const bump = useCallback(() => setVersion((n) => n + 1), []);
  return { version, bump, error: sampled.ok ? pollError : sampled.error };
}

export interface RunsView {
  /** The visible window: at most `limit` runs starting at `offset`, latest first. */
  runs: Run[];
  total: number;
  counts: RunTally;
  /** The last query failure, shown in the footer; the last good data stays on screen. */
  error: string | null;
}

const noRuns: RunTally = { total: 0, success: 0, failed: 0, active: 0, other: 0 };

/**
 * The runs the console shows, kept live: re-queried when `version` (useDataVersion) says
 * another process wrote. Only the visible window is queried.
 */
export function useRuns(source: ConsoleSource, version: number, offset: number, limit: number, now: number): RunsView {
  const lastGood = useRef<Omit<RunsView, 'error'>>({ runs: [], total: 0, counts: noRuns });

  const totals = useMemo(() => attempt(() => source.totalRuns()), [source, version]);
  const page = useMemo(() => attempt(() => source.latestRuns(limit, offset)), [source, version, offset, limit]);
  // Counted again when the data changes and once a minute as the 24 h window slides.
  const minute = Math.floor(now / 60_000);
  const counts = useMemo(() => attempt(() => source.counts24h(now)), [source, version, minute]);

  const good = lastGood.current;
  const view = {
    runs: page.ok ? page.value : good.runs,
    total: totals.ok ? totals.value : good.total,
    counts: counts.ok ? counts.value : good.counts,
  };
  lastGood.current = view;
  const failure = [totals, page, counts].find((r) => !r.ok);
  return { ...view, error: failure && !failure.ok ? failure.error : null };
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

export function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: message(err) };
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
