import { Exit, OpsError } from '../cli/errors';
import type { Ledger } from '../ledger/open';
import { runWriter } from '../runs/store';
import { appendAudit } from '../events/log';
import { importWorkerUrl, parseRunBatchesInWorker } from '../runs/parallel-parse';
import { InputProblem, parseRunBatches } from '../runs/parse-runs';
import { autoEnqueue, type EnqueueOutcome } from '../retry/queue';
import type { RetryPolicy } from '../config/schemas';
import { failedConclusions, type RunInput } from '../runs/types';

export interface ImportResult {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Retry entries queued for failed runs (retry-policy.json autoEnqueue). */
  enqueued: number;
}

export interface ImportOptions {
  /** Names the input in errors: the file path, or `stdin`. */
  inputName: string;
  repo?: string;
  now: string;
  /** Who imports: recorded in the audit event of the import. */
  actor: { name: string; role: string };
  batchSize?: number;
  /** Parse on a worker thread when the built worker is there (default true). */
  parallel?: boolean;
  /** When given, failed runs are queued for retry per policy, in the same transaction. */
  retryPolicy?: RetryPolicy;
  /** The entries queued, once committed (for the retry log). */
  onEnqueued?: (outcomes: EnqueueOutcome[]) => void;
}

/**
 * Imports gh run JSON into the ledger, all or nothing: records are parsed and checked in
 * batches as they stream in (on a second thread when built), and written inside one
 * transaction that commits only when the whole input was valid; Ctrl-C or a crash before
 * that leaves the ledger as it was. The write lock is taken at the first complete batch,
 * not while waiting for input, so a slow `gh … | ops runs import -` does not block CI writers.
 */
export async function importRuns(db: Ledger, input: AsyncIterable<string | Buffer>, opts: ImportOptions): Promise<ImportResult> {
  const result: ImportResult = { records: 0, inserted: 0, updated: 0, unchanged: 0, enqueued: 0 };
  const failed: RunInput[] = [];
  const parseOpts = { repo: opts.repo, batchSize: opts.batchSize ?? 500 };
  const workerUrl = opts.parallel === false ? null : importWorkerUrl();
  const batches = workerUrl ? parseRunBatchesInWorker(workerUrl, input, parseOpts) : parseRunBatches(input, parseOpts);
  let write: ReturnType<typeof runWriter> | undefined;
  try {
    for await (const batch of batches) {
      if (!write) {
        db.exec('BEGIN IMMEDIATE');
        write = runWriter(db, opts.now);
      }
      for (const run of batch) {
        const outcome = write(run);
        result[outcome]++;
        if (outcome !== 'unchanged' && opts.retryPolicy && failedConclusions.has(run.conclusion ?? '')) failed.push(run);
      }
      result.records += batch.length;
    }
    if (write) {
      const enqueued = failed.length ? autoEnqueue(db, failed, opts.retryPolicy!, Date.parse(opts.now), opts.actor) : [];
      result.enqueued = enqueued.length;
      if (result.inserted || result.updated) {
        appendAudit(db, { ts: opts.now, actor: opts.actor.name, role: opts.actor.role, event: 'runs.import', target_id: opts.inputName, payload: { input: opts.inputName, ...result } });
      }
      db.exec('COMMIT');
      if (enqueued.length) opts.onEnqueued?.(enqueued);
    }
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (err instanceof InputProblem) throw new OpsError(Exit.usage, opts.inputName, `${err.message}; nothing was imported`);
    throw err;
  }
}
