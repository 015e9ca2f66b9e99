import type { Column } from '../cli/table';
import type { Style } from '../cli/style';
import { formatDuration } from '../runs/format';
import type { DeliveredAttempt } from './deliver';
import type { NotificationView } from './outbox';

/** Human output of the notify commands. */

export function formatAttempt(a: DeliveredAttempt): string {
  const r = a.result;
  const how = r.ok ? 'delivered' : a.state === 'pending' ? `failed, next attempt ${a.next}` : a.fallback ? `FAILED for good, handed to ${a.fallback}` : 'FAILED for good, no channel left';
  return `#${a.notification_id} → ${a.channel} (attempt ${a.attempt}): ${how}${r.http_status !== null ? `; HTTP ${r.http_status}` : ''}; ${r.duration_ms} ms${r.error ? `; ${r.error}` : ''}  ${a.title}`;
}

export interface DeliveryRow {
  n: NotificationView;
  d: NotificationView['deliveries'][number] | null;
}

/** One row per delivery (a notification not yet fanned out gets one row of its own). */
export const deliveryRows = (ns: NotificationView[]): DeliveryRow[] => ns.flatMap((n): DeliveryRow[] => (n.deliveries.length ? n.deliveries.map((d) => ({ n, d })) : [{ n, d: null }]));

const clip = (text: string | null, n: number) => {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
};

export function deliveryColumns(s: Style, now: number): Column<DeliveryRow>[] {
  const paint = (c: string, r: DeliveryRow) => (r.d?.state === 'failed' ? s.red(c) : r.d?.state === 'delivered' ? s.green(c) : s.yellow(c));
  return [
    { header: 'ID', value: (r) => String(r.n.id), align: 'right' },
    { header: 'CREATED', value: (r) => r.n.created_at },
    { header: 'SEVERITY', value: (r) => r.n.severity },
    { header: 'CHANNEL', value: (r) => (r.d ? `${r.d.channel}${r.d.fallback_of !== null ? ' (fallback)' : ''}` : '-') },
    { header: 'STATE', value: (r) => r.d?.state ?? 'new', paint },
    { header: 'TRIES', value: (r) => String(r.d?.attempts ?? 0), align: 'right' },
    { header: 'NEXT', value: (r) => (r.d?.state !== 'pending' ? '-' : !r.d.next_attempt_at || Date.parse(r.d.next_attempt_at) <= now ? 'due' : `in ${formatDuration(Date.parse(r.d.next_attempt_at) - now)}`), align: 'right' },
    { header: 'TITLE', value: (r) => clip(r.n.title, 50) },
    { header: 'LAST ERROR', value: (r) => clip(r.d?.last_error ?? null, 50) },
  ];
}
