import type { AuditEvent } from './log';

/** What an event without a payload says: recorded before ops stored payloads (only their hash is kept). */
export const NO_PAYLOAD = 'payload not recorded (an event from before ops stored payloads; its hash still verifies)';

type P = Record<string, unknown>;

const q = (v: unknown) => JSON.stringify(String(v ?? ''));
const scope = (s: unknown) => (s === '*' || s === undefined || s === null ? 'all workflows' : String(s));

/** `16:00` when on the day of `ts` (UTC), else the whole time. */
function until(ts: string, at: unknown): string {
  if (typeof at !== 'string') return '';
  return at.slice(0, 10) === ts.slice(0, 10) ? `${at.slice(11, 16)} UTC` : at.replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

/** The payload as an object, or null (no payload, or not an object). */
export function payloadOf(e: Pick<AuditEvent, 'payload'>): unknown {
  return e.payload === null ? null : (JSON.parse(e.payload) as unknown);
}

/**
 * One line of what happened and why, for `ops audit log`:
 * `killswitch.engage by alice: "INC-4242 deploys corrupting DB" scope Deploy until 16:00 UTC`.
 */
export function describeEvent(e: AuditEvent): string {
  const head = `${e.event} by ${e.actor}`;
  if (e.payload === null) return `${head}: ${NO_PAYLOAD}`;
  const p = (payloadOf(e) ?? {}) as P;
  return `${head}: ${detail(e, p)}`;
}

function detail(e: AuditEvent, p: P): string {
  switch (e.event) {
    case 'killswitch.engage':
      return `${q(p.reason)} scope ${scope(p.scope)}${p.expires_at ? ` until ${until(e.ts, p.expires_at)}` : ''}`;
    case 'killswitch.release':
      return `${q(p.reason)} scope ${scope(p.scope)}`;
    case 'killswitch.expire':
      return `scope ${scope(p.scope)} expired at ${p.expires_at}`;
    case 'rollback.start':
      return `${q(p.reason)} to snapshot ${p.subject ?? '?'}`;
    case 'alert.open':
    case 'alert.resolve':
      return `${p.rule} ${p.subject === '*' ? 'all workflows' : p.subject}: ${p.summary ?? ''}${p.action ? ` (action ${p.action})` : ''}`.trim();
    case 'alert.action':
      return `alert ${p.id} ${p.rule} ${p.subject === '*' ? 'all workflows' : p.subject}: ${p.result ?? ''}`.trim();
    case 'retry.enqueue':
    case 'retry.cancel':
      return `entry ${p.id}${e.run_id ? ` run ${e.run_id}` : ''}${p.reason ? `: ${q(p.reason)}` : ''}`;
  }
  // A replay step: what its retry log line says (the step the event carries).
  const step = p.step as { what?: string; entry?: { id?: number; attempt?: number; max_attempts?: number; state?: string }; detail?: string | null } | undefined;
  if (/^retry\./.test(e.event) && step?.entry) {
    const en = step.entry;
    return `entry ${en.id}${e.run_id ? ` run ${e.run_id}` : ''} ${step.what} attempt ${en.attempt}/${en.max_attempts} ${en.state}${step.detail ? `: ${q(step.detail)}` : ''}`;
  }
  if (/^rollback\./.test(e.event)) return `rollback ${p.id} ${p.state}${p.reason ? ` ${q(p.reason)}` : ''}${p.error ? ` error ${q(p.error)}` : ''}`;
  return compact(p);
}

/** `key=value …` of the payload's top level, short values only: the generic line. */
function compact(p: P): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (v === null || v === undefined) continue;
    const text = typeof v === 'object' ? (Array.isArray(v) ? `[${v.length}]` : '{…}') : typeof v === 'string' ? q(v) : String(v);
    parts.push(`${k}=${text.length > 60 ? text.slice(0, 57) + '…' : text}`);
  }
  return parts.join(' ') || '-';
}
