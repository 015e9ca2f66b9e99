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
