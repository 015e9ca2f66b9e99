import { kpiDefinitions, kpiNames, type KpiName } from './definitions';
import type { KpiSet, Kpis } from './types';

/** config.json `kpiTargets`; null means no target for that KPI. */
export interface KpiTargets {
  successRate: number | null;
  p95DurationMs: number | null;
  mttrMs: number | null;
  retrySuccessRate: number | null;
}

export type KpiUnit = 'count' | 'ratio' | 'ms';
export type KpiState = 'ok' | 'breach' | 'n/a';

export interface KpiStatus {
  name: KpiName;
  definition: string;
  unit: KpiUnit;
  /** How the value must compare with the target to be ok; null when the KPI has no target. */
  comparison: '>=' | '<=' | null;
  target: number | null;
  value: number | null;
  /** n/a: no target, or nothing to measure (value null). */
  status: KpiState;
}

type Measured = KpiSet & Partial<Pick<Kpis, 'killswitch_engagements'>>;

interface Spec {
  unit: KpiUnit;
  value: (k: Measured) => number | null;
  target?: { of: (t: KpiTargets) => number | null; comparison: '>=' | '<=' };
}

const specs: Record<KpiName, Spec> = {
  runs: { unit: 'count', value: (k) => k.runs },
  success_rate: { unit: 'ratio', value: (k) => k.success_rate, target: { of: (t) => t.successRate, comparison: '>=' } },
  duration_mean_ms: { unit: 'ms', value: (k) => k.duration_ms.mean },
  duration_p50_ms: { unit: 'ms', value: (k) => k.duration_ms.p50 },
  duration_p95_ms: { unit: 'ms', value: (k) => k.duration_ms.p95, target: { of: (t) => t.p95DurationMs, comparison: '<=' } },
  retries_total: { unit: 'count', value: (k) => k.retries.total },
  retries_per_failed_run: { unit: 'ratio', value: (k) => k.retries.per_failed_run },
  retry_success_rate: { unit: 'ratio', value: (k) => k.retries.success_rate, target: { of: (t) => t.retrySuccessRate, comparison: '>=' } },
  mttr_ms: { unit: 'ms', value: (k) => k.mttr_ms, target: { of: (t) => t.mttrMs, comparison: '<=' } },
  killswitch_engagements: { unit: 'count', value: (k) => k.killswitch_engagements ?? null },
};

/**
 * Every KPI with its definition, target and verdict, in a fixed order: what a report
 * renders and what CI can fail on. Works for the window's KPIs and for one workflow's.
 */
export function kpiStatus(kpis: Measured, targets: KpiTargets): KpiStatus[] {
  return kpiNames.map((name) => {
    const spec = specs[name];
    const value = spec.value(kpis);
    const target = spec.target?.of(targets) ?? null;
    const comparison = spec.target ? spec.target.comparison : null;
    let status: KpiState = 'n/a';
    if (value !== null && target !== null) status = (comparison === '>=' ? value >= target : value <= target) ? 'ok' : 'breach';
    return { name, definition: kpiDefinitions[name], unit: spec.unit, comparison, target, value, status };
  });
}
