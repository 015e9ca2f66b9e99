import { existsSync, readFileSync } from 'node:fs';
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
 * The same for many lines of one kind (a consumer's batch): each day's file is read once,
 * and only the lines it lacks are appended, in one write per file.
 */
export function appendLinesOnce(db: Ledger, env: ConsumerEnv, kind: LogKind, lines: readonly { at: string; line: string; seq: number }[]): void {
  const byPath = new Map<string, { at: string; line: string; seq: number }[]>();
  for (const l of lines) {
    const path = logFilePath(env.reportsDir(), kind, Date.parse(l.at), env.timeZone());
    byPath.set(path, [...(byPath.get(path) ?? []), l]);
  }
  const record = prepared(db, 'INSERT OR IGNORE INTO evidence_log_lines (kind, at, line, audit_seq) VALUES (?, ?, ?, ?)');
  for (const [path, ls] of byPath) {
    const has = new Set(existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
    const missing = ls.filter((l) => !has.has(l.line));
    if (missing.length) appendLogLine(path, missing.map((l) => l.line).join('\n'));
    for (const l of ls) record.run(kind, l.at, l.line, l.seq);
  }
}
