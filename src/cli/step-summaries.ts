import { isAbsolute, relative, sep } from 'node:path';
import type { GuardVerdict } from '../guard/guard';
import type { CollectResult } from '../actions/collect';
import type { ReplayReport } from '../actions/replay';
import type { PlannedStep } from '../retry/plan';
import type { Kpis } from '../kpi/types';
import type { KpiStatus } from '../kpi/status';
import { formatKpiValue, kpiLabels, percent } from '../kpi/render';
import { formatDuration } from '../runs/format';
import { formatBytes, mdCode, mdHeading, mdTable } from './actions-output';

/**
 * Each command's section of the GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`), as
 * Markdown: a `### ops <command>` heading, a line that says what happened, and a table.
 * Pure functions of the command's result, so they are tested on their own and through
 * the CLI. Never a secret: masked secrets are named by rule and counted.
 */

/** A path for a person: relative to the workspace when inside it, with `/`. */
export function displayPath(path: string, workspace: string): string {
  const rel = relative(workspace, path);
  if (rel === '') return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

export function guardSummary(v: GuardVerdict, o: { workflow: string | undefined; warnings: string[]; workspace: string }): string {
  const verdict = v.ok ? (v.source === null ? '⚠️ unchecked: runs may proceed' : '✅ runs may proceed') : v.code === 3 ? '⛔ blocked: killswitch engaged (exit 3)' : '⛔ refused: guard rule (exit 4)';
  // A source is the ledger's path, or (issue 21 part 3) a name such as `OPS_KILLSWITCH`.
  const source = v.source === null ? 'none found: nothing was checked' : mdCode(v.source.includes('/') ? displayPath(v.source, o.workspace) : v.source);
  let md = mdHeading('ops guard');
  md += mdTable(
    ['workflow', 'verdict', 'killswitch source', 'reason'],
    (v.reasons.length ? v.reasons : ['']).map((r) => [o.workflow ?? '(all)', verdict, source, r]),
  );
  if (o.warnings.length) md += '\n' + o.warnings.map((w) => `- ⚠️ ${w}\n`).join('');
  return md;
}

/** Masked counts of a file as `2 (github-token 1, aws-access-key 1)`. */
const maskedCell = (masked: { rule: string; count: number }[]) => {
  const n = masked.reduce((a, m) => a + m.count, 0);
  return n ? `${n} (${masked.map((m) => `${m.rule} ${m.count}`).join(', ')})` : '0';
};

export function collectSummary(r: CollectResult, o: { workspace: string; workflow?: string; repository?: string }): string {
  const collected = r.files.filter((f) => f.status === 'collected');
  const bytes = collected.reduce((n, f) => n + (f.bytes ?? 0), 0);
  const byRule = new Map<string, { count: number; files: number }>();
  for (const f of collected) {
    for (const m of f.masked) {
      const e = byRule.get(m.rule) ?? { count: 0, files: 0 };
      e.count += m.count;
      e.files += 1;
      byRule.set(m.rule, e);
    }
  }
  const masked = [...byRule.values()].reduce((n, e) => n + e.count, 0);
  const which = [o.workflow, o.repository].filter(Boolean).join(', ');
  let md = mdHeading('ops evidence collect');
  md += `Run ${r.run_id} attempt ${r.attempt}${which ? ` (${which})` : ''} → ${mdCode(displayPath(r.folder, o.workspace) + '/')}: `;
  md += `${r.unchanged ? 'unchanged' : 'collected'}, ${collected.length} file${collected.length === 1 ? '' : 's'}, ${formatBytes(bytes)}, `;
  md += `${masked} secret${masked === 1 ? '' : 's'} masked`;
  if (r.classification) md += `; failure: **${r.classification.class}** (${r.classification.cause})`;
  if (r.enqueued) md += `; queued for retry as #${r.enqueued.entry.id}`;
  md += '\n\n';
  if (r.files.length) {
    md += mdTable(
      ['file', 'kind', 'bytes', 'secrets masked', 'status'],
      r.files.map((f) => [
        mdCode(f.name),
        f.kind,
        f.bytes === null ? '-' : f.bytes.toLocaleString('en-US'),
        f.not_scanned ? `not scanned (${f.not_scanned})` : maskedCell(f.masked),
        f.status === 'collected' ? (f.written ? 'collected' : 'unchanged') : `**${f.status}**: ${f.error ?? ''}`,
      ]),
      [2],
    );
  } else md += 'No files collected.\n';
  if (byRule.size) {
    md += '\n**Secrets masked, by rule**\n\n';
    md += mdTable(
      ['rule', 'masked', 'files'],
      [...byRule].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rule, e]) => [mdCode(rule), e.count, e.files]),
      [1, 2],
    );
  }
  if (r.unmatched.length) md += `\n⚠️ No file matches ${r.unmatched.map(mdCode).join(', ')}\n`;
  return md;
}

const RESULT_LABEL: Record<string, string> = {
  completed: '✅ recovered',
  failed: '❌ failed for good',
  rescheduled: '🔁 failed, rescheduled',
  waiting: '⏳ dispatched, waiting',
  lease_lost: '⚠️ lease lost',
};

export function replaySummary(r: ReplayReport): string {
  const count = (k: string) => r.results.filter((x) => x.result === k).length;
  let md = mdHeading('ops retry replay');
  if (r.handled === 0 && !r.held.length && !r.deferred.length && !r.lost.length) return md + 'Nothing due.\n';
  md += `${r.handled} entr${r.handled === 1 ? 'y' : 'ies'}: ${count('completed')} recovered, ${count('rescheduled')} rescheduled, ${count('waiting')} waiting for the run, ${count('failed')} failed, ${r.held.length} held`;
  if (r.deferred.length) md += `, ${r.deferred.length} deferred (budget)`;
  md += r.aborted ? `; **stopped**: ${r.aborted}\n\n` : '\n\n';
  const rows: unknown[][] = [];
  for (const x of r.results) {
    const how = [x.exit_code !== null ? `exit ${x.exit_code}` : null, x.http_status !== null ? `HTTP ${x.http_status}` : null, x.class, x.duration_ms !== null ? formatDuration(x.duration_ms) : null]
      .filter(Boolean)
      .join(', ');
    const detail = [how, x.result === 'rescheduled' && x.next_attempt_at ? `next ${x.next_attempt_at}` : null, x.result === 'failed' ? x.action : x.detail?.slice(0, 160)].filter(Boolean).join('; ');
    rows.push([`#${x.id}`, x.run_id, x.workflow, `${x.attempt}/${x.max_attempts}`, RESULT_LABEL[x.result] ?? x.result, detail]);
  }
  for (const h of r.held) rows.push([`#${h.id}`, h.run_id, h.workflow, '-', '⛔ held', `killswitch (${h.scope === '*' ? 'all workflows' : h.scope}) by ${h.actor}: ${h.reason}`]);
  for (const d of r.deferred) rows.push([`#${d.id}`, d.run_id, d.workflow, '-', '⏸️ deferred', "the workflow's retry budget for the hour is used up"]);
  for (const l of r.lost) rows.push([`#${l.id}`, l.run_id, '', l.attempt ?? '-', '⚠️ lease expired', `owner ${l.owner}: the run is checked before any re-run`]);
  return md + mdTable(['entry', 'run', 'workflow', 'attempt', 'result', 'details'], rows);
}

export function replayPlanSummary(steps: PlannedStep[]): string {
  let md = mdHeading('ops retry replay --dry-run');
  if (!steps.length) return md + 'Nothing due; nothing was changed.\n';
  md += `${steps.length} due; nothing was changed.\n\n`;
  const what = (s: PlannedStep) =>
    s.action === 'held'
      ? `⛔ held: killswitch (${s.killswitch!.scope === '*' ? 'all workflows' : s.killswitch!.scope}) by ${s.killswitch!.actor}: ${s.killswitch!.reason}`
      : s.action === 'deferred'
        ? '⏸️ deferred: retry budget used up'
        : s.action === 'verify'
          ? 'would check the run'
          : `would run ${mdCode(s.command.join(' '))}`;
  return md + mdTable(['entry', 'run', 'workflow', 'attempt', 'action'], steps.map((s) => [`#${s.id}`, s.run_id, s.workflow, `${s.attempt}/${s.max_attempts}`, what(s)]));
}

/** Workflows beyond this are summed up in one line: the job summary is for a glance. */
const KPI_WORKFLOW_ROWS = 20;

export function kpiSummary(k: Kpis, status: KpiStatus[]): string {
  const scope = k.workflow === null ? 'all workflows' : `workflow ${mdCode(k.workflow)}`;
  let md = mdHeading(`ops kpi (${k.window})`);
  md += `${k.since} – ${k.until}, ${scope}\n\n`;
  md += mdTable(
    ['KPI', 'value', 'target', 'status'],
    status.map((s) => [
      kpiLabels[s.name],
      formatKpiValue(s.unit, s.value, s.name),
      s.target === null ? '' : `${s.comparison === '>=' ? '≥' : '≤'} ${formatKpiValue(s.unit, s.target, s.name)}`,
      s.target === null ? '' : s.status === 'breach' ? '❌ breach' : s.status === 'ok' ? '✅ ok' : 'n/a',
    ]),
    [1, 2],
  );
  if (k.workflows.length) {
    md += '\n';
    md += mdTable(
      ['workflow', 'runs', 'success', 'failures', 'p95', 'retries', 'MTTR'],
      k.workflows.slice(0, KPI_WORKFLOW_ROWS).map((w) => [w.workflow, w.runs, percent(w.success_rate), w.failures, formatDuration(w.duration_ms.p95), w.retries.total, formatDuration(w.mttr_ms)]),
      [1, 2, 3, 4, 5, 6],
    );
    if (k.workflows.length > KPI_WORKFLOW_ROWS) md += `\n${k.workflows.length - KPI_WORKFLOW_ROWS} more workflows: \`ops kpi --json\`\n`;
  }
  return md;
}
