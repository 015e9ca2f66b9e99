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

/**
 * Time left until `iso` (an expiry), never rounded up: 1h59m (not 2h, let alone the 1h an
 * age-style rounding gives), 59m, 42s; over a day 1d04h30m. What a person reads to decide
 * whether to extend a stop, so it is never more than what is really left. 0s once passed.
 */
export function formatRemaining(iso: string, now: number): string {
  const s = Math.max(0, Math.floor((Date.parse(iso) - now) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  const hm = `h${String(m % 60).padStart(2, '0')}m`;
  if (h < 24) return `${h}${hm}`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}${hm}`;
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
