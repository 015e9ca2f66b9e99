import { Box, Text } from 'ink';
import type { Alert } from '../src/detect/alerts';
import { formatAge } from '../src/runs/format';
import { accent, dim, tonePaint, type Paint } from './theme';

/**
 * One alert in full (Enter on the alerts panel; Esc back). The summary and what detection
 * did or proposes (e.g. the `ops rollback --to N` to run) are wrapped, not cut: they are
 * what the on-call engineer acts on. Facts are the figures the rule saw.
 */
export function alertDetailLines(a: Alert, now: number): { text: string; paint?: 'title' | 'bad' | 'good' | 'label'; wrap?: boolean }[] {
  const when = (label: string, iso: string | null) => (iso ? `${label} ${iso} (${formatAge(iso, now)} ago)` : null);
  const out: ReturnType<typeof alertDetailLines> = [
    { text: `alert #${a.id}  ${a.severity.toUpperCase()}  ${a.state}  ${a.rule}  ${a.subject}`, paint: 'title' },
    { text: [when('opened', a.opened_at), when('last seen', a.last_seen_at), when('resolved', a.resolved_at)].filter(Boolean).join('  ') },
    { text: a.summary, paint: a.state === 'open' ? 'bad' : 'good', wrap: true },
    { text: `action: ${a.action}${a.action_result ? `: ${a.action_result}` : ''}`, wrap: true },
    { text: 'facts:', paint: 'label' },
  ];
  for (const [key, value] of Object.entries(a.facts)) out.push({ text: `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}` });
  return out;
}

export function AlertDetailsView({ alert, now, rows, width, color }: { alert: Alert; now: number; rows: number; width: number; color: boolean }) {
  const paint = (p: ReturnType<typeof alertDetailLines>[number]['paint']): Paint =>
    p === 'title' ? accent(color) : p === 'label' ? dim(color) : p === 'bad' ? tonePaint('bad', color) : p === 'good' ? tonePaint('good', color) : {};
  return (
    <Box flexDirection="column" width={width} height={rows} overflow="hidden">
      {alertDetailLines(alert, now).map((l, i) => (
        <Text key={i} wrap={l.wrap ? 'wrap' : 'truncate-end'} {...paint(l.paint)}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
