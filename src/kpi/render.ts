import type { Style } from '../cli/style';
import { renderTable, type Column } from '../cli/table';
import { formatDuration } from '../runs/format';
import type { KpiName } from './definitions';
import { sparkline } from './sparkline';
import type { KpiStatus, KpiUnit } from './status';
import type { DailyKpis, Kpis, WorkflowKpis } from './types';

/** `ops kpi` as text: the KPI table with targets, the per-workflow table, the daily trend. */

export const kpiLabels: Record<KpiName, string> = {
  runs: 'runs',
  success_rate: 'success rate',
  duration_mean_ms: 'duration mean',
  duration_p50_ms: 'duration p50',
  duration_p95_ms: 'duration p95',
  retries_total: 'retries',
  retries_per_failed_run: 'retries per failed run',
  retry_success_rate: 'retry success rate',
  mttr_ms: 'MTTR',
  killswitch_engagements: 'killswitch engagements',
};

const count = (n: number) => n.toLocaleString('en-US');
export const percent = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

export function formatKpiValue(unit: KpiUnit, v: number | null, name?: KpiName): string {
  if (v === null) return '-';
  if (unit === 'ms') return formatDuration(v);
  if (unit === 'count') return count(v);
  return name === 'retries_per_failed_run' ? v.toFixed(2) : percent(v);
}

export function renderKpis(k: Kpis, status: KpiStatus[], s: Style): string {
  const scope = k.workflow === null ? 'all workflows' : `workflow ${JSON.stringify(k.workflow)}`;
  let out = `${s.bold('ops kpi')}  window ${k.window} (${k.since} – ${k.until}), ${scope}\n\n`;

  const kpiColumns: Column<KpiStatus>[] = [
    { header: 'KPI', value: (r) => kpiLabels[r.name] },
    { header: 'VALUE', value: (r) => formatKpiValue(r.unit, r.value, r.name), align: 'right' },
    { header: 'TARGET', value: (r) => (r.target === null ? '' : `${r.comparison === '>=' ? '≥' : '≤'} ${formatKpiValue(r.unit, r.target, r.name)}`), align: 'right' },
    {
      header: 'STATUS',
      value: (r) => (r.target === null ? '' : r.status),
      paint: (cell, r) => (r.status === 'breach' ? s.red(cell) : r.status === 'ok' ? s.green(cell) : cell),
    },
  ];
  out += renderTable(kpiColumns, status);

  out += `\n${s.bold('Workflows')}\n`;
  if (!k.workflows.length) out += 'no runs or retries in the window\n';
  else out += renderTable(workflowColumns(s), k.workflows);

  out += `\n${s.bold(`Last 7 days (${k.timezone})`)}\n`;
  out += renderTable(dailyColumns(s), k.daily);
  out += trendLine('runs    ', k.daily.map((d) => d.runs), count);
  out += trendLine('success ', k.daily.map((d) => d.success_rate), percent);
  return out;
}

function workflowColumns(s: Style): Column<WorkflowKpis>[] {
  return [
    { header: 'WORKFLOW', value: (w) => w.workflow },
    { header: 'RUNS', value: (w) => count(w.runs), align: 'right' },
    { header: 'SUCCESS', value: (w) => percent(w.success_rate), align: 'right' },
    { header: 'FAILURES', value: (w) => count(w.failures), align: 'right', paint: (c, w) => (w.failures ? s.red(c) : c) },
    { header: 'P95', value: (w) => formatDuration(w.duration_ms.p95), align: 'right' },
    { header: 'RETRIES', value: (w) => count(w.retries.total), align: 'right' },
    { header: 'MTTR', value: (w) => formatDuration(w.mttr_ms), align: 'right' },
  ];
}

function dailyColumns(s: Style): Column<DailyKpis>[] {
  return [
    { header: 'DATE', value: (d) => d.date },
    { header: 'RUNS', value: (d) => count(d.runs), align: 'right' },
    { header: 'FAILURES', value: (d) => count(d.failures), align: 'right', paint: (c, d) => (d.failures ? s.red(c) : c) },
    { header: 'SUCCESS', value: (d) => percent(d.success_rate), align: 'right' },
    { header: 'RETRIES', value: (d) => count(d.retries), align: 'right' },
  ];
}

/** "success ▆▇▅█▃▇▆  85.1%–93.4%": the bars are relative, so the range goes beside them. */
function trendLine(label: string, values: (number | null)[], format: (v: number) => string): string {
  const present = values.filter((v): v is number => v !== null);
  const range = present.length ? `  ${format(Math.min(...present))}–${format(Math.max(...present))}` : '';
  return `${label}${sparkline(values)}${range}\n`;
}
