/**
 * When a failed delivery is tried again, and where a notification goes when a channel gives
 * up (SPEC §1.7). Pure.
 */

export type ChannelType = 'slack' | 'webhook' | 'github_issue' | 'log';

/** Seconds to wait after the 1st, 2nd and 3rd failed attempt; after the 4th the delivery fails. */
export const RETRY_DELAYS_S = [60, 300, 1800] as const;

/** Each HTTP delivery attempt is abandoned after this long. */
export const DELIVERY_TIMEOUT_MS = 5000;

/** The next attempt's time after `attempts` failed ones (UTC ISO), or null: give up. */
export function afterFailure(attempts: number, nowMs: number): string | null {
  const delay = RETRY_DELAYS_S[attempts - 1];
  return delay === undefined ? null : new Date(nowMs + delay * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The channel types to try, in order, once a channel of this type has failed: Slack → GitHub issue → log. */
export function fallbackTypes(type: ChannelType): ChannelType[] {
  switch (type) {
    case 'slack':
    case 'webhook':
      return ['github_issue', 'log'];
    case 'github_issue':
      return ['log'];
    case 'log':
      return [];
  }
}
