import type { RiskLevel } from '../runs/types';
import { zonedDate, zonedStamp } from '../time/zone';
import type { Incident } from './incidents';

/**
 * Audit tickets (SPEC §5.3) as pure functions of incidents: the JSON and Markdown of each,
 * its name, and its folder. Nothing depends on when it is generated, so regenerating a
 * ticket gives the same bytes.
 */

export interface Ticket {
  ticket: string;
  /** The JST date folder it belongs to, and its files relative to the reports root. */
  date: string;
  json_path: string;
  md_path: string;
  kind: Incident['kind'];
  audit_seq: number;
  opened_at: string;
  title: string;
  risk: RiskLevel;
  http_status: number | null;
  class: string | null;
  cause: string;
  recommended_action: string;
  run: Incident['run'];
  retry: Incident['retry'];
  killswitch: Incident['killswitch'];
  rollback: Incident['rollback'];
  secrets_masked: Incident['secrets_masked'];
  /** Links relative to the ticket's own folder, so they resolve on disk and on GitHub. */
  evidence: (Incident['evidence'][number] & { link: string })[];
  timeline: Incident['timeline'];
}

const KILLSWITCH_ACTION =
  'find and fix what the reason names; then release with `ops killswitch --release --reason "…"` (held retries run at the next `ops retry replay`)';

/**
 * Names: `audit_ticket_YYYYMMDD_HHMMSS` in the zone; incidents in the same second get
 * `_2`, `_3`, … in the order they happened (their audit sequence), so a later incident
 * never renames an earlier ticket.
 */
export function buildTickets(incidents: readonly Incident[], timeZone: string): Ticket[] {
  const seen = new Map<string, number>();
  return [...incidents]
    .sort((a, b) => a.audit_seq - b.audit_seq)
    .map((i) => {
      const ms = Date.parse(i.at);
      const stamp = zonedStamp(ms, timeZone);
      const n = (seen.get(stamp) ?? 0) + 1;
      seen.set(stamp, n);
      const name = `audit_ticket_${stamp}${n > 1 ? `_${n}` : ''}`;
      const date = zonedDate(ms, timeZone);
      return ticketOf(i, name, date);
    });
}

function ticketOf(i: Incident, name: string, date: string): Ticket {
  const c = i.classification;
  const exposed = i.secrets_masked.length > 0;
  // §5.3: a secret that reached a log is high risk whatever else failed.
  const risk: RiskLevel = i.kind === 'killswitch' || exposed || i.rollback?.state === 'failed' ? 'high' : i.kind === 'rollback' ? 'medium' : (c?.risk ?? 'low');
  const rotate = exposed ? `rotate the credentials the sanitizer masked in this run's logs (${i.secrets_masked.map((m) => m.rule).join(', ')}); then ` : '';
  const base = {
    ticket: name,
    date,
    json_path: `${date}/audit_tickets/${name}.json`,
    md_path: `${date}/audit_tickets/${name}.md`,
    kind: i.kind,
    audit_seq: i.audit_seq,
    opened_at: i.at,
    risk,
    run: i.run,
    retry: i.retry,
    killswitch: i.killswitch,
    rollback: i.rollback,
    secrets_masked: i.secrets_masked,
    evidence: i.evidence.map((e) => ({ ...e, link: `../../${e.path}` })),
    timeline: i.timeline,
  };
  if (i.kind === 'killswitch') {
    const k = i.killswitch!;
    return {
      ...base,
      title: `Killswitch engaged for ${k.scope === '*' ? 'all workflows' : `workflow ${k.scope}`} by ${i.actor}: ${k.reason}`,
      http_status: null,
      class: null,
      cause: k.reason,
      recommended_action: KILLSWITCH_ACTION,
    };
  }
  if (i.kind === 'rollback') {
    const rb = i.rollback!;
    return {
      ...base,
      title: `Rollback #${rb.id} to snapshot #${rb.snapshot} by ${i.actor}: ${rb.state}`,
      http_status: null,
      class: null,
      cause: rb.reason,
      recommended_action:
        rb.state === 'completed'
          ? 'find what made the rollback necessary; re-enable the stopped workflows (the enable command) once the cause is fixed'
          : rb.state === 'compensated'
            ? 'the rollback was undone step by step: nothing changed; fix the failing step (see the timeline) and roll back again'
            : 'a compensation failed: the workspace may be half-restored; compare with `ops snapshot show` and repair by hand',
    };
  }
  const r = i.run!;
  const http = c?.http_status ? ` (HTTP ${c.http_status})` : '';
  return {
    ...base,
    title: `Retries of run ${r.run_id} (${r.workflow}) failed: ${c?.class ?? 'unknown'}${http}`,
    http_status: c?.http_status ?? null,
    class: c?.class ?? null,
    cause: c?.cause ?? i.retry?.why ?? 'unknown',
    recommended_action: rotate + (c?.action ?? 'inspect the logs'),
  };
}

/** The ticket file's JSON: everything but where it is stored. */
export function ticketJson(t: Ticket): string {
  const doc = {
    ticket: t.ticket,
    kind: t.kind,
    opened_at: t.opened_at,
    title: t.title,
    risk: t.risk,
    http_status: t.http_status,
    class: t.class,
    cause: t.cause,
    recommended_action: t.recommended_action,
    run: t.run,
    retry: t.retry,
    killswitch: t.killswitch,
    rollback: t.rollback,
    secrets_masked: t.secrets_masked,
    evidence: t.evidence,
    timeline: t.timeline,
    audit_seq: t.audit_seq,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function ticketMarkdown(t: Ticket): string {
  let md = `# ${t.ticket}: ${cell(t.title)}\n\n`;
  md += '| field | value |\n|---|---|\n';
  const row = (k: string, v: string | number | null | undefined) => {
    if (v !== null && v !== undefined && v !== '') md += `| ${k} | ${cell(String(v))} |\n`;
  };
  row('opened', t.opened_at);
  row('kind', t.kind === 'retry_failure' ? 'final retry failure' : t.kind === 'killswitch' ? 'killswitch engagement' : 'rollback');
  row('risk', `**${t.risk}**`);
  row('HTTP status', t.http_status);
  row('class', t.class);
  row('cause', t.cause);
  if (t.run) row('run', t.run.url ? `[${t.run.run_id}](${t.run.url}) attempt ${t.run.attempt}` : `${t.run.run_id} attempt ${t.run.attempt}`);
  if (t.run) row('workflow', `${t.run.workflow} (${t.run.repository})`);
  if (t.retry) row('retries', `${t.retry.attempts} of ${t.retry.max_attempts} (entry #${t.retry.entry_id}, ${t.retry.origin})`);
  if (t.killswitch) row('scope', t.killswitch.scope === '*' ? 'all workflows' : t.killswitch.scope);
  if (t.killswitch) row('released', t.killswitch.released_at ? `${t.killswitch.released_at} by ${t.killswitch.released_by}: ${t.killswitch.release_reason}` : 'not yet');
  row('audit event', `#${t.audit_seq}`);
  md += `\n## Recommended action\n\n${t.recommended_action}\n`;
  if (t.secrets_masked.length) {
    md += `\n## Secrets masked in this run's evidence\n\n| rule | count |\n|---|---:|\n`;
    for (const m of t.secrets_masked) md += `| ${cell(m.rule)} | ${m.count} |\n`;
  }
  md += `\n## Timeline (UTC)\n\n| at | event | detail |\n|---|---|---|\n`;
  for (const e of t.timeline) md += `| ${e.at} | ${e.event} | ${cell(e.detail)} |\n`;
  md += `\n## Evidence\n\n`;
  if (!t.evidence.length) md += 'No evidence files were collected for this incident.\n';
  else {
    md += '| file | bytes | sha256 |\n|---|---:|---|\n';
    for (const e of t.evidence) md += `| [${cell(e.name)}](${encodeURI(e.link)}) | ${e.bytes ?? '-'} | \`${e.sha256 ?? '-'}\` |\n`;
  }
  return md;
}
