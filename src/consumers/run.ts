import { advanceCursor, consumerCursor, eventsAfter, headSeq, recordConsumerError } from '../events/cursors';
import { errorText } from '../base/errors';
import type { AuditEvent } from '../events/log';
import { withWorkspaceLock } from '../evidence/atomic';
import type { Ledger } from '../ledger/open';
import { failpoint } from '../testing/failpoint';
import type { Consumer, ConsumerEnv } from './consumer';
import { detectionConsumer } from './detection';
import { detectionLogConsumer } from './detection-log';
import { killswitchLogConsumer } from './killswitch-log';
import { notificationsConsumer } from './notifications';
import { retryLogConsumer } from './retry-log';
import { summariesConsumer } from './summaries';
import { ticketsConsumer } from './tickets';

/**
 * Every consumer, in the order they run (and warn): detection first, so the others read its
 * alert events (and its actions' events) in the same pass; summaries last, as the index
 * lists the tickets' files.
 */
export const consumers: readonly Consumer[] = [detectionConsumer, notificationsConsumer, killswitchLogConsumer, retryLogConsumer, detectionLogConsumer, ticketsConsumer, summariesConsumer];

const BATCH = 500;

/**
 * One consumer, from its cursor to the head. Each event it wants is handled in its own
 * IMMEDIATE transaction that re-reads the cursor first (another process may have handled
 * it meanwhile) and advances it; events it does not want are stepped over in one write.
 */
export function consume(db: Ledger, c: Consumer, env: ConsumerEnv): number {
  let handled = 0;
  for (;;) {
    const batch = eventsAfter(db, consumerCursor(db, c.name), BATCH);
    if (!batch.length) return handled;
    if (c.handleBatch) {
      handled += consumeBatch(db, c, env, batch);
      continue;
    }
    let skipTo = 0;
    for (const e of batch) {
      if (!c.wants(e)) {
        skipTo = e.seq;
        continue;
      }
      failpoint(`consumer.${c.name}.before`);
      const done = db
        .transaction(() => {
          if (consumerCursor(db, c.name) >= e.seq) return false;
          c.handle(db, e, env);
          failpoint(`consumer.${c.name}.after-work`);
          advanceCursor(db, c.name, e.seq, env.now);
          return true;
        })
        .immediate();
      if (done) handled++;
      failpoint(`consumer.${c.name}.after-commit`);
      skipTo = 0;
    }
    if (skipTo) db.transaction(() => advanceCursor(db, c.name, skipTo, env.now)).immediate();
  }
}

/**
 * A batch consumer: every wanted event of the batch in one IMMEDIATE transaction, which
 * re-reads the cursor (another process may have gone past some of them) and advances it to
 * the batch's last event.
 */
function consumeBatch(db: Ledger, c: Consumer, env: ConsumerEnv, batch: readonly AuditEvent[]): number {
  const last = batch[batch.length - 1]!.seq;
  if (batch.some((e) => c.wants(e))) failpoint(`consumer.${c.name}.before`);
  const handled = db
    .transaction(() => {
      const cursor = consumerCursor(db, c.name);
      const wanted = batch.filter((e) => e.seq > cursor && c.wants(e));
      if (wanted.length) {
        c.handleBatch!(db, wanted, env);
        failpoint(`consumer.${c.name}.after-work`);
      }
      advanceCursor(db, c.name, last, env.now);
      return wanted.length;
    })
    .immediate();
  if (handled) failpoint(`consumer.${c.name}.after-commit`);
  return handled;
}

/** Runs `c`, recording a failure on its row (it is retried by the next run); returns the warning, or null. */
function guarded(db: Ledger, c: Consumer, env: ConsumerEnv, run: () => unknown): Promise<string | null> {
  const fail = (err: unknown) => {
    const message = errorText(err);
    try {
      recordConsumerError(db, c.name, message, env.now);
    } catch {
      // the ledger is busy: the error shows next time
    }
    return c.problem(message);
  };
  try {
    return Promise.resolve(run()).then(
      () => null,
      (err) => fail(err),
    );
  } catch (err) {
    return Promise.resolve(fail(err));
  }
}

export interface RunOptions {
  /** The workspace, for the evidence lock of the consumers that write evidence files. */
  workspace: string;
  /** How long to wait for that lock (a running collect holds it). */
  lockTimeoutMs: number;
  /** Only these consumers. */
  only?: readonly string[];
}

/**
 * Runs every consumer that has events to read, one after the other: a failing one (a folder
 * not writable) records its error and does not stop the others. Returns the warnings.
 */
export async function runConsumers(db: Ledger, env: ConsumerEnv, o: RunOptions): Promise<string[]> {
  const head = headSeq(db);
  const problems: string[] = [];
  for (const c of consumers) {
    if (o.only && !o.only.includes(c.name)) continue;
    const behind = consumerCursor(db, c.name) < head;
    if (!behind && !c.afterCommit) continue;
    const problem = await guarded(db, c, env, async () => {
      if (behind) await (c.workspaceLock ? withWorkspaceLock(o.workspace, o.lockTimeoutMs, async () => consume(db, c, env)) : consume(db, c, env));
      await c.afterCommit?.(db, env);
    });
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The same, synchronously and without the evidence lock: for callers that cannot wait (the console's keys). */
export function runConsumersNow(db: Ledger, env: ConsumerEnv, only: readonly string[]): string[] {
  const problems: string[] = [];
  for (const c of consumers) {
    if (!only.includes(c.name) || c.workspaceLock) continue;
    try {
      consume(db, c, env);
    } catch (err) {
      const message = errorText(err);
      try {
        recordConsumerError(db, c.name, message, env.now);
      } catch {
        // busy
      }
      problems.push(c.problem(message));
    }
  }
  return problems;
}
