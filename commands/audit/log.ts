import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';
import { positiveInt } from '../../src/cli/parse';

export default defineCommand({
  command: 'log',
  describe: 'The audit log, newest first: who did what, when and why, with which idempotency key',
  builder: (y) => y.option('limit', { type: 'number', default: 50, requiresArg: true, describe: 'At most this many events' }),
  async run(args, ctx) {
    const limit = positiveInt('--limit', args.limit, 1_000_000);
    const { listAudit, countAudit } = await import('../../src/events/log');
    const db = await ctx.ledger();
    const events = listAudit(db, limit);
    const { cutNotice } = await import('../../src/cli/print-rows');
    const { describeEvent, payloadOf, NO_PAYLOAD } = await import('../../src/events/describe');
    if (ctx.json) {
      // The payload as the JSON it is (null, with a note, for events from before payloads).
      printJson(
        ctx.io,
        events.map((e) => ({ ...e, payload: payloadOf(e), ...(e.payload === null ? { payload_note: NO_PAYLOAD } : {}), summary: describeEvent(e) })),
      );
      return cutNotice(ctx.io, events.length, limit, () => countAudit(db));
    }
    if (!events.length) {
      ctx.io.stderr.write('the audit log is empty\n');
      return;
    }
    const { renderTable } = await import('../../src/cli/table');
    ctx.io.stdout.write(
      renderTable(
        [
          { header: 'SEQ', value: (e) => String(e.seq), align: 'right' },
          { header: 'WHEN', value: (e) => e.ts },
          { header: 'ACTOR', value: (e) => `${e.actor} (${e.role})` },
          { header: 'EVENT', value: (e) => e.event },
          { header: 'TARGET', value: (e) => [e.run_id && `run ${e.run_id}`, e.target_id === '*' ? 'global' : e.target_id].filter(Boolean).join(' ') || '-' },
          { header: 'KEY', value: (e) => e.idempotency_key ?? '' },
          { header: 'HASH', value: (e) => e.hash.slice(0, 12) },
          { header: 'WHAT', value: (e) => describeEvent(e) },
        ],
        events,
      ),
    );
    cutNotice(ctx.io, events.length, limit, () => countAudit(db));
  },
});
