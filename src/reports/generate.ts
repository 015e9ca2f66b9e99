import { join } from 'node:path';
import type { MainConfig } from '../config/schemas';
import { writeFileIfChanged } from '../evidence/atomic';
import { writeEvidenceIndex, writeRunsSummary } from '../evidence/summary';
import { verifyEvidence } from '../evidence/verify';
import type { Ledger } from '../ledger/open';
import { writeRetryManifest } from '../retry/evidence';
import { writeTickets } from '../tickets/write';
import { auditSummaryMarkdown } from './audit-summary';
import { dateFacts } from './date-facts';
import { rollbackProtocolMarkdown, rollbacksOf } from './rollback-protocol';
import { rewriteLogFiles } from '../evidence/log-lines';

export interface ReportFile {
  /** Relative to the reports root. */
  path: string;
  /** Rewritten by this call; false when it already had these bytes. */
  written: boolean;
}

export interface DateReport {
  date: string;
  files: ReportFile[];
  /** Log files left as they are: they hold lines the ledger does not know. */
  kept: string[];
}

/** Extra generated documents (the KPI page) plug in here: date → Markdown. */
export type DocumentWriter = (date: string) => { name: string; content: string } | null;

/**
 * `ops report` for one date (SPEC §5.1): every generated file of §3.1, from the ledger and
 * the evidence already in the folder, each written atomically and only when its bytes
 * change, so a second run writes nothing. The evidence index comes last: it links them all.
 * Call under the workspace lock.
 */
export function generateDateReport(db: Ledger, reportsDir: string, date: string, timeZone: string, config: MainConfig, extra: readonly DocumentWriter[] = []): DateReport {
  const folder = join(reportsDir, date);
  const written = new Set<string>();
  const kept: string[] = [];
  const touched = new Set(['RUNS_SUMMARY.json', 'AUTO_RETRY_MANIFEST.json', '_evidence_index.md'].map((n) => join(folder, n)));
  const note = (abs: string[]) => abs.forEach((p) => written.add(p));
  const put = (name: string, content: string) => {
    const abs = join(folder, name);
    touched.add(abs);
    if (writeFileIfChanged(abs, content)) written.add(abs);
  };

  const { summary, written: summaryWritten } = writeRunsSummary(db, reportsDir, date, timeZone);
  note(summaryWritten);
  note(writeRetryManifest(db, reportsDir, date, timeZone));
  const tickets = writeTickets(db, reportsDir, timeZone, { only: (t) => t.date === date, skipIndex: true });
  for (const t of tickets) {
    const paths = [join(reportsDir, t.ticket.json_path), join(reportsDir, t.ticket.md_path)];
    paths.forEach((p) => touched.add(p));
    if (t.written) note(paths);
  }

  const integrity = verifyEvidence(reportsDir, date);
  put('PHASE4_AUDIT_SUMMARY.md', auditSummaryMarkdown(dateFacts(db, date, timeZone), timeZone, tickets.map((t) => t.ticket), integrity));
  for (const w of extra) {
    const doc = w(date);
    if (doc) put(doc.name, doc.content);
  }
  put('ROLLBACK_PROTOCOL.md', rollbackProtocolMarkdown(date, config.rollback, rollbacksOf(db, date, timeZone)));
  for (const log of rewriteLogFiles(db, reportsDir, date, timeZone)) {
    touched.add(log.path);
    if (log.written) written.add(log.path);
    if (log.kept) kept.push(log.path.slice(reportsDir.length + 1));
  }
  // Last: the index lists every file written above.
  note(writeEvidenceIndex(reportsDir, summary));

  const files = [...new Set([...touched, ...written])].sort().map((abs) => ({ path: abs.slice(reportsDir.length + 1), written: written.has(abs) }));
  return { date, files, kept };
}
