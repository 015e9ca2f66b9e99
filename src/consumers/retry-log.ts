import type { AuditEvent } from '../events/log';
import { retryStepLine, type RetryStep } from '../retry/step';
import type { Consumer, ConsumerEnv } from './consumer';
import type { Ledger } from '../ledger/open';
import { appendLinesOnce } from './log-line';

/** Only events that record a step carry one (a final failure's retry.attempt leaves its line to retry.failed). */
const hasStep = (e: AuditEvent) => e.event.startsWith('retry.') && e.payload !== null && e.payload.includes('"step":');

function writeLines(db: Ledger, events: readonly AuditEvent[], env: ConsumerEnv): void {
  const lines = events.flatMap((e) => {
    const step = (JSON.parse(e.payload!) as { step?: RetryStep }).step;
    return step ? [{ at: e.ts, line: retryStepLine(e.ts, step), seq: e.seq }] : [];
  });
  appendLinesOnce(db, env, 'retry', lines);
}

/**
 * logs/retry_log_YYYYMMDD.log: a line per step of a retry entry (ENQUEUE, ATTEMPT,
 * RESCHEDULE, WAITING, DEFERRED, HELD, LOST, RECOVERED, FAILED, CANCEL), from the step its
 * `retry.*` event carries: the entry as it was then. A line the file already has (a run
 * killed before its commit) is not appended again; each is recorded keyed by its event.
 * The replay runs it after each step, so a slow replay's log grows as it goes.
 */
export const retryLogConsumer: Consumer = {
  name: 'retry-log',
  wants: hasStep,
  handle: (db, e, env) => writeLines(db, [e], env),
  handleBatch: writeLines,
  problem: (m) => `retry log not written (${m}); the ledger and audit log have the change`,
};
