import { errorText } from '../cli/errors';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Notices changes in the evidence folders the console shows something of, by polling their
 * metadata (SPEC §7: "updates live when the ledger or evidence folders change"). Polled with
 * the ledger's data version (every 500 ms), so a ticket written, a log line appended or an
 * artifact deleted shows within a second, with no write to the ledger.
 *
 * Polling rather than fs.watch: a handful of stat calls per poll (~0.1 ms) costs less than
 * keeping inotify watches on every folder of a day's artifacts, and it needs no special case
 * for a folder that does not exist yet (created later: its stamp goes from "-" to a time),
 * for the date rolling over (the date is part of the stamp), or for file systems where
 * watching is unreliable (network mounts, containers).
 *
 * What is watched:
 * - the reports root and today's date folder: files added, removed or renamed over (every
 *   evidence JSON/Markdown is written by rename, SPEC §3.4). "Today" in whatever zone the
 *   folders are named in is the UTC date, the day before or the day after, so those three
 *   folders are watched: no time zone to know, no Intl.DateTimeFormat to build (its zone
 *   data costs ~8 MB of memory, which the console does not otherwise need on its runs
 *   panel), and the day after the rollover is already watched when it comes;
 * - their logs/ (each log file's size and time too: logs are appended to in place),
 *   audit_tickets/ and artifacts/ folders;
 * - whatever the console has looked at on disk (`track`): the folders of the tickets it
 *   lists, and the evidence files of the run it shows in full, with their folders. Bounded:
 *   the oldest are dropped first.
 */
export interface EvidenceProbe {
  /** Changes whenever something watched changed. */
  stamp(now: number): string;
  /** Watches this file or folder too (and a file's folder). */
  track(path: string, withFolder?: boolean): void;
}

const MAX_TRACKED = 256;
const DAY_MS = 24 * 60 * 60 * 1000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** mtime, size and inode: a rename over, an append or a rewrite all change one of them. */
function statStamp(path: string): string {
  try {
    const s = statSync(path, { throwIfNoEntry: false, bigint: true });
    return s ? `${s.mtimeNs}:${s.size}:${s.ino}` : '-';
  } catch {
    return '?';
  }
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function evidenceProbe(reportsDir: () => string): EvidenceProbe {
  // Insertion order is recency: a path seen again moves to the end.
  const tracked = new Set<string>();
  const add = (path: string) => {
    tracked.delete(path);
    tracked.add(path);
    if (tracked.size > MAX_TRACKED) tracked.delete(tracked.values().next().value!);
  };
  return {
    stamp(now) {
      let root: string;
      try {
        root = reportsDir();
      } catch (err) {
        // An invalid config.json: nothing to watch until it is fixed (the ledger still is).
        return `reports folder unknown: ${errorText(err)}`;
      }
      const parts = [root, statStamp(root)];
      for (const date of [utcDate(now - DAY_MS), utcDate(now), utcDate(now + DAY_MS)]) {
        const day = join(root, date);
        const logs = join(day, 'logs');
        const tickets = join(day, 'audit_tickets');
        parts.push(date, statStamp(day), statStamp(logs), statStamp(tickets), statStamp(join(day, 'artifacts')));
        // Names as well as the folder's time: two changes within one tick of the file
        // system's clock would leave the time as it was.
        parts.push(listing(day).join('/'), listing(tickets).join('/'));
        for (const name of listing(logs)) parts.push(name, statStamp(join(logs, name)));
      }
      for (const path of tracked) parts.push(statStamp(path));
      return parts.join('|');
    },
    track(path, withFolder = true) {
      if (withFolder) add(dirname(path));
      add(path);
    },
  };
}
