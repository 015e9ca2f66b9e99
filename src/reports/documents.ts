import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { computeKpis } from '../kpi/compute';
import { calendarDays } from '../kpi/daily';
import { readKpiRows } from '../kpi/rows';
import { kpiStatus } from '../kpi/status';
import { zonedDayBounds } from '../time/zone';
import type { DocumentWriter } from './generate';
import { kpiMarkdown } from './kpi-page';

/** The report's documents that need more than the ledger and the folder: the KPI page (targets from config). */
export async function reportDocuments(ctx: Context, db: Ledger): Promise<DocumentWriter[]> {
  const timeZone = await ctx.timezone();
  const targets = (await ctx.config('config.json')).kpiTargets;
  return [
    (date) => {
      const [since, until] = zonedDayBounds(date, timeZone);
      // The date itself, and the 7 days that end with it.
      const days = calendarDays(Date.parse(until) - 1000, timeZone);
      const kpis = computeKpis(readKpiRows(db, { window: date, range: { since, until }, workflow: null, timezone: timeZone, days }));
      return { name: 'OPS_HEALTH_KPI.md', content: kpiMarkdown(date, timeZone, kpis, kpiStatus(kpis, targets)) };
    },
  ];
}
