import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { zonedDate, zonedParts } from '../time/zone';

/** The SPEC §3.1 folder of a moment: `<reports>/<YYYY-MM-DD>` in the configured zone (JST by default). */
export const dateFolder = (reportsDir: string, ms: number, timeZone: string) => join(reportsDir, zonedDate(ms, timeZone));

export type LogKind = 'detection' | 'retry' | 'notification' | 'killswitch';

/** `<reports>/<date>/logs/<kind>_log_YYYYMMDD.log` for the moment `ms`. */
export function logFilePath(reportsDir: string, kind: LogKind, ms: number, timeZone: string): string {
  const p = zonedParts(ms, timeZone);
  return join(dateFolder(reportsDir, ms, timeZone), 'logs', `${kind}_log_${p.year}${p.month}${p.day}.log`);
}

/**
 * Appends one line. A single write with O_APPEND: concurrent writers' lines interleave
 * whole, never torn, and an existing line is never rewritten.
 */
export function appendLogLine(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, line.endsWith('\n') ? line : line + '\n');
}
