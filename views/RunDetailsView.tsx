import { Box, Text } from 'ink';
import { formatDuration, runState } from '../src/runs/format';
import type { Run } from '../src/runs/types';
import type { RunDetails } from './source';
import { accent, dim, tonePaint } from './theme';

/**
 * One run in full (Enter on a run; Esc back): its attempts, the classification of its
 * failure with the recommended action, ops's retries of it, and its evidence files with
 * whether each still has its recorded sha256. Lines are cut to the panel, never wrapped.
 */
export function detailLines(run: Run, d: RunDetails): { text: string; tone?: 'good' | 'bad' | 'active' | 'muted' }[] {
  const out: { text: string; tone?: 'good' | 'bad' | 'active' | 'muted' }[] = [];
  out.push({ text: `run ${run.run_id}  ${run.workflow}  ${run.repository}  ${run.branch ?? '-'}  ${run.url ?? ''}`.trimEnd() });
  out.push({ text: 'attempts:' });
  for (const a of d.attempts) {
    const state = runState(a);
    out.push({ text: `  #${a.attempt}  ${state.padEnd(12)} ${formatDuration(a.duration_ms).padStart(7)}  ${a.started_at ?? '-'}`, tone: state === 'success' ? 'good' : a.classification ? 'bad' : 'muted' });
  }
  const c = [...d.attempts].reverse().find((a) => a.classification)?.classification;
  if (c) {
    out.push({ text: `failure: ${c.class}${c.http_status ? ` (HTTP ${c.http_status})` : ''}: ${c.cause}  risk ${c.risk}`, tone: 'bad' });
    out.push({ text: `action: ${c.action}` });
  }
  out.push({ text: d.retries.length ? 'retries by ops:' : 'retries by ops: none' });
  for (const r of d.retries) {
    const how = [r.exit_code !== null ? `exit ${r.exit_code}` : null, r.http_status !== null ? `HTTP ${r.http_status}` : null, r.classification?.class].filter(Boolean).join(', ');
    out.push({ text: `  ${r.idempotency_key}  ${r.outcome.padEnd(12)} ${r.started_at}${how ? `  ${how}` : ''}`, tone: r.outcome === 'succeeded' ? 'good' : r.outcome === 'running' || r.outcome === 'dispatched' ? 'active' : 'bad' });
  }
  out.push({ text: d.evidence.length ? 'evidence:' : 'evidence: none collected' });
  for (const e of d.evidence) {
    out.push({ text: `  ${e.status.padEnd(13)} ${(e.sha256 ?? '-').slice(0, 12)}  ${String(e.bytes ?? '-').padStart(8)}  ${e.name}`, tone: e.status === 'ok' ? 'good' : e.status === 'not collected' ? 'muted' : 'bad' });
  }
  return out;
}

export function RunDetailsView({ run, details, rows, width, color }: { run: Run; details: RunDetails; rows: number; width: number; color: boolean }) {
  const lines = detailLines(run, details);
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {lines.slice(0, rows).map((l, i) => (
        <Text key={i} wrap="truncate-end" {...(i === 0 ? accent(color) : l.tone ? tonePaint(l.tone, color) : l.text.endsWith(':') ? dim(color) : {})}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
