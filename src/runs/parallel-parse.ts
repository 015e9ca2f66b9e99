import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputProblem, type ParseOptions } from './parse-runs';
import type { RunInput } from './types';

const MAX_CHUNKS_IN_FLIGHT = 4;
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * The built worker script, next to this chunk in dist/; absent when running from source
 * (tests), where the caller parses on its own thread instead.
 */
export function importWorkerUrl(): URL | null {
  const url = new URL('./import-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * parseRunBatches, run on a worker thread: yields the same batches while this thread is
 * free to write the previous ones. Input is read only as fast as the worker consumes it.
 */
export async function* parseRunBatchesInWorker(workerUrl: URL, input: AsyncIterable<string | Buffer>, opts: ParseOptions): AsyncGenerator<RunInput[]> {
  const worker = new Worker(workerUrl, { workerData: { ...opts, maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT } });
  type Event = { batch: RunInput[] } | { done: true } | { problem: string } | { crash: string } | { error: Error };
  const events: Event[] = [];
  let wake: (() => void) | undefined;
  let chunksInFlight = 0;
  let wakeFeeder: (() => void) | undefined;
  worker.on('message', (msg: Event | { consumed: true }) => {
    if ('consumed' in msg) {
      chunksInFlight--;
      wakeFeeder?.();
      return;
    }
    events.push(msg);
    wake?.();
  });
  worker.on('error', (error) => {
    events.push({ error });
    wake?.();
  });

  let stopFeeding = false;
  const feeding = (async () => {
    for await (const chunk of input) {
      if (stopFeeding) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      // Copy into a buffer of our own and transfer it: no second copy, no shared pool slab.
      const own = new Uint8Array(bytes);
      worker.postMessage({ chunk: own }, [own.buffer]);
      chunksInFlight++;
      while (chunksInFlight >= MAX_CHUNKS_IN_FLIGHT && !stopFeeding) await new Promise<void>((r) => (wakeFeeder = r));
    }
    worker.postMessage({ end: true });
  })().catch((error: Error) => {
    events.push({ error });
    wake?.();
  });

  try {
    for (;;) {
      if (!events.length) await new Promise<void>((r) => (wake = r));
      const event = events.shift()!;
      if ('batch' in event) {
        worker.postMessage({ ack: true });
        yield event.batch;
      } else if ('done' in event) return;
      else if ('problem' in event) throw new InputProblem(event.problem);
      else if ('crash' in event) throw new Error(`import worker failed: ${event.crash}`);
      else throw event.error;
    }
  } finally {
    stopFeeding = true;
    wakeFeeder?.();
    await worker.terminate();
    await feeding;
  }
}
