import { errorText } from '../../src/cli/errors';
import { useEffect, useRef, useState } from 'react';
import type { ConsoleKpis, ConsoleSource } from '../source';

export interface KpiView {
  /** The last KPIs computed; null until the first are. */
  value: ConsoleKpis | null;
  /** A computation is scheduled or running: "computing…" (or "updating…" over the last figures). */
  computing: boolean;
  error: string | null;
}

/** KPI window: the 7 days ending at the console's "now", as `ops kpi` (its default window). */
export const KPI_DAYS = 7;
/** At most one computation per this many ms (hundreds of ms each on a million runs). */
export const KPI_MIN_INTERVAL_MS = 10_000;
/** Before the first computation: lets the "computing…" frame reach the screen first. */
const PAINT_FIRST_MS = 50;

/**
 * The KPI panel's figures. Computed only while the panel is shown (`active`), never before
 * the first frame and never on a data-version tick of a hidden panel: when the panel is
 * opened with nothing computed yet, then again while it stays shown when the ledger or the
 * evidence changed (`version`) or the clock reached a new minute (the window slides), at most
 * once every KPI_MIN_INTERVAL_MS. The last figures stay on screen while the next are computed.
 */
export function useKpis(source: ConsoleSource, active: boolean, version: number, now: number): KpiView {
  const [view, setView] = useState<KpiView>({ value: null, computing: false, error: null });
  // What the figures on screen (or being computed) were computed for, and when (performance.now()).
  const last = useRef<{ key: string; at: number } | null>(null);
  const nowRef = useRef(now);
  nowRef.current = now;
  const mounted = useRef(true);
  // A computation is waiting for its timer.
  const scheduled = useRef(false);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const key = `${version}:${Math.floor(now / 60_000)}`;
  useEffect(() => {
    if (!active || last.current?.key === key) return;
    const since = last.current ? performance.now() - last.current.at : Infinity;
    const delay = Math.max(PAINT_FIRST_MS, KPI_MIN_INTERVAL_MS - since);
    setView((v) => (v.computing ? v : { ...v, computing: true }));
    scheduled.current = true;
    const timer = setTimeout(() => {
      scheduled.current = false;
      last.current = { key, at: performance.now() };
      source.kpis(nowRef.current, KPI_DAYS).then(
        (value) => {
          if (mounted.current) setView({ value, computing: scheduled.current, error: null });
        },
        (err: unknown) => {
          if (mounted.current) setView((v) => ({ ...v, computing: scheduled.current, error: errorText(err) }));
        },
      );
    }, delay);
    // Hidden again, or something changed before it started: not computed for nothing; the
    // next render that wants it schedules it again.
    return () => {
      clearTimeout(timer);
      if (scheduled.current) {
        scheduled.current = false;
        if (mounted.current) setView((v) => ({ ...v, computing: false }));
      }
    };
  }, [source, active, key]);

  return view;
}
