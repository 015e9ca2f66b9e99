import { Box, Text } from 'ink';
import { formatDuration, type StateTone } from '../src/runs/format';
import type { KpiName } from '../src/kpi/definitions';
import { percent } from '../src/kpi/render';
import { sparkline } from '../src/kpi/sparkline';
import type { KpiStatus } from '../src/kpi/status';
import type { Kpis } from '../src/kpi/types';
import type { FittedColumn } from './columns';
import { DataTable } from './RunsTable';
import type { KpiView } from './hooks/useKpis';
import type { ConsoleKpis } from './source';
import { accent, dim, tonePaint, warn } from './theme';

/**
 * The KPI panel (SPEC §7: success rate, p95 duration, retries, 7-day sparkline): the figures
 * of `ops kpi` for the 7 days ending now, each with its target and verdict from config.json,
 * the daily success-rate trend, then the per-workflow rows, which scroll like any panel's.
 * Tall enough, the KPIs are a table as `ops kpi` prints them; on a short terminal, two lines.
 * The figures come from the source (src/kpi, as `ops kpi`); this file only lays them out.
 */

interface Line {
  text: string;
  tone?: StateTone;
  heading?: boolean;
  title?: boolean;
}

/** The KPIs shown, in `ops kpi`'s order and words. */
const shown: { name: KpiName; label: string }[] = [
  { name: 'success_rate', label: 'success rate' },
  { name: 'duration_p95_ms', label: 'duration p95' },
  { name: 'retries_total', label: 'retries' },
  { name: 'retries_per_failed_run', label: 'retries per failed run' },
  { name: 'retry_success_rate', label: 'retry success rate' },
  { name: 'mttr_ms', label: 'MTTR' },
  { name: 'killswitch_engagements', label: 'killswitch engagements' },
];

/** Lines above the workflow rows: the table form (title, headings, 7 KPIs, trend) and the short one. */
const FULL_LINES = 10;
const SHORT_LINES = 3;
/** Workflow rows (with their headings) the table form leaves at least. */
const MIN_WORKFLOW_LINES = 4;

/** Lines the KPIs take above the workflow table in a panel of `rows` lines. */
export const kpiSummaryLines = (rows: number) => (rows >= FULL_LINES + MIN_WORKFLOW_LINES ? FULL_LINES : SHORT_LINES);

/** What a KPI line needs of kpiStatus's verdict. */
type Verdict = Pick<KpiStatus, 'name' | 'value' | 'target' | 'comparison' | 'status'>;

function format(name: KpiName, v: number | null): string {
  if (v === null) return '-';
  if (name === 'duration_p95_ms' || name === 'mttr_ms') return formatDuration(v);
  if (name === 'retries_per_failed_run') return v.toFixed(2);
  if (name === 'success_rate' || name === 'retry_success_rate') return percent(v);
  return v.toLocaleString('en-US');
}

const target = (s: Verdict) => (s.target !== null && s.comparison ? `${s.comparison === '>=' ? '≥' : '≤'} ${format(s.name, s.target)}` : '');
const verdict = (s: Verdict) => (s.target !== null ? s.status : '');
const verdictTone = (s: Verdict): StateTone | undefined => (s.status === 'breach' ? 'bad' : s.status === 'ok' ? 'good' : undefined);

/** The shown KPIs' verdicts; without targets (none readable), just their values. */
function verdicts(k: ConsoleKpis): Map<KpiName, Verdict> {
  if (k.status) return new Map(k.status.map((s) => [s.name, s]));
  const kp = k.kpis;
  const values: Partial<Record<KpiName, number | null>> = {
    success_rate: kp.success_rate,
    duration_p95_ms: kp.duration_ms.p95,
    retries_total: kp.retries.total,
    retries_per_failed_run: kp.retries.per_failed_run,
    retry_success_rate: kp.retries.success_rate,
    mttr_ms: kp.mttr_ms,
    killswitch_engagements: kp.killswitch_engagements,
  };
  return new Map(shown.map(({ name }) => [name, { name, value: values[name] ?? null, target: null, comparison: null, status: 'n/a' }]));
}

/** "success 7d ▆▇▅█▃▇▆  85.1%–93.4%": the bars are relative, so the range goes beside them. */
export function trendText(k: Kpis): string {
  const rates = k.daily.map((d) => d.success_rate);
  const present = rates.filter((v): v is number => v !== null);
  const range = present.length ? `  ${percent(Math.min(...present))}–${percent(Math.max(...present))}` : '';
  const days = k.daily.length ? `  ${k.daily[0]!.date} … ${k.daily.at(-1)!.date} (${k.timezone})` : '';
  return `success ${k.daily.length}d ${sparkline(rates)}${range}${days}`;
}

/** The KPI lines above the workflow rows, for a panel of `rows` lines. */
export function kpiLines(k: ConsoleKpis, rows: number): Line[] {
  const all = verdicts(k);
  const of = (name: KpiName): Verdict => all.get(name) ?? { name, value: null, target: null, comparison: null, status: 'n/a' };
  const note = k.targetsError ? `  (no targets: ${k.targetsError})` : '';
  const title = `KPIs of the last 7 days: ${k.kpis.since} – ${k.kpis.until}, ${k.kpis.runs.toLocaleString('en-US')} runs${note}`;
  if (kpiSummaryLines(rows) === FULL_LINES) {
    const cells = shown.map(({ name, label }) => ({ label, value: format(name, of(name).value), target: target(of(name)), verdict: verdict(of(name)), tone: verdictTone(of(name)) }));
    const lw = Math.max(...cells.map((c) => c.label.length));
    const vw = Math.max(5, ...cells.map((c) => c.value.length));
    const tw = Math.max(6, ...cells.map((c) => c.target.length));
    const row = (l: string, v: string, t: string, s: string) => `${l.padEnd(lw)}  ${v.padStart(vw)}  ${t.padStart(tw)}  ${s}`.trimEnd();
    return [
      { text: title, title: true },
      { text: row('KPI', 'VALUE', 'TARGET', 'STATUS'), heading: true },
      ...cells.map((c) => ({ text: row(c.label, c.value, c.target, c.verdict), tone: c.tone })),
      { text: trendText(k.kpis) },
    ];
  }
  // Short: "success 93.1% (≥ 95.0% breach)  p95 12m03s (≤ 15m00s ok)  …"
  const piece = (label: string, name: KpiName) => {
    const s = of(name);
    const t = target(s);
    return `${label} ${format(name, s.value)}${t ? ` (${t} ${verdict(s)})` : ''}`;
  };
  return [
    { text: ['KPIs 7d:', piece('success', 'success_rate'), piece('p95', 'duration_p95_ms'), piece('MTTR', 'mttr_ms'), piece('killswitch', 'killswitch_engagements')].join('  ') },
    { text: [piece('retries', 'retries_total'), `${format('retries_per_failed_run', of('retries_per_failed_run').value)}/failed run`, piece('retry success', 'retry_success_rate')].join('  ') + note },
    { text: trendText(k.kpis) },
  ];
}

export interface KpiPanelProps {
  view: KpiView;
  /** Lines of the panel, all told. */
  rows: number;
  /** The visible workflow rows, and the selected one's index among them (-1: none). */
  workflows: Kpis['workflows'];
  columns: FittedColumn<Kpis['workflows'][number]>[];
  selected: number;
  now: number;
  width: number;
  color: boolean;
}

export function KpiPanel({ view, rows, workflows, columns, selected, now, width, color }: KpiPanelProps) {
  if (!view.value) {
    return (
      <Box flexDirection="column" width={width} height={rows} overflow="hidden">
        {view.error ? (
          <Text {...warn(color)} wrap="truncate-end">
            KPIs: {view.error}
          </Text>
        ) : (
          <Text {...dim(color)} wrap="truncate-end">
            KPIs of the last 7 days: computing…
          </Text>
        )}
      </Box>
    );
  }
  const lines = kpiLines(view.value, rows);
  if (view.computing) lines[0] = { ...lines[0]!, text: `${lines[0]!.text}  (updating…)` };
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" {...(l.title ? accent(color) : l.heading ? dim(color) : l.tone ? tonePaint(l.tone, color) : {})}>
          {l.text}
        </Text>
      ))}
      <DataTable rows={workflows} rowKey={(w) => w.workflow} columns={columns} selected={selected} empty="no runs or retries in the window" now={now} width={width} color={color} />
    </Box>
  );
}
