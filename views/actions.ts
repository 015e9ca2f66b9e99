/**
 * What the console can change, as a port: the same `src/` functions the CLI uses (same
 * audit events, same checks) sit behind it, and tests can plug in the real one over a
 * temporary ledger. Each returns the one line to show in the status line.
 */
export interface ConsoleActions {
  engageKillswitch(reason: string): string;
  releaseKillswitch(reason: string): string;
  /** Replays one retry entry now (the killswitch and retry budget still apply). */
  replayRetry(id: number): Promise<string>;
}
