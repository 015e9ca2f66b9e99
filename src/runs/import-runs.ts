import { Exit, OpsError } from '../cli/errors';
import type { Ledger } from '../ledger/open';
import { runWriter, type WriteOutcome } from '../ledger/runs';
import { mapRunRecord } from './gh';
import { jsonRecords, RecordSyntaxError } from './json-records';
import type { RunInput } from './types';

export interface ImportResult {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ImportOptions {
  /** Names the input in errors: the file path, or `stdin`. */
  inputName: string;
  repo?: string;
  now: string;
  batchSize?: number;
}

/**
 * Imports gh run JSON into the ledger, all or nothing: records are parsed and checked in
 * batches as they stream in, and written inside one transaction that commits only when
 * the whole input was valid (Ctrl-C or a crash before that leaves the ledger as it was). The write lock is taken at the first complete batch, not
 * while waiting for input (a slow `gh … | ops runs import -` does not block CI writers).
 */
export async function importRuns(db: Ledger, input: AsyncIterable<string | Buffer>, opts: ImportOptions): Promise<ImportResult> {
  const result: ImportResult = { records: 0, inserted: 0, updated: 0, unchanged: 0 };
  const batchSize = opts.batchSize ?? 2000;
  let batch: RunInput[] = [];
  let write: ((run: RunInput) => WriteOutcome) | undefined;
  let inTransaction = false;

  const flush = () => {
    if (batch.length === 0) return;
    if (!inTransaction) {
      db.exec('BEGIN IMMEDIATE');
      inTransaction = true;
      write = runWriter(db, opts.now);
    }
    for (const run of batch) result[write!(run)]++;
    batch = [];
  };

  try {
    for await (const record of jsonRecords(input)) {
      const mapped = mapRunRecord(record.value, { repo: opts.repo });
      if (!mapped.ok) {
        throw new OpsError(Exit.usage, opts.inputName, `record ${record.index} (line ${record.line}): ${mapped.field}: ${mapped.problem}; nothing was imported`);
      }
      result.records++;
      batch.push(mapped.run);
      if (batch.length >= batchSize) flush();
    }
    flush();
    if (inTransaction) db.exec('COMMIT');
    inTransaction = false;
    return result;
  } catch (err) {
    if (inTransaction) db.exec('ROLLBACK');
    if (err instanceof RecordSyntaxError) {
      const where = err.index === 0 ? '' : `record ${err.index} (line ${err.line}): `;
      throw new OpsError(Exit.usage, opts.inputName, `${where}${err.message}; nothing was imported`);
    }
    throw err;
  }
}
