import type { Column } from '../cli/table';
import type { Style } from '../cli/style';
import { formatDuration } from '../runs/format';
import type { EnqueueOutcome, QueueSummary, RetryAttempt, RetryEntry } from './queue';
import type { EntryResult, ReplayReport } from '../actions/replay';

/** Human output of the retry commands: tables, one-line outcomes, the queue summary. */

/** "in 5s", "due", "-": when the entry's next step is, relative to the command's now. */
export function formatDue(e: Pick<RetryEntry, 'state' | 'next_attempt_at'>, now: number): string {
  if (e.state !== 'pending') return '-';
  const s = Math.ceil((Date.parse(e.next_attempt_at) - now) / 1000);
  return s <= 0 ? 'due' : `in ${formatDuration(s * 1000)}`;
}

const clip = (text: string | null, n: number) => {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
};

function paintEntry(s: Style, e: RetryEntry, cell: string): string {
  if (e.state === 'failed') return s.red(cell);
  if (e.state === 'completed') return s.green(cell);
  if (e.state === 'cancelled') return s.dim(cell);
  return s.yellow(cell);
}

export function entryColumns(s: Style, now: number): Column<RetryEntry>[] {
  return [
    { header: 'ID', value: (e) => String(e.id), align: 'right' },
    { header: 'STATE', value: (e) => (e.held_by !== null && e.state === 'pending' ? 'held' : e.state === 'pending' && e.phase === 'verify' ? 'verifying' : e.state), paint: (c, e) => paintEntry(s, e, c) },
    { header: 'RUN', value: (e) => e.run_id },
    { header: 'WORKFLOW', value: (e) => e.workflow },
    { header: 'ATTEMPT', value: (e) => `${e.attempt}/${e.max_attempts}`, align: 'right' },
    { header: 'NEXT', value: (e) => formatDue(e, now), align: 'right' },
    { header: 'CLASS', value: (e) => e.classification?.class ?? e.class },
    { header: 'ORIGIN', value: (e) => e.origin },
    { header: 'LAST ERROR', value: (e) => clip(e.last_error, 60) },
  ];
}

export function attemptColumns(s: Style): Column<RetryAttempt>[] {
  return [
    { header: 'STARTED', value: (a) => a.started_at },
    { header: 'ENTRY', value: (a) => String(a.entry_id), align: 'right' },
    { header: 'RUN', value: (a) => a.run_id },
    { header: 'ATT', value: (a) => String(a.attempt), align: 'right' },
    {
      header: 'OUTCOME',
      value: (a) => a.outcome,
      paint: (c, a) => (a.outcome === 'succeeded' ? s.green(c) : a.outcome === 'running' || a.outcome === 'dispatched' ? s.yellow(c) : s.red(c)),
    },
    { header: 'EXIT', value: (a) => (a.exit_code === null ? '-' : String(a.exit_code)), align: 'right' },
    { header: 'HTTP', value: (a) => (a.http_status === null ? '-' : String(a.http_status)), align: 'right' },
    { header: 'CLASS', value: (a) => a.classification?.class ?? '' },
    { header: 'DURATION', value: (a) => formatDuration(a.duration_ms), align: 'right' },
    { header: 'KEY', value: (a) => a.idempotency_key },
    { header: 'ERROR', value: (a) => clip(a.error, 50) },
  ];
}

export function describeEnqueue(o: EnqueueOutcome, now: number): string {
  const e = o.entry;
  const what = `retry #${e.id} of run ${e.run_id} (${e.workflow}) attempt ${e.run_attempt}`;
  const cls = e.classification ? `${e.classification.class}: ${e.classification.cause}` : e.class;
  switch (o.action) {
    case 'enqueued':
      return `queued ${what}: ${cls}; up to ${e.max_attempts} attempts, first ${formatDue(e, now)}${e.classification && !e.classification.retryable ? ' (this class is not retried automatically; queued by hand)' : ''}`;
    case 'rearmed':
      return `queued again ${what}: ${e.max_attempts - e.attempt} more attempts, first ${formatDue(e, now)}`;
    case 'queued':
      return `already queued, nothing changed: ${what} is ${e.state}, attempt ${e.attempt}/${e.max_attempts}, next ${formatDue(e, now)}`;
    case 'finished':
      return `${what} already ${e.state}`;
  }
}

function describeResult(r: EntryResult, now: number): string {
  const head = `#${r.id} run ${r.run_id} (${r.workflow}) attempt ${r.attempt}/${r.max_attempts}`;
  const how = [r.exit_code !== null ? `exit ${r.exit_code}` : null, r.http_status !== null ? `HTTP ${r.http_status}` : null, r.class, r.duration_ms !== null ? formatDuration(r.duration_ms) : null]
    .filter(Boolean)
    .join(', ');
  const detail = r.detail ? `: ${clip(r.detail, 160)}` : '';
  switch (r.result) {
    case 'completed':
      return `${head}: recovered${detail}`;
    case 'failed':
      return `${head}: FAILED${how ? ` (${how})` : ''}${detail}${r.action ? `\n    action: ${r.action}` : ''}`;
    case 'rescheduled':
      return `${head}: failed${how ? ` (${how})` : ''}${detail}; next attempt ${formatDue({ state: 'pending', next_attempt_at: r.next_attempt_at! }, now)} at ${r.next_attempt_at}`;
    case 'waiting':
      return `${head}: re-run dispatched, waiting for its result${detail}; checked again at ${r.next_attempt_at ?? '-'}`;
    case 'lease_lost':
      return `${head}: its lease expired while it ran; the result is recorded on the attempt, another replayer owns the entry now`;
    default:
      return `${head}: ${r.result}${detail}`;
  }
}

export function describeReplay(r: ReplayReport, s: Style, now: number): string {
  let out = '';
  for (const res of r.results) {
    const line = describeResult(res, now);
    out += (res.result === 'completed' ? s.green(line) : res.result === 'failed' ? s.red(line) : line) + '\n';
  }
  for (const l of r.lost) out += s.yellow(`#${l.id} run ${l.run_id}: lease of ${l.owner} had expired${l.attempt ? ` during attempt ${l.attempt} (outcome unknown: the run is checked before any re-run)` : ''}`) + '\n';
  for (const d of r.deferred) out += s.yellow(`#${d.id} run ${d.run_id} (${d.workflow}): deferred, the workflow's retry budget for the hour is used up`) + '\n';
  if (r.held.length) {
    const by = new Map<number, ReplayReport['held']>();
    for (const h of r.held) by.set(h.killswitch, [...(by.get(h.killswitch) ?? []), h]);
    for (const hs of by.values()) {
      const h = hs[0]!;
      out += s.red(s.bold(`KILLSWITCH ENGAGED (${h.scope === '*' ? 'all workflows' : `workflow ${JSON.stringify(h.scope)}`}, by ${h.actor}: ${h.reason}): ${hs.length} retr${hs.length === 1 ? 'y' : 'ies'} held: #${hs.map((x) => x.id).join(', #')}`)) + '\n';
    }
  }
  const count = (k: EntryResult['result']) => r.results.filter((x) => x.result === k).length;
  const parts = [
    `${count('completed')} recovered`,
    `${count('rescheduled')} rescheduled`,
    `${count('waiting')} waiting for the run`,
    `${count('failed')} failed`,
    `${r.held.length} held`,
  ];
  if (r.deferred.length) parts.push(`${r.deferred.length} deferred (budget)`);
  out += r.handled === 0 && !r.held.length && !r.deferred.length ? 'replay: nothing due\n' : `replay: ${r.handled} entr${r.handled === 1 ? 'y' : 'ies'}: ${parts.join(', ')}\n`;
  return out;
}

/** The queue in one line, for `ops status`. */
export function describeQueue(q: QueueSummary, s: Style, now: number): string {
  const b = q.by_state;
  const parts = [
    `${b.pending} pending${q.due ? ` (${q.due} due)` : ''}${q.held ? s.red(` (${q.held} held by the killswitch)`) : ''}`,
    `${b.processing} running`,
    b.failed ? s.red(`${b.failed} failed`) : '0 failed',
    `${b.completed} recovered`,
    `${b.cancelled} cancelled`,
  ];
  const next = q.next_due_at ? `; next ${formatDue({ state: 'pending', next_attempt_at: q.next_due_at }, now)} (${q.next_due_at})` : '';
  return `Retry queue: ${parts.join(', ')}${next}`;
}
