import type { Engagement } from '../killswitch/state';
import { describeEngagement } from '../killswitch/state';
import type { Alert } from '../detect/alerts';
import type { QueueSummary } from '../retry/queue';
import type { Run } from '../runs/types';
import type { RunCounts } from '../runs/store';
import { describeQueue } from '../retry/format';
import { style } from '../cli/style';
import { formatAge, formatDuration, runState } from '../runs/format';
import { mdCode, mdHeading, mdTable } from '../cli/actions-output';

export interface StatusParts {
  workspace: string;
  nowIso: string;
  now: number;
  engaged: Engagement[];
  counts: RunCounts;
  retryQueue: QueueSummary;
  alerts: Alert[];
  outbox: { pending: number; failed: number };
  latestFailures: Run[];
  configProblems: string[];
  /** The watcher's line (ops watch), or null when none ever ran here. */
  watch?: string | null;
}

const plain = style(false);

/**
 * `ops status --format markdown`, and its section of the GitHub Actions job summary: the
 * same content as the text, for a chat paste, an issue or a PR comment. The killswitch
 * leads when engaged, as in the text and the console.
 */
export function statusMarkdown(p: StatusParts): string {
  let md = '';
  for (const e of p.engaged) md += `> [!CAUTION]\n> **KILLSWITCH ENGAGED**: ${describeEngagement(e)}\n\n`;
  md += mdHeading('ops status');
  md += `${mdCode(p.workspace)} at ${p.nowIso}\n\n`;
  for (const c of p.configProblems) md += `- ❌ config: ${c}\n`;
  if (p.configProblems.length) md += '\n';
  const c = p.counts.by_conclusion;
  const failed = (c.failure ?? 0) + (c.timed_out ?? 0) + (c.startup_failure ?? 0);
  const active = (p.counts.by_status.in_progress ?? 0) + (p.counts.by_status.queued ?? 0);
  const others = Object.entries(c).filter(([k]) => !['success', 'failure', 'timed_out', 'startup_failure'].includes(k));
  const runs = `${p.counts.total} total, ${c.success ?? 0} succeeded, ${failed} failed, ${active} running or queued${others.length ? `, ${others.map(([k, n]) => `${n} ${k}`).join(', ')}` : ''}`;
  md += mdTable(
    ['', 'now'],
    [
      ['killswitch', p.engaged.length ? `⛔ engaged (${p.engaged.length})` : 'not engaged'],
      ['runs, last 24 h', runs],
      ['retry queue', describeQueue(p.retryQueue, plain, p.now).replace(/^Retry queue: /, '')],
      ['alerts', p.alerts.length ? `${p.alerts.length} open` : 'none open'],
      ['notifications', `${p.outbox.pending} pending, ${p.outbox.failed} failed`],
      ...(p.watch ? [['watch', p.watch.replace(/^watch: /, '')]] : []),
    ],
  );
  if (p.alerts.length) {
    md += `\n**Open alerts (${p.alerts.length})**\n\n`;
    md += mdTable(
      ['severity', 'alert', 'rule', 'summary', 'since'],
      p.alerts.map((a) => [a.severity, `#${a.id}`, a.rule, a.summary + (a.action_result ? ` → ${a.action_result}` : ''), a.opened_at]),
    );
  }
  md += '\n';
  if (!p.latestFailures.length) return md + 'No failed runs in the ledger.\n';
  md += '**Latest failures**\n\n';
  md += mdTable(
    ['run', 'workflow', 'repository', 'branch', 'attempt', 'state', 'duration', 'age', 'class'],
    p.latestFailures.map((r) => [
      r.url ? `[${r.run_id}](${r.url})` : r.run_id,
      r.workflow,
      r.repository,
      r.branch ?? '-',
      r.attempt,
      runState(r),
      formatDuration(r.duration_ms),
      formatAge(r.started_at, p.now),
      r.classification?.class ?? '',
    ]),
    [4, 6, 7],
  );
  return md;
}
