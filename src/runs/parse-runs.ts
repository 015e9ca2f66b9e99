import { mapRunRecord } from './gh';
import { jsonRecords, RecordSyntaxError } from './json-records';
import type { RunInput } from './types';

/** Why an input was refused, already phrased for the user (the CLI adds the input's name). */
export class InputProblem extends Error {}

export interface ParseOptions {
  repo?: string;
  batchSize: number;
}

/**
 * gh run JSON in, batches of validated run attempts out. The first bad record ends the
 * stream with an InputProblem naming its position: nothing after it is looked at.
 */
export async function* parseRunBatches(input: AsyncIterable<string | Buffer>, opts: ParseOptions): AsyncGenerator<RunInput[]> {
  let batch: RunInput[] = [];
  try {
    for await (const record of jsonRecords(input)) {
      const mapped = mapRunRecord(record.value, { repo: opts.repo });
      if (!mapped.ok) throw new InputProblem(`record ${record.index} (line ${record.line}): ${mapped.field}: ${mapped.problem}`);
      batch.push(mapped.run);
      if (batch.length >= opts.batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof RecordSyntaxError) {
      throw new InputProblem(err.index === 0 ? err.message : `record ${err.index} (line ${err.line}): ${err.message}`);
    }
    throw err;
  }
  if (batch.length) yield batch;
}
