import type { Style } from '../cli/style';
import type { Alert } from './alerts';
import type { DetectReport } from './detect';

/** Human output of detection: what opened (and what was done), what cleared, what is open. */

export function alertLine(a: Alert, s: Style): string {
  const sev = a.severity === 'critical' ? s.red(s.bold('CRITICAL')) : a.severity === 'warning' ? s.yellow('WARNING') : 'INFO';
  return `${sev} #${a.id} ${a.summary}${a.action_result ? `\n    → ${a.action_result}` : ''}`;
}

export function describeDetect(r: DetectReport, open: Alert[], s: Style): string {
  let out = '';
  for (const a of r.opened) out += `opened ${alertLine(a, s)}\n`;
  for (const a of r.resolved) out += `${s.green('resolved')} #${a.id} ${a.summary}\n`;
  if (!open.length) return out + 'no open alerts\n';
  const fresh = new Set(r.opened.map((a) => a.id));
  const older = open.filter((a) => !fresh.has(a.id));
  if (older.length) out += `still open:\n` + older.map((a) => `  ${alertLine(a, s)} (since ${a.opened_at})\n`).join('');
  return out;
}

/** The lines import, collect and replay print (stderr) when their write opened or cleared alerts. */
export function detectNotes(r: DetectReport): string[] {
  return [
    ...r.opened.map((a) => `alert: ${a.summary}${a.action_result ? ` → ${a.action_result}` : a.action === 'alert' ? '' : ` (${a.action})`}`),
    ...r.resolved.map((a) => `alert resolved: ${a.summary}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
}
