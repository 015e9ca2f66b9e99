import type { RetryEntry } from '../src/retry/queue';
import { formatDue } from '../src/retry/format';
import { formatAge, formatDuration, type StateTone } from '../src/runs/format';
import type { WorkflowKpis } from '../src/kpi/types';
import { percent } from '../src/kpi/render';
import type { TableColumn } from './columns';
import type { ConsoleTicket } from './source';
import type { Alert } from '../src/detect/alerts';

/**
 * The retry queue, KPI and audit ticket panels' columns: the cells `ops retry list`,
 * `ops kpi` and `ops audit list` print.
 */

const entryTone = (e: RetryEntry): StateTone =>
  e.state === 'failed' || e.held_by !== null ? 'bad' : e.state === 'completed' ? 'good' : e.state === 'cancelled' ? 'muted' : 'active';

export const retryColumns: readonly TableColumn<RetryEntry>[] = [
  { id: 'id', header: 'ID', text: (e) => String(e.id), align: 'right', max: 7, drop: 3 },
  {
    id: 'state',
    header: 'STATE',
    text: (e) => (e.held_by !== null && e.state === 'pending' ? 'held' : e.state === 'pending' && e.phase === 'verify' ? 'verifying' : e.state),
    align: 'left',
    max: 10,
    drop: Infinity,
    tone: entryTone,
  },
  { id: 'run', header: 'RUN', text: (e) => e.run_id, align: 'left', max: 20, drop: 4 },
  { id: 'workflow', header: 'WORKFLOW', text: (e) => e.workflow, align: 'left', max: 24, shrink: 8, drop: Infinity },
  { id: 'attempt', header: 'ATTEMPT', text: (e) => `${e.attempt}/${e.max_attempts}`, align: 'right', max: 7, drop: 5 },
  { id: 'next', header: 'NEXT', text: (e, now) => formatDue(e, now), align: 'right', max: 10, drop: 6 },
  { id: 'class', header: 'CLASS', text: (e) => e.classification?.class ?? e.class, align: 'left', max: 13, drop: 2 },
  { id: 'error', header: 'LAST ERROR', text: (e) => (e.last_error ?? '').replace(/\s+/g, ' '), align: 'left', max: 60, shrink: 10, drop: 1 },
];

export const ticketColumns: readonly TableColumn<ConsoleTicket>[] = [
  { id: 'ticket', header: 'TICKET', text: (t) => t.ticket.replace(/^audit_ticket_/, ''), align: 'left', max: 18, drop: Infinity },
  { id: 'risk', header: 'RISK', text: (t) => t.risk, align: 'left', max: 6, drop: Infinity, tone: (t) => (t.risk === 'high' ? 'bad' : t.risk === 'medium' ? 'active' : 'muted') },
  { id: 'kind', header: 'KIND', text: (t) => (t.kind === 'retry_failure' ? 'retry failed' : t.kind), align: 'left', max: 12, drop: 3 },
  { id: 'http', header: 'HTTP', text: (t) => (t.http_status === null ? '-' : String(t.http_status)), align: 'right', max: 4, drop: 2 },
  { id: 'title', header: 'TITLE', text: (t) => t.title, align: 'left', max: 100, shrink: 12, drop: Infinity },
  // Whether its files are in the evidence folder yet: follows the folder live.
  {
    id: 'files',
    header: 'FILES',
    text: (t) => t.files ?? '-',
    align: 'left',
    max: 7,
    drop: 1,
    tone: (t) => (t.files === 'written' ? 'good' : t.files === null ? 'muted' : 'active'),
  },
];

const count = (n: number) => n.toLocaleString('en-US');

/** The KPI panel's per-workflow rows: `ops kpi`'s workflow table. */
export const kpiWorkflowColumns: readonly TableColumn<WorkflowKpis>[] = [
  { id: 'workflow', header: 'WORKFLOW', text: (w) => w.workflow, align: 'left', max: 28, shrink: 8, drop: Infinity },
  { id: 'runs', header: 'RUNS', text: (w) => count(w.runs), align: 'right', max: 9, drop: Infinity },
  { id: 'success', header: 'SUCCESS', text: (w) => percent(w.success_rate), align: 'right', max: 7, drop: Infinity },
  { id: 'p95', header: 'P95', text: (w) => formatDuration(w.duration_ms.p95), align: 'right', max: 7, drop: 5 },
  { id: 'failures', header: 'FAILURES', text: (w) => count(w.failures), align: 'right', max: 9, drop: 3, tone: (w) => (w.failures ? 'bad' : 'muted') },
  { id: 'retries', header: 'RETRIES', text: (w) => count(w.retries.total), align: 'right', max: 9, drop: 2 },
  { id: 'mttr', header: 'MTTR', text: (w) => formatDuration(w.mttr_ms), align: 'right', max: 7, drop: 1 },
];

/** Open alerts first, most severe first (the order the source gives), then the resolved. */
export const alertColumns: readonly TableColumn<Alert>[] = [
  { id: 'id', header: 'ID', text: (a) => `#${a.id}`, align: 'right', max: 6, drop: 2 },
  {
    id: 'severity',
    header: 'SEVERITY',
    text: (a) => (a.state === 'open' ? a.severity.toUpperCase() : a.severity),
    align: 'left',
    max: 8,
    drop: Infinity,
    tone: (a) => (a.state !== 'open' ? 'muted' : a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'active' : 'muted'),
  },
  { id: 'state', header: 'STATE', text: (a) => a.state, align: 'left', max: 8, drop: Infinity, tone: (a) => (a.state === 'open' ? 'bad' : 'good') },
  // How long it has held, or how long ago it cleared.
  { id: 'age', header: 'AGE', text: (a, now) => formatAge(a.resolved_at ?? a.opened_at, now), align: 'right', max: 4, drop: 4 },
  { id: 'rule', header: 'RULE', text: (a) => a.rule, align: 'left', max: 22, drop: 1 },
  { id: 'summary', header: 'SUMMARY', text: (a) => a.summary, align: 'left', max: 90, shrink: 32, drop: Infinity },
  // What detection did, or what it proposes to run (ops rollback --to N …).
  { id: 'action', header: 'ACTION', text: (a) => (a.action_result ?? (a.action === 'alert' ? '-' : a.action)).replace(/\s+/g, ' '), align: 'left', max: 70, shrink: 12, drop: 3 },
];
