import { formatDue } from '../src/retry/format';
import type { RetryAttempt } from '../src/retry/queue';
import { formatDuration } from '../src/runs/format';
import type { PagerLine } from './Pager';
import type { RetryDetails } from './source';

/**
 * One retry queue entry in full (Enter on the retry queue; Esc or q back): what
 * `ops retry list` and `ops retry history` print for it, on one page. Its state and when it
 * acts next, the failure's class, cause and recommended action, the last error, each
 * re-run ops made (when, how long, outcome, exit/HTTP/class, its error and cause), and the
 * run's collected evidence with its path and sha256 status.
 */
export function retryDetailLines(d: RetryDetails, now: number): PagerLine[] {
  const e = d.entry;
  const state = e.held_by !== null && e.state === 'pending' ? `held by the killswitch (engagement #${e.held_by})` : e.state === 'pending' && e.phase === 'verify' ? 'verifying the re-run' : e.state;
  const out: PagerLine[] = [
    { text: `retry #${e.id}  run ${e.run_id} attempt ${e.run_attempt}  ${e.workflow}  ${e.repository}`, tone: 'title' },
    {
      text: `state: ${state}  attempt ${e.attempt}/${e.max_attempts}  next: ${e.state === 'pending' ? `${formatDue(e, now)} (${e.next_attempt_at})` : '-'}  origin: ${e.origin}${e.reason ? ` (${e.reason})` : ''}`,
      tone: e.state === 'failed' ? 'bad' : e.state === 'completed' ? 'good' : e.state === 'cancelled' ? 'muted' : 'active',
    },
  ];
  const c = e.classification;
  out.push({ text: `class: ${c?.class ?? e.class}${c?.http_status ? ` (HTTP ${c.http_status})` : e.last_http_status ? ` (HTTP ${e.last_http_status})` : ''}${c ? `  risk ${c.risk}  ${c.retryable ? 'retryable' : 'not retried automatically'}` : ''}` });
  if (c) {
    out.push({ text: `cause: ${c.cause}` });
    out.push({ text: `action: ${c.action}` });
  }
  if (e.last_error) out.push({ text: `last error: ${e.last_error}`, tone: 'bad' });
  if (e.recovered_at) out.push({ text: `recovered at ${e.recovered_at}${e.recovery_ms !== null ? ` (${formatDuration(e.recovery_ms)} after the failure)` : ''}`, tone: 'good' });
  out.push({ text: `queued ${e.created_at}, updated ${e.updated_at}  key ${e.idempotency_key}` });

  out.push({ text: d.attempts.length ? `attempts (re-runs by ops): ${d.attempts.length}` : 'attempts (re-runs by ops): none yet', tone: 'label' });
  for (const a of d.attempts) out.push(...attemptLines(a));

  out.push({ text: d.evidence.length ? 'evidence (under the reports folder):' : 'evidence: none collected for this run', tone: 'label' });
  for (const f of d.evidence) {
    out.push({
      text: `  ${f.status.padEnd(13)} ${(f.sha256 ?? '-').slice(0, 12)}  ${String(f.bytes ?? '-').padStart(8)}  ${f.path ?? f.name}`,
      tone: f.status === 'ok' ? 'good' : f.status === 'not collected' ? 'muted' : 'bad',
    });
  }
  return out;
}

function attemptLines(a: RetryAttempt): PagerLine[] {
  const tone = a.outcome === 'succeeded' ? 'good' : a.outcome === 'running' || a.outcome === 'dispatched' ? 'active' : 'bad';
  const how = [a.exit_code !== null ? `exit ${a.exit_code}` : null, a.http_status !== null ? `HTTP ${a.http_status}` : null, a.classification?.class, a.run_conclusion ? `run ${a.run_conclusion}` : null]
    .filter(Boolean)
    .join(', ');
  const out: PagerLine[] = [
    { text: `  #${a.attempt}  ${a.outcome.padEnd(12)} ${a.started_at} -> ${a.finished_at ?? '...'}  ${formatDuration(a.duration_ms)}${how ? `  ${how}` : ''}`, tone },
  ];
  if (a.error) out.push({ text: `      error: ${a.error}` });
  if (a.classification) out.push({ text: `      cause: ${a.classification.cause}` });
  return out;
}
