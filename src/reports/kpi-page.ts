import { formatDuration } from '../runs/format';
import { kpiDefinitions, kpiTerms } from '../kpi/definitions';
import { percent } from '../kpi/render';
import { sparkline } from '../kpi/sparkline';
import type { KpiStatus } from '../kpi/status';
import type { Kpis } from '../kpi/types';
import { mdTable } from './markdown';

/**
 * OPS_HEALTH_KPI.md (SPEC §5.2): each KPI of the date with its definition, target,
 * measured value and status, the per-workflow breakdown and the 7-day trend. Pure.
 */

const value = (s: KpiStatus) => (s.value === null ? '-' : s.unit === 'ms' ? formatDuration(s.value) : s.unit === 'ratio' && s.name !== 'retries_per_failed_run' ? percent(s.value) : s.name === 'retries_per_failed_run' ? s.value.toFixed(2) : String(s.value));
const target = (s: KpiStatus) => (s.target === null ? '-' : `${s.comparison} ${s.unit === 'ms' ? formatDuration(s.target) : percent(s.target)}`);
const state = (s: KpiStatus) => (s.status === 'breach' ? '**breach**' : s.status);

export function kpiMarkdown(date: string, timeZone: string, k: Kpis, statuses: readonly KpiStatus[]): string {
  let md = `# Ops health KPIs: ${date} (${timeZone})\n\n`;
  md += `Measured by \`ops report\` over the runs that started on this date (${k.since} to ${k.until} UTC). Targets: \`.ops/config.json kpiTargets\`.\n\n`;
  md += mdTable(['KPI', 'value', 'target', 'status'], statuses.map((s) => [`\`${s.name}\``, value(s), target(s), state(s)]), ['l', 'r', 'r', 'l']);
  md += `\n## Per workflow\n\n`;
  md += k.workflows.length
    ? mdTable(
        ['workflow', 'runs', 'success rate', 'failures', 'p95', 'retries', 'MTTR'],
        k.workflows.map((w) => [w.workflow, w.runs, percent(w.success_rate), w.failures, w.duration_ms.p95 === null ? '-' : formatDuration(w.duration_ms.p95), w.retries.total, w.mttr_ms === null ? '-' : formatDuration(w.mttr_ms)]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      )
    : 'No runs.\n';
  md += `\n## Last 7 days\n\nSuccess rate ${sparkline(k.daily.map((d) => d.success_rate))} (one bar per day, oldest first)\n\n`;
  md += mdTable(['date', 'runs', 'failures', 'success rate', 'retries'], k.daily.map((d) => [d.date, d.runs, d.failures, percent(d.success_rate), d.retries]), ['l', 'r', 'r', 'r', 'r']);
  md += `\n## Definitions\n\n`;
  for (const s of statuses) md += `- \`${s.name}\`: ${kpiDefinitions[s.name]}\n`;
  md += '\n';
  for (const [term, text] of Object.entries(kpiTerms)) md += `- *${term}*: ${text}\n`;
  return md;
}
