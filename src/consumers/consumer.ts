import type { AuditEvent } from '../events/log';
import type { Ledger } from '../ledger/open';

/** Where a consumer writes: resolved by whoever runs it (the CLI's context, the console's settings). */
export interface ConsumerEnv {
  /** The reports root; throws when the config that names it is invalid. */
  reportsDir(): string;
  timeZone(): string;
  /** Recorded as the cursor's updated_at. */
  now: string;
}

/**
 * One reaction to events (issue 20). `handle` runs inside the IMMEDIATE transaction that
 * advances the consumer's cursor past the event: its ledger writes commit with the cursor,
 * and the write lock keeps two processes from handling one event at once. Its file writes
 * happen before the commit and must be idempotent (a kill -9 before the commit redoes them).
 */
export interface Consumer {
  name: string;
  wants(e: AuditEvent): boolean;
  handle(db: Ledger, e: AuditEvent, env: ConsumerEnv): void;
  /**
   * Instead of `handle`, one call for every wanted event of a batch (up to 500), in the one
   * transaction that advances the cursor past the batch: for work that is the same for many
   * events (a date's summaries regenerated once, not once per event).
   */
  handleBatch?(db: Ledger, events: readonly AuditEvent[], env: ConsumerEnv): void;
  /** Holds the workspace (evidence) lock while it runs: it writes files `ops evidence collect` also writes. */
  workspaceLock?: boolean;
  /** A failure, as the warning the command that made the change prints. */
  problem(message: string): string;
}
