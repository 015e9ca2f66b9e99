import { useMemo, useRef } from 'react';
import type { QueueSummary } from '../../src/retry/queue';
import type { ConsoleSource, LatestRollback } from '../source';
import { attempt } from './useRuns';

export interface RetryQueueView {
  queue: QueueSummary | null;
  rollback: LatestRollback | null;
  error: string | null;
}

/**
 * The retry queue's counts (and the latest rollback), re-read when another process writes (a replay, an enqueue)
 * and each second, since entries fall due by time alone. The read is index-only counts.
 */
export function useRetryQueue(source: ConsoleSource, version: number, now: number): RetryQueueView {
  const second = Math.floor(now / 1000);
  const lastGood = useRef<Omit<RetryQueueView, 'error'>>({ queue: null, rollback: null });
  const read = useMemo(() => attempt(() => ({ queue: source.retryQueue(second * 1000), rollback: source.latestRollback() })), [source, version, second]);
  if (read.ok) lastGood.current = read.value;
  return { ...(read.ok ? read.value : lastGood.current), error: read.ok ? null : read.error };
}
