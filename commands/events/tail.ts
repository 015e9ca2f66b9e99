import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';

/** How often --follow looks for new events: one integer read (PRAGMA data_version) when idle. */
const POLL_MS = 200;

export default defineCommand<{ since?: number; follow?: boolean }>({
  command: 'tail',
  describe: 'The event log as a stream: events after --since SEQ (default the last 10), one per line (NDJSON with --json); --follow waits for new ones',
  catchUp: false,
  builder: (y) =>
    y
      .options({
        since: { type: 'number', requiresArg: true, describe: 'Only events after this seq (resume where a reader stopped)' },
        follow: { type: 'boolean', alias: 'f', describe: 'Keep printing new events as they are committed (Ctrl-C ends it)' },
      })
      .example('$0 events tail --follow --json | jq .summary', '')
      .example('$0 events tail --since 1200 --json', '') as never,
  async run(args, ctx) {
    const since = args.since;
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) throw usageError('--since', `expected an event seq (0 or more), got ${JSON.stringify(since)}`);
    const db = await ctx.ledger({ create: Boolean(args.follow) });
    const [{ eventsAfter, headSeq }, { describeEvent, payloadOf }] = await Promise.all([import('../../src/events/cursors'), import('../../src/events/describe')]);
    let last = since ?? Math.max(0, headSeq(db) - 10);
    const print = () => {
      for (;;) {
        const batch = eventsAfter(db, last, 500);
        let out = '';
        for (const e of batch) {
          out += ctx.json ? JSON.stringify({ ...e, payload: payloadOf(e), summary: describeEvent(e) }) + '\n' : `${e.seq} ${e.ts} ${describeEvent(e)}\n`;
          last = e.seq;
        }
        if (out) ctx.io.stdout.write(out);
        if (batch.length < 500) return;
      }
    };
    print();
    if (!args.follow) return;
    // A commit by another connection changes data_version: only then is the log read again.
    let version = db.pragma('data_version', { simple: true });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const v = db.pragma('data_version', { simple: true });
        if (v === version) return;
        version = v;
        print();
      }, POLL_MS);
      process.once('SIGINT', () => {
        clearInterval(timer);
        resolve();
      });
    });
    return Exit.interrupted;
  },
});
