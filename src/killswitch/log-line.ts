import type { Engagement } from './state';

/**
 * A line of the killswitch log (logs/killswitch_log_YYYYMMDD.log) for an engage, release or
 * expiry: greppable key=value, the reason quoted last. Written by the killswitch-log consumer.
 */
export function killswitchLine(at: string, what: string, e: Engagement, actor: string, role: string, audit: number | null, reason: string): string {
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
