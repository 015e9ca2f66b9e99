import type { Ledger } from '../ledger/open';
import { toIso } from '../time/clock';
import { computeKpis } from './compute';
import { calendarDays } from './daily';
import { readKpiRows } from './rows';
import type { Kpis } from './types';

export interface KpiOptions {
  /** As the user wrote it (`7d`): reported back as `window`. */
  window: string;
  windowMs: number;
  now: number;
  workflow: string | null;
  timezone: string;
}

/** The KPIs of the window ending now: what `ops kpi` prints and a report renders. */
export function ledgerKpis(db: Ledger, o: KpiOptions): Kpis {
  // Whole seconds, like the ledger's times: they are compared as text, and "…00.5Z" sorts before "…00Z".
  const now = Math.floor(o.now / 1000) * 1000;
  return computeKpis(
    readKpiRows(db, {
      window: o.window,
      range: { since: toIso(now - o.windowMs), until: toIso(now) },
      workflow: o.workflow,
      timezone: o.timezone,
      days: calendarDays(now, o.timezone),
    }),
  );
}
