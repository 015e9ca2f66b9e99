import type { AuditEvent } from '../events/log';
import { writeDateSummaries } from '../evidence/summary';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { writeRetryManifest } from '../retry/evidence';
import { allTickets } from '../tickets/write';
import { zonedDate } from '../time/zone';
import type { Consumer, ConsumerEnv } from './consumer';
import { INCIDENTS } from './tickets';

const RETRY = new Set(['retry.enqueue', 'retry.cancel', 'retry.held', 'retry.lease_expired', 'retry.attempt', 'retry.rerun_failed', 'retry.waiting', 'retry.recovered', 'retry.failed']);

/** The dates of an entry's manifest: its creation's and each of its attempts' starts. */
function retryMoments(db: Ledger, entryId: number): string[] {
  const created = prepared(db, 'SELECT created_at FROM retry_queue WHERE id = ?', true).get(entryId) as string | undefined;
  const started = prepared(db, 'SELECT started_at FROM retry_attempts WHERE entry_id = ?', true).all(entryId) as string[];
  return created === undefined ? started : [created, ...started];
}

/** The date folder of a collected run: payload.date (since issue 20), else the run's creation date. */
function collectDate(db: Ledger, e: AuditEvent, timeZone: string): string | null {
  try {
    const date = (JSON.parse(e.payload ?? 'null') as { date?: unknown } | null)?.date;
    if (typeof date === 'string') return date;
  } catch {
    // an old or unreadable payload: from the ledger
  }
  const created = prepared(db, 'SELECT created_at FROM run_attempts WHERE run_id = ? LIMIT 1', true).get(e.run_id) as string | undefined;
  return created ? zonedDate(Date.parse(created), timeZone) : null;
}

/**
 * The daily evidence summaries (SPEC §10.4, §3.1): RUNS_SUMMARY.json and _evidence_index.md
 * of the dates whose evidence was collected or whose tickets were written, and
 * AUTO_RETRY_MANIFEST.json (with the index) of the dates a retry entry touched. Each is
 * regenerated from the ledger and written only when its bytes differ, so a redo after a kill
 * changes nothing; a batch of events regenerates each date once. Runs after the tickets
 * consumer: the index lists the tickets' files.
 */
export function writeSummaries(db: Ledger, events: readonly AuditEvent[], env: ConsumerEnv): void {
  const reportsDir = env.reportsDir();
  const timeZone = env.timeZone();
  const manifests = new Set<string>();
  const summaries = new Set<string>();
  const incidents = new Set<number>();
  for (const e of events) {
    if (RETRY.has(e.event) && e.target_id !== null) {
      for (const at of retryMoments(db, Number(e.target_id))) manifests.add(zonedDate(Date.parse(at), timeZone));
    }
    if (e.event === 'evidence.collect') {
      const d = collectDate(db, e, timeZone);
      if (d) summaries.add(d);
    }
    if (INCIDENTS.has(e.event)) incidents.add(e.seq);
  }
  if (incidents.size) for (const t of allTickets(db, timeZone)) if (incidents.has(t.audit_seq)) summaries.add(t.date);
  for (const d of [...manifests].sort()) writeRetryManifest(db, reportsDir, d, timeZone);
  for (const d of [...new Set([...manifests, ...summaries])].sort()) writeDateSummaries(db, reportsDir, d, timeZone);
}

export const summariesConsumer: Consumer = {
  name: 'summaries',
  wants: (e) => RETRY.has(e.event) || e.event === 'evidence.collect' || INCIDENTS.has(e.event),
  workspaceLock: true,
  handle(db, e, env) {
    writeSummaries(db, [e], env);
  },
  handleBatch: writeSummaries,
  problem: (m) => `evidence summaries not written (${m}); run ops report to write them`,
};
