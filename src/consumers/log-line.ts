import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { appendLogLine, logFilePath, type LogKind } from '../evidence/layout';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import type { ConsumerEnv } from './consumer';

/**
 * A log line written for one event: appended to its day's file unless the file already has
 * it (a run killed before its commit), and recorded in the ledger keyed by the event (kind,
 * audit_seq), so `ops report` writes the file again from the ledger. In the consumer's transaction.
 */
export function appendLineOnce(db: Ledger, env: ConsumerEnv, kind: LogKind, at: string, line: string, seq: number): void {
  const path = logFilePath(env.reportsDir(), kind, Date.parse(at), env.timeZone());
  if (!(existsSync(path) && readFileSync(path, 'utf8').split('\n').includes(line))) appendLogLine(path, line);
  prepared(db, 'INSERT OR IGNORE INTO evidence_log_lines (kind, at, line, audit_seq) VALUES (?, ?, ?, ?)').run(kind, at, line, seq);
}

/**
 * The lines a file ends with, reading only its last `bytes` bytes (the first, partial line
 * of that tail is dropped): a day's retry log grows to megabytes, and a replay appends to it
 * at every step.
 */
function lastLines(path: string, bytes: number): Set<string> {
  if (!existsSync(path)) return new Set();
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, bytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n');
    return new Set(n < size ? lines.slice(1) : lines);
  } finally {
    closeSync(fd);
  }
}

/**
 * The same for many lines of one kind (a consumer's batch), one append per file. A line is
 * left out when the file already ends with it: only this consumer appends to these files,
 * inside its write transaction, so what a killed run appended before its commit is at the
 * end of the file, and no longer than this batch's lines (a redo's batch starts at the same
 * event and holds at least as many): only that tail is read.
 */
export function appendLinesOnce(db: Ledger, env: ConsumerEnv, kind: LogKind, lines: readonly { at: string; line: string; seq: number }[]): void {
  const byPath = new Map<string, { at: string; line: string; seq: number }[]>();
  for (const l of lines) {
    const path = logFilePath(env.reportsDir(), kind, Date.parse(l.at), env.timeZone());
    byPath.set(path, [...(byPath.get(path) ?? []), l]);
  }
  const record = prepared(db, 'INSERT OR IGNORE INTO evidence_log_lines (kind, at, line, audit_seq) VALUES (?, ?, ?, ?)');
  for (const [path, ls] of byPath) {
    const has = lastLines(path, ls.reduce((n, l) => n + Buffer.byteLength(l.line) + 1, 0) + 1);
    const missing = ls.filter((l) => !has.has(l.line));
    if (missing.length) appendLogLine(path, missing.map((l) => l.line).join('\n'));
    for (const l of ls) record.run(kind, l.at, l.line, l.seq);
  }
}
