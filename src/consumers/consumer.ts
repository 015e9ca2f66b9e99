import type { AlertActionEnv, ActionDone } from '../actions/alert-actions';
import type { DetectionRules, KillswitchRules } from '../config/schemas';
import type { Evaluation } from '../detect/detect';
import type { AuditEvent } from '../events/log';
import type { Ledger } from '../ledger/open';

/** Where a consumer writes: resolved by whoever runs it (the CLI's context, the console's settings). */
export interface ConsumerEnv {
  /** The reports root; throws when the config that names it is invalid. */
  reportsDir(): string;
  timeZone(): string;
  /** Recorded as the cursor's updated_at. */
  now: string;
  /** The detection and killswitch rules; throws when a file is invalid. Without it, the detection consumer cannot run. */
  rules?(): { detection: DetectionRules; killswitch: KillswitchRules };
  /** What detection's actions need (killswitch, rollback); without it they wait for a process that has it. */
  actions?: AlertActionEnv;
  /** Told what each evaluation opened and resolved, and what each action did (the command's stderr notes). */
  onDetect?(e: Evaluation): void;
  onAction?(d: ActionDone): void;
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
  /**
   * Run after the consumer's commits, even when it had no event to read: work that cannot
   * be inside a write transaction (detection's actions), recorded by `handle` to be done once.
   */
  afterCommit?(db: Ledger, env: ConsumerEnv): Promise<void>;
  /** A failure, as the warning the command that made the change prints. */
  problem(message: string): string;
}
