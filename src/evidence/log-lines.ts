import { readFileSync } from 'node:fs';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { zonedDayBounds } from '../time/zone';
import { writeFileIfChanged } from './atomic';
import { appendLogLine, logFilePath, type LogKind } from './layout';

/**
 * The `logs/<kind>_log_YYYYMMDD.log` files (SPEC §3.1) are projections of the ledger: each
 * line is recorded there first, then appended to its file, so `ops report` can write the
 * files again, byte for byte, from the ledger alone (a deleted folder comes back; lines
 * that concurrent writers appended out of order come back in time order).
 */

export interface LogLine {
  /** UTC ISO time of what the line records: decides its date and its place in the file. */
  at: string;
  line: string;
}

/** Records the lines, then appends them to their files. Throws if the files cannot be written (the ledger has them). */
export function recordLogLines(db: Ledger, reportsDir: string, timeZone: string, kind: LogKind, lines: readonly LogLine[]): void {
  if (!lines.length) return;
  const insert = prepared(db, 'INSERT INTO evidence_log_lines (kind, at, line) VALUES (?, ?, ?)');
  db.transaction(() => lines.forEach((l) => insert.run(kind, l.at, l.line))).immediate();
  const byPath = new Map<string, string[]>();
  for (const l of lines) {
    const path = logFilePath(reportsDir, kind, Date.parse(l.at), timeZone);
    byPath.set(path, [...(byPath.get(path) ?? []), l.line]);
  }
  for (const [path, ls] of byPath) appendLogLine(path, ls.join('\n'));
}

export const logKinds: readonly LogKind[] = ['detection', 'retry', 'notification', 'killswitch'];

export interface LogRewrite {
  path: string;
  written: boolean;
  /** The file holds lines the ledger does not know (written by an older ops): left as it is. */
  kept: boolean;
}

/**
 * Writes the date's log files from the ledger, in time order. A file with a line the
 * ledger does not have is never overwritten: evidence is not thrown away.
 */
export function rewriteLogFiles(db: Ledger, reportsDir: string, date: string, timeZone: string): LogRewrite[] {
  const [from, to] = zonedDayBounds(date, timeZone);
  const out: LogRewrite[] = [];
  for (const kind of logKinds) {
    const lines = prepared(db, 'SELECT line FROM evidence_log_lines WHERE kind = ? AND at >= ? AND at < ? ORDER BY at, id', true).all(kind, from, to) as string[];
    if (!lines.length) continue;
    const path = logFilePath(reportsDir, kind, Date.parse(from), timeZone);
    const known = new Set(lines);
    let existing: string[] = [];
    try {
      existing = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    } catch {
      // absent: written below
    }
    if (existing.some((l) => !known.has(l))) {
      out.push({ path, written: false, kept: true });
      continue;
    }
    out.push({ path, written: writeFileIfChanged(path, lines.join('\n') + '\n'), kept: false });
  }
  return out;
}
