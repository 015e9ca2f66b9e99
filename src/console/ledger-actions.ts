import type { Ledger } from '../ledger/open';
import { recordLogLines } from '../evidence/log-lines';
import { killswitchLogLines } from '../killswitch/log-line';
import { describeOutcome } from '../killswitch/report';
import { engage, release, GLOBAL, type KillswitchOutcome } from '../killswitch/store';
import type { ConsoleActions } from '../../views/actions';

export interface ActionSettings {
  idempotencyTtlSeconds: number;
  /** Where the killswitch log goes; its lines are recorded in the ledger either way. */
  reportsDir: string;
  timeZone: string;
}

export interface ActionOptions {
  actor: string;
  now: () => string;
  /** Read when an action runs, not at start: the console's first frame does not wait for config. */
  settings: () => ActionSettings;
}

/**
 * The console's actions on the ledger: the killswitch store the CLI uses, so an engage
 * from the console is the same transaction, audit event and log line as
 * `ops killswitch --reason`. (Its audit ticket is written by the next `ops report` or
 * `ops audit ticket`: the console holds no workspace lock.)
 */
export function ledgerActions(db: Ledger, o: ActionOptions): ConsoleActions {
  const request = (reason: string) => ({ scope: GLOBAL, reason, now: o.now(), actor: { name: o.actor, role: 'operator' }, idempotencyTtlSeconds: o.settings().idempotencyTtlSeconds });
  const done = (outcome: KillswitchOutcome) => {
    let line = describeOutcome(outcome, false).split('\n')[0]!;
    try {
      const lines = killswitchLogLines(outcome, 'operator');
      const { reportsDir, timeZone } = o.settings();
      recordLogLines(db, reportsDir, timeZone, 'killswitch', lines.map((l) => ({ at: l.slice(0, l.indexOf(' ')), line: l })));
    } catch (err) {
      line += ` (killswitch log not written: ${(err as Error).message})`;
    }
    return line;
  };
  return {
    engageKillswitch: (reason) => done(engage(db, request(reason))),
    releaseKillswitch: (reason) => done(release(db, request(reason))),
  };
}
