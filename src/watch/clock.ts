import { readFileSync } from 'node:fs';
import { usageError } from '../cli/errors';
import { parseIsoTime, toIso } from '../time/clock';

/**
 * The watcher's "now". A long-running process cannot take OPS_NOW (one instant for a whole
 * command), so tests hand it a clock they control: OPS_CLOCK_FILE names a file holding the
 * current ISO-8601 time, read again at every tick, and a test advances a simulated hour in
 * seconds of wall time by rewriting it. Without it: OPS_NOW (frozen), else the system clock.
 */
export interface WatchClock {
  now(): number;
  /** True when the time is not the system's: the jobs then run with OPS_NOW set to it. */
  readonly pinned: boolean;
  /** The test clock's file (OPS_CLOCK_FILE), if any. */
  readonly file: string | null;
}

export function watchClock(env: NodeJS.ProcessEnv): WatchClock {
  const file = env.OPS_CLOCK_FILE || null;
  if (file) {
    const read = (): number | null => {
      try {
        return parseIsoTime(readFileSync(file, 'utf8').trim());
      } catch {
        return null;
      }
    };
    let last = read();
    if (last === null) throw usageError('OPS_CLOCK_FILE', `${file}: expected a file holding an ISO-8601 time with a zone`);
    return {
      pinned: true,
      file,
      now() {
        // A file caught half-written (or moved) keeps the last time read; time never runs back.
        const t = read();
        if (t !== null && t > last!) last = t;
        return last!;
      },
    };
  }
  if (env.OPS_NOW) {
    const at = parseIsoTime(env.OPS_NOW);
    if (at === null) throw usageError('OPS_NOW', `not an ISO-8601 time with a zone: ${JSON.stringify(env.OPS_NOW)}`);
    return { pinned: true, file: null, now: () => at };
  }
  return { pinned: false, file: null, now: () => Date.now() };
}

/** UTC ISO-8601 to the second, as the ledger stores times (they compare as text). */
export const isoSeconds = (ms: number) => toIso(Math.floor(ms / 1000) * 1000);
