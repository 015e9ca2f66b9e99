import type { Column } from '../cli/table';
import type { Style } from '../cli/style';
import { formatAge, formatDuration, paintState, runState } from './format';
import type { Run } from './types';

/** The runs table of `ops runs list` and `ops status`; `now` makes ages OPS_NOW-aware. */
export function runColumns(s: Style, now: number): Column<Run>[] {
  return [
    { header: 'RUN', value: (r) => r.run_id },
    { header: 'WORKFLOW', value: (r) => r.workflow },
    { header: 'REPOSITORY', value: (r) => r.repository },
    { header: 'BRANCH', value: (r) => r.branch ?? '-' },
    { header: 'ATT', value: (r) => String(r.attempt), align: 'right' },
    { header: 'STATE', value: runState, paint: (cell, r) => paintState(s, r, cell) },
    { header: 'DURATION', value: (r) => formatDuration(r.duration_ms), align: 'right' },
    { header: 'AGE', value: (r) => formatAge(r.started_at, now), align: 'right' },
    { header: 'CLASS', value: (r) => r.classification?.class ?? '' },
  ];
}
