import type { Engagement } from '../src/killswitch/state';
import type { Run } from '../src/runs/types';
import type { QueueSummary, RetryAttempt, RetryEntry } from '../src/retry/queue';
import type { Ticket } from '../src/tickets/render';

/** Everything the details view shows for one run. */
export interface RunDetails {
  attempts: Run[];
  retries: RetryAttempt[];
  /** Collected files, with whether the copy on disk still has the recorded sha256. */
  evidence: { name: string; path: string | null; bytes: number | null; sha256: string | null; status: 'ok' | 'changed' | 'missing' | 'not collected' }[];
}

export interface LatestRollback {
  id: number;
  state: string;
  snapshot: string | null;
  actor: string;
  started_at: string;
}

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
  /**
   * Killswitch engagements in force at `nowIso` (UTC ISO, compared as text): not released
   * and not expired, the global one first, then scoped ones by engagement time. An expired
   * engagement nobody has swept yet is left out, as `ops guard` leaves it out. [] when the
   * ledger predates the killswitch.
   */
  activeKillswitch(nowIso: string): Engagement[];
  /** The retry queue by state, with the due count and the next due time; null for a ledger without one. */
  retryQueue(now: number): QueueSummary | null;
  /** The retry queue panel's window: waiting and running entries first (as `ops retry list`). */
  retryEntries(limit: number, offset: number): RetryEntry[];
  retryTotal(): number;
  /** Audit tickets, newest first (one per incident). */
  tickets(): Ticket[];
  /** One run in full: the details view (Enter). */
  runDetails(runId: string): RunDetails;
  /** The latest rollback (SPEC §7 shows it beside the queue); null when none, or an older ledger. */
  latestRollback(): LatestRollback | null;
  /** Changes whenever another process has committed: polled to decide whether to re-query. */
  dataVersion(): number;
}
