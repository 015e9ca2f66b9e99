import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand<{ run?: string }>({
  command: 'ticket',
  describe: 'Write (or rewrite) the audit tickets of every incident, or of one run: JSON + Markdown under audit_tickets/',
  builder: (y) => y.options({ run: { type: 'string', describe: 'Only the incidents of this run' } }) as never,
  async run(args, ctx) {
    const runId = args.run === undefined ? undefined : String(args.run);
    if (runId !== undefined && !/^[1-9]\d*$/.test(runId)) throw usageError('--run', `expected a numeric run id, got ${JSON.stringify(runId)}`);
    const db = await ctx.ledger();
    const reportsDir = await ctx.reportsDir();
    const timeZone = await ctx.timezone();
    const { withWorkspaceLock } = await import('../../src/evidence/atomic');
    const { writeTickets } = await import('../../src/tickets/write');
    const written = await withWorkspaceLock(ctx.workspace, 30_000, async () => writeTickets(db, reportsDir, timeZone, { runId }));
    if (ctx.json) {
      return printJson(
        ctx.io,
        written.map((w) => ({ ticket: w.ticket.ticket, kind: w.ticket.kind, risk: w.ticket.risk, json: w.ticket.json_path, md: w.ticket.md_path, written: w.written })),
      );
    }
    if (!written.length) {
      ctx.io.stderr.write(runId ? `no incidents of run ${runId}\n` : 'no incidents: nothing to ticket\n');
      return;
    }
    const { join } = await import('node:path');
    for (const w of written) ctx.io.stdout.write(`${w.written ? 'wrote    ' : 'unchanged'} ${join(reportsDir, w.ticket.md_path)}  (${w.ticket.risk}) ${w.ticket.title}\n`);
  },
});
