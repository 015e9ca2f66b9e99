/**
 * Worker thread of `ops runs import`: parses and validates while the main thread writes
 * to SQLite, so a large import uses both cores. Protocol (see parallel-parse.ts):
 *   main → worker  { chunk: Uint8Array } … { end: true }, and { ack: true } per batch taken
 *   worker → main  { consumed: true } per chunk, { batch: RunInput[] }, { done: true } | { problem } | { crash }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputProblem, parseRunBatches } from './parse-runs';

const port = parentPort!;
const { repo, batchSize, maxBatchesInFlight } = workerData as { repo?: string; batchSize: number; maxBatchesInFlight: number };

// Chunks arrive as messages; hand them to the parser as an async iterable.
const chunks: (Buffer | null)[] = [];
let wakeReader: (() => void) | undefined;
let batchesInFlight = 0;
let wakeWriter: (() => void) | undefined;

port.on('message', (msg: { chunk?: Uint8Array; end?: boolean; ack?: boolean }) => {
  if (msg.ack) {
    batchesInFlight--;
    wakeWriter?.();
    return;
  }
  chunks.push(msg.chunk ? Buffer.from(msg.chunk.buffer, msg.chunk.byteOffset, msg.chunk.byteLength) : null);
  wakeReader?.();
});

async function* input(): AsyncGenerator<Buffer> {
  for (;;) {
    if (!chunks.length) await new Promise<void>((r) => (wakeReader = r));
    const chunk = chunks.shift()!;
    if (chunk === null) return;
    port.postMessage({ consumed: true });
    yield chunk;
  }
}

try {
  for await (const batch of parseRunBatches(input(), { repo, batchSize })) {
    // Do not run ahead of the writer by more than a few batches: memory stays bounded.
    while (batchesInFlight >= maxBatchesInFlight) await new Promise<void>((r) => (wakeWriter = r));
    batchesInFlight++;
    port.postMessage({ batch });
  }
  port.postMessage({ done: true });
} catch (err) {
  port.postMessage(err instanceof InputProblem ? { problem: err.message } : { crash: (err as Error).stack ?? String(err) });
}
