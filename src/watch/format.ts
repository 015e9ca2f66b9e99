import type { WatchLogEntry } from './runner';
import type { JobState, WatchStatus } from './state';

const clockTime = (iso: string | null) => (iso === null ? '-' : iso.slice(11, 19) + 'Z');
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** One stderr line per job run (and per lifecycle step) for a service manager's log. */
export function logLine(e: WatchLogEntry): string {
  if (e.type === 'watch') return `${e.at} watch: ${e.event === 'warning' ? 'warning: ' : e.event === 'started' ? 'started: ' : ''}${e.text}`;
  const head = `${e.at} ${e.job} ${e.outcome === 'ok' ? 'ok' : e.outcome === 'held' ? 'held' : `${e.outcome.toUpperCase()} (${e.failures} in a row)`}`;
  const body = e.outcome === 'ok' || e.outcome === 'held' ? e.summary : e.error;
  return `${head} ${duration(e.duration_ms)}${body ? `: ${body}` : ''} · next ${clockTime(e.next_run_at)}`;
}

/** `ops watch status`: the watcher, then a line per job. */
export function describeWatch(s: WatchStatus): string {
  let out = '';
  if (s.state === 'never') out += 'watch: no watcher has run on this workspace (start one: ops watch)\n';
  else if (s.state === 'running') out += `watch: running: ${s.owner}, since ${s.started_at}, heartbeat ${s.heartbeat_age_s} s ago (lease ${s.lease_seconds} s)\n`;
  else if (s.state === 'stopped') out += `watch: stopped at ${s.released_at} (was ${s.owner}, since ${s.started_at})\n`;
  else out += `watch: DEAD: ${s.owner} stopped sending heartbeats ${s.heartbeat_age_s} s ago (lease ${s.lease_seconds} s; the next ops watch takes over)\n`;
  out += `retries due: ${s.retries_due}\n`;
  if (!s.jobs.length) return out;
  const rows = s.jobs.map((j) => [j.job, lastRun(j), j.last_duration_ms === null ? '-' : duration(j.last_duration_ms), outcome(j), j.next_run_at ?? '-', (j.last_outcome === 'ok' || j.last_outcome === 'held' ? j.last_summary : j.last_error) ?? '']);
  const head = ['JOB', 'LAST RUN', 'TOOK', 'OUTCOME', 'NEXT RUN', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  out += '\n' + line(head) + rows.map(line).join('');
  return out;
}

const lastRun = (j: JobState) => (j.running_since ? `running since ${j.running_since}` : (j.last_started_at ?? 'never'));
const outcome = (j: JobState) => (j.last_outcome === null ? '-' : j.failures ? `${j.last_outcome} (${j.failures} in a row)` : j.last_outcome);
