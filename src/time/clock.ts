import { usageError } from '../cli/errors';

/**
 * "Now" for every command: OPS_NOW pins it (tests, reproducible reports, back-fills).
 * Returned as epoch milliseconds; format with toIso.
 */
export function resolveNow(env: NodeJS.ProcessEnv): number {
  const pinned = env.OPS_NOW;
  if (pinned === undefined || pinned === '') return Date.now();
  const ms = parseIsoTime(pinned);
  if (ms === null) throw usageError('OPS_NOW', `not an ISO-8601 time with a zone: ${JSON.stringify(pinned)}`);
  return ms;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO-8601 time that states its zone; null for anything else (a zoneless time is ambiguous). */
export function parseIsoTime(text: string): number | null {
  if (!ISO_WITH_ZONE.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** UTC ISO-8601 with Z, second precision unless the value carries milliseconds (SPEC §1). */
export function toIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}
