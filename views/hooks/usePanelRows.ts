import { useMemo, useRef } from 'react';
import type { RetryEntry } from '../../src/retry/queue';
import type { Alert } from '../../src/detect/alerts';
import type { ConsoleSource, ConsoleTicket } from '../source';
import { attempt } from './useRuns';

export type Panel = 'runs' | 'retries' | 'kpis' | 'alerts' | 'tickets';
/** Tab's order; Shift-Tab goes back through it. */
export const panels: readonly Panel[] = ['runs', 'retries', 'kpis', 'alerts', 'tickets'];
export const panelLabel: Record<Panel, string> = { runs: 'Runs', retries: 'Retry queue', kpis: 'KPI workflows', alerts: 'Alerts', tickets: 'Audit tickets' };

/** The alerts panel lists every open alert and the latest resolved ones, this many in all. */
export const ALERTS_SHOWN = 200;

export interface PanelRows<T> {
  rows: T[];
  total: number;
  error: string | null;
}

/**
 * The rows of the retry queue or ticket panel, read only while that panel is shown (an idle
 * console on the runs panel does not query them), re-read when another process writes.
 */
export function useRetryRows(source: ConsoleSource, active: boolean, version: number, top: number, limit: number): PanelRows<RetryEntry> {
  const last = useRef<PanelRows<RetryEntry>>({ rows: [], total: 0, error: null });
  const read = useMemo(
    () => (active ? attempt(() => ({ rows: source.retryEntries(limit, top), total: source.retryTotal() })) : null),
    [source, active, version, top, limit],
  );
  if (read?.ok) last.current = { ...read.value, error: null };
  return read && !read.ok ? { ...last.current, error: read.error } : last.current;
}

export function useTicketRows(source: ConsoleSource, active: boolean, version: number): PanelRows<ConsoleTicket> {
  const last = useRef<PanelRows<ConsoleTicket>>({ rows: [], total: 0, error: null });
  const read = useMemo(() => (active ? attempt(() => source.tickets()) : null), [source, active, version]);
  if (read?.ok) last.current = { rows: read.value, total: read.value.length, error: null };
  return read && !read.ok ? { ...last.current, error: read.error } : last.current;
}

/**
 * Detection's alerts: read on every change whichever panel is shown, since the header counts
 * the open ones (an alert must be seen from the runs panel too). The table is small.
 */
export function useAlertRows(source: ConsoleSource, version: number): PanelRows<Alert> {
  const last = useRef<PanelRows<Alert>>({ rows: [], total: 0, error: null });
  const read = useMemo(() => attempt(() => source.alerts(ALERTS_SHOWN)), [source, version]);
  if (read.ok) last.current = { rows: read.value, total: read.value.length, error: null };
  return read.ok ? last.current : { ...last.current, error: read.error };
}
