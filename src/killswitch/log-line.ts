import type { Engagement } from './state';
import type { KillswitchOutcome } from './store';

/**
 * The killswitch log's lines for what a call changed (engage, release, and any lapsed
 * engagements it recorded): greppable key=value, the reason quoted last.
 */
export function killswitchLogLines(o: KillswitchOutcome, role: string): string[] {
  const lines = o.expired.map((e) => line(e.released_at!, 'EXPIRE', e, 'ops', 'system', null, 'expired'));
  const e = o.engagement;
  if (e && o.action === 'engaged' && !o.replayed) lines.push(line(e.engaged_at, 'ENGAGE', e, e.actor, role, o.audit_seq, e.reason));
  if (e && o.action === 'released' && !o.replayed) lines.push(line(e.released_at!, 'RELEASE', e, e.released_by!, role, o.audit_seq, e.release_reason!));
  return lines;
}

function line(at: string, what: string, e: Engagement, actor: string, role: string, audit: number | null, reason: string): string {
  return [
    at,
    what,
    `scope=${e.scope === '*' ? 'global' : JSON.stringify(e.scope)}`,
    `actor=${JSON.stringify(actor)}`,
    `role=${role}`,
    `engagement=${e.id}`,
    `audit=${audit ?? '-'}`,
    `expires=${e.expires_at ?? '-'}`,
    `reason=${JSON.stringify(reason)}`,
  ].join(' ');
}
