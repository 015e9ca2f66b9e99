import { errorText } from '../cli/errors';
import type { Ledger } from '../ledger/open';
import { runConsumersNow } from '../consumers/run';
import { describeOutcome } from '../killswitch/report';
import { engage, release } from '../actions/killswitch';
import { GLOBAL, type KillswitchOutcome } from '../killswitch/store';
import type { ConsoleActions, KillswitchChoice } from '../../views/actions';
import { hostname } from 'node:os';
import type { MainConfig, RetryPolicy } from '../config/schemas';
import { style } from '../cli/style';
import { toIso } from '../time/clock';
import { maskFreeText } from '../events/payload';

/** config.json's default idempotencyTtlSeconds. */
const DEFAULT_TTL_SECONDS = 86_400;


/** What a replay from the console needs: loaded when first asked, not at start. */
export interface ReplaySettings {
  config: MainConfig;
  policy: RetryPolicy;
  /** Masks secrets in recorded command output (mask-rules.json and the environment). */
  mask: (text: string) => string;
  gh: string;
  env: NodeJS.ProcessEnv;
}

export interface ActionSettings {
  idempotencyTtlSeconds: number;
  /** What is wrong with the config the settings came from (built-in defaults stand in): warned about in the status line. */
  problems?: readonly string[];
  /** Where the killswitch log goes; its lines are recorded in the ledger either way. */
  reportsDir: string;
  timeZone: string;
}

export interface ActionOptions {
  actor: string;
  now: () => string;
  /** Read when an action runs, not at start: the console's first frame does not wait for config. */
  settings: () => ActionSettings;
  replaySettings: () => Promise<ReplaySettings>;
  /** After an action wrote: its events' notifications are in the outbox, to be sent now. */
  written?: () => void;
  /** An engagement is an incident: writes its audit ticket now, as `ops killswitch` does. */
  ticket?: (auditSeq: number) => void;
  /** The killswitch changed: take the change to GitHub (variable, runs, schedules), as `ops killswitch` does. */
  github?: () => void;
}

/**
 * The console's actions on the ledger: the killswitch store the CLI uses, so an engage
 * from the console is the same transaction, audit event and log line as
 * `ops killswitch --reason`, and its audit ticket written at once (`ticket`) when the
 * workspace lock is free, else by the next `ops report` or `ops audit ticket`.
 */
export function ledgerActions(db: Ledger, o: ActionOptions): ConsoleActions {
  // The console passes no idempotency key, so the TTL is never used: the stop does not wait
  // for (or fail on) the config.
  const request = (reason: string, c: KillswitchChoice = {}) => {
    const now = o.now();
    // The expiry counts from the engagement, as `--expires` does.
    const expiresAt = c.expiresInMs ? toIso(Date.parse(now) + c.expiresInMs) : null;
    return { scope: c.scope ?? GLOBAL, reason: maskFreeText(reason), now, expiresAt, actor: { name: o.actor, role: 'operator' }, idempotencyTtlSeconds: DEFAULT_TTL_SECONDS };
  };
  const done = (outcome: KillswitchOutcome) => {
    // The change is committed: nothing after this may turn it into a failure.
    let line = describeOutcome(outcome, false).split('\n')[0]!;
    // Its log line and notification are consumers' work (src/consumers), done now, as
    // `ops killswitch` does; the ticket waits for the evidence lock (`ticket` below).
    let settings: ReturnType<ActionOptions['settings']> | undefined;
    try {
      settings = o.settings();
      const { problems = [] } = settings;
      if (problems.length) line += ` (warning: ${problems.join('; ')}; built-in defaults used, notifications wait in the outbox)`;
    } catch (err) {
      line += ` (killswitch log not written: ${errorText(err)})`;
    }
    const now = o.now();
    const fromSettings = <T>(get: (s: NonNullable<typeof settings>) => T) => () => {
      if (!settings) throw new Error('settings unavailable');
      return get(settings);
    };
    const problems = runConsumersNow(db, { reportsDir: fromSettings((s) => s.reportsDir), timeZone: fromSettings((s) => s.timeZone), now }, settings ? ['notifications', 'killswitch-log'] : ['notifications']);
    const logProblem = problems.find((p) => p.startsWith('killswitch log'));
    if (logProblem) line += ` (killswitch log not written: ${logProblem.slice(logProblem.indexOf('(') + 1, logProblem.lastIndexOf(')'))})`;
    if (outcome.action === 'engaged' && !outcome.replayed && outcome.audit_seq !== null) {
      try {
        o.ticket?.(outcome.audit_seq);
      } catch {
        // the ticket reports its own problems in the status line
      }
    }
    try {
      o.written?.();
    } catch {
      // delivery reports its own problems in the status line
    }
    if ((outcome.action === 'engaged' || outcome.action === 'released') && !outcome.replayed) {
      try {
        o.github?.();
      } catch {
        // the GitHub side reports its own problems in the status line
      }
    }
    return line;
  };
  return {
    engageKillswitch: (reason, c) => done(engage(db, request(reason, c))),
    releaseKillswitch: (reason, c) => done(release(db, request(reason, c))),
    async replayRetry(id) {
      const s = { ...o.settings(), ...(await o.replaySettings()) };
      // Loaded on first use: execa and the engine stay off the console's start-up path.
      const [{ replay }, { describeReplay }] = await Promise.all([import('../actions/replay'), import('../retry/format')]);
      const env = { reportsDir: () => s.reportsDir, timeZone: () => s.timeZone, now: o.now() };
      // The CLI's replay engine, for this one entry: same lease, killswitch check and records.
      const report = await replay({
        db,
        owner: `${hostname()}:${process.pid}:console`,
        clock: () => Date.parse(o.now()),
        max: 1,
        concurrency: 1,
        policy: s.policy,
        config: s.config,
        gh: s.gh,
        env: s.env,
        mask: s.mask,
        only: id,
        // Each step's line as it happens: the retry-log consumer, from the step's event.
        onEvent: () => void runConsumersNow(db, env, ['retry-log']),
      });
      o.written?.();
      if (report.aborted) return `replay #${id}: ${report.aborted}`;
      if (report.held.length) return `replay #${id}: held: the killswitch is engaged (${report.held[0]!.reason})`;
      if (report.deferred.length) return `replay #${id}: deferred: the workflow's retry budget for the hour is used up`;
      return report.results.length ? describeReplay(report, style(false), Date.parse(o.now())).split('\n')[0]! : `replay #${id}: not waiting (already running or finished)`;
    },
  };
}
