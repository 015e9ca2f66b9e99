import type { Run } from '../src/runs/types';

/** Runs of a time window, by outcome: the header's "last 24 h" line. */
export interface RunTally {
  total: number;
  success: number;
  /** failure, timed_out, startup_failure: the console's red. */
  failed: number;
  /** queued or in progress. */
  active: number;
  /** cancelled, skipped, neutral, … */
  other: number;
}

/**
 * What the console reads. Views depend on this port, not on the ledger, so tests and a
 * later remote source (SPEC §9) plug in without touching a component. Every call is
 * synchronous and cheap: the console calls them during render.
 */
export interface ConsoleSource {
  /** Latest attempt of each run, latest first: `limit` rows starting `offset` rows down. */
  latestRuns(limit: number, offset: number): Run[];
  /** How many runs the window can scroll over. */
  totalRuns(): number;
  /** Runs whose latest attempt started in the 24 h before `now` (epoch ms). */
  counts24h(now: number): RunTally;
  /** Changes whenever another process has committed: polled to decide whether to re-query. */
  dataVersion(): number;
}
