import type { Style } from '../cli/style';
import type { Run } from './types';
import { failedConclusions } from './types';

/** 1h02m, 3m05s, 42s, 850ms: short enough for a table column. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** How long ago, relative to the command's "now" (OPS_NOW-aware): 5s, 12m, 3h, 2d. */
export function formatAge(iso: string | null, now: number): string {
  if (iso === null) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** One word for where a run stands: its conclusion once completed, else its status. */
export const runState = (run: Pick<Run, 'status' | 'conclusion'>): string =>
  run.status === 'completed' ? (run.conclusion ?? 'completed') : run.status;

export type StateTone = 'good' | 'bad' | 'active' | 'muted';

/** The colour a state is drawn in, shared by the CLI tables and the console. */
export function stateTone(run: Pick<Run, 'status' | 'conclusion'>): StateTone {
  if (run.status !== 'completed') return 'active';
  if (run.conclusion === 'success') return 'good';
  if (run.conclusion !== null && failedConclusions.has(run.conclusion)) return 'bad';
  return 'muted';
}

export function paintState(s: Style, run: Pick<Run, 'status' | 'conclusion'>, text: string): string {
  const tone = stateTone(run);
  return tone === 'good' ? s.green(text) : tone === 'bad' ? s.red(text) : tone === 'active' ? s.yellow(text) : s.dim(text);
}
