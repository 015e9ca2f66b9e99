import { useEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../../src/runs/types';
import type { ConsoleSource, RunTally } from '../source';

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
 * The runs the console shows, kept live. Only the visible window is queried. Instead of
 * re-querying on a timer, it polls the source's data version (PRAGMA data_version: one
 * integer, no table read) and re-queries only when another process has committed.
 */
export function useRuns(source: ConsoleSource, offset: number, limit: number, now: number, pollMs: number): RunsView {
  const [version, setVersion] = useState(0);
  const [pollError, setPollError] = useState<string | null>(null);
  // The data version the current data was read at: read before the queries, so a commit
  // landing between the query and the first poll is still noticed.
  const seen = useRef<number | null>(null);
  const lastGood = useRef<Omit<RunsView, 'error'>>({ runs: [], total: 0, counts: noRuns });

  const totals = useMemo(
    () =>
      attempt(() => {
        seen.current = source.dataVersion();
        return { total: source.totalRuns() };
      }),
    [source, version],
  );
  const page = useMemo(() => attempt(() => source.latestRuns(limit, offset)), [source, version, offset, limit]);
  // Counted again when the data changes and once a minute as the 24 h window slides.
  const minute = Math.floor(now / 60_000);
  const counts = useMemo(() => attempt(() => source.counts24h(now)), [source, version, minute]);

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

  const good = lastGood.current;
  const view = {
    runs: page.ok ? page.value : good.runs,
    total: totals.ok ? totals.value.total : good.total,
    counts: counts.ok ? counts.value : good.counts,
  };
  lastGood.current = view;
  const failure = [totals, page, counts].find((r) => !r.ok);
  return { ...view, error: failure && !failure.ok ? failure.error : pollError };
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: message(err) };
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
