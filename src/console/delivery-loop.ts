import { errorText } from '../cli/errors';
import type { Ledger } from '../ledger/open';

export interface DeliveryLoop {
  /** Hears why a round could not send something (the console's status line shows it). */
  subscribe(listener: (text: string) => void): () => void;
  /** Delivers now (after an action of the console wrote an event), unless a round is running. */
  kick(): void;
  stop(): void;
}

/**
 * The console sends due notifications while it runs, as import, collect and replay do after
 * they write: an engagement made in the console, or an alert opened by a CI job with no
 * channel reachable at the time, goes out without waiting for `ops notify deliver`. Rounds
 * never overlap, and the outbox's leases keep two consoles (or a console and a CLI) from
 * sending the same delivery twice. The config is read afresh each round, so an edited
 * channel takes effect without a restart. What could not be sent stays in the outbox,
 * scheduled again; subscribers hear why.
 */
export function deliveryLoop(db: Ledger, o: { workspace: string; env: NodeJS.ProcessEnv; everyMs: number }): DeliveryLoop {
  const listeners = new Set<(text: string) => void>();
  const warn = (text: string) => listeners.forEach((l) => l(text));
  let running = false;
  let stopped = false;
  const round = async () => {
    if (running || stopped) return;
    running = true;
    try {
      // Channels and masking come from config.json and mask-rules.json: while either is
      // invalid nothing is sent (the outbox keeps it) and the header says what is wrong; a
      // warning here would only push the last action's outcome out of the status line.
      const { quickConfigProblems } = await import('../config/quick-check');
      if ((await quickConfigProblems(o.workspace)).some((p) => p.file === '.ops/config.json' || p.file === '.ops/mask-rules.json')) return;
      // Loaded on the first round, after the first frame: none of it is needed to draw.
      const [{ createContext }, { memoryIO }, { deliverOpportunistically }] = await Promise.all([import('../cli/context'), import('../cli/io'), import('../notify/with-context')]);
      const ctx = createContext({ workspace: o.workspace }, memoryIO({ env: o.env, cwd: o.workspace }));
      // The consumers first, continuously: events from CI jobs and other shells get their
      // notification, log line and ticket while the console runs.
      const { runConsumersFor } = await import('../consumers');
      const problems = await runConsumersFor(ctx, db, 0);
      const warning = (await deliverOpportunistically(ctx, db)) ?? problems[0] ?? null;
      if (warning && !stopped) warn(warning);
    } catch (err) {
      if (!stopped) warn(`notifications: ${errorText(err)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), o.everyMs);
  timer.unref();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    kick: () => void round(),
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
