import { useMemo, useRef } from 'react';
import type { QueueSummary } from '../../src/retry/queue';
import type { ConsoleSource } from '../source';
import { attempt } from './useRuns';

export interface RetryQueueView {
  queue: QueueSummary | null;
  error: string | null;
}

/**
 * The retry queue's counts, re-read when another process writes (a replay, an enqueue)
 * and each second, since entries fall due by time alone. The read is index-only counts.
 */
export function useRetryQueue(source: ConsoleSource, version: number, now: number): RetryQueueView {
  const second = Math.floor(now / 1000);
  const lastGood = useRef<QueueSummary | null>(null);
  const read = useMemo(() => attempt(() => source.retryQueue(second * 1000)), [source, version, second]);
  if (read.ok) lastGood.current = read.value;
  return { queue: read.ok ? read.value : lastGood.current, error: read.ok ? null : read.error };
}
