/**
 * What the console can change, as a port: the same `src/` functions the CLI uses (same
 * audit events, same checks) sit behind it, and tests can plug in the real one over a
 * temporary ledger. Each returns the one line to show in the status line (at once on a
 * local ledger; when the server answers with `--server`).
 */
export interface ConsoleActions {
  /** `scope`: a workflow, or all workflows (`*`, the default); `expiresInMs`: lapses that long after now (as `--expires`). */
  engageKillswitch(reason: string, o?: KillswitchChoice): string | Promise<string>;
  /** `scope`: the engagement to release (default: all workflows). */
  releaseKillswitch(reason: string, o?: Pick<KillswitchChoice, 'scope'>): string | Promise<string>;
  /** Replays one retry entry now (the killswitch and retry budget still apply). */
  replayRetry(id: number): Promise<string>;
}

/** What K and X let the operator choose besides the reason, as `ops killswitch --scope --expires`. */
export interface KillswitchChoice {
  scope?: string;
  expiresInMs?: number | null;
}
