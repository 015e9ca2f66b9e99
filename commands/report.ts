import { defineCommand } from '../src/cli/command';
import { usageError } from '../src/cli/errors';
import { printJson } from '../src/cli/output';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

function checkDate(flag: string, value: unknown): string {
  const text = String(value);
  if (!DATE.test(text) || Number.isNaN(Date.parse(text + 'T00:00:00Z')) || new Date(text + 'T00:00:00Z').toISOString().slice(0, 10) !== text) {
    throw usageError(flag, `expected a date YYYY-MM-DD, got ${JSON.stringify(text)}`);
  }
  return text;
}

export default defineCommand<{ date?: string; from?: string; to?: string }>({
  command: 'report',
  describe: "Regenerate every evidence file of a date from the ledger (RUNS_SUMMARY, retry manifest, audit summary, KPIs, rollback protocol, tickets, index): byte-identical when nothing changed",
  builder: (y) =>
    y
      .options({
        date: { type: 'string', describe: 'The date (YYYY-MM-DD, report time zone); default: today' },
        from: { type: 'string', describe: 'First date of a range (with --to)' },
        to: { type: 'string', describe: 'Last date of a range (with --from)' },
      })
      .conflicts('date', ['from', 'to'])
      .example('$0 report', 'today')
      .example('$0 report --from 2025-11-01 --to 2025-11-14', 'a range') as never,
  async run(args, ctx) {
    const timeZone = await ctx.timezone();
    const { zonedDate } = await import('../src/time/zone');
    let dates: string[];
    if (args.from !== undefined || args.to !== undefined) {
      if (args.from === undefined || args.to === undefined) throw usageError(args.from === undefined ? '--from' : '--to', 'a range needs both --from and --to');
      const from = checkDate('--from', args.from);
      const to = checkDate('--to', args.to);
      if (to < from) throw usageError('--to', `${to} is before --from ${from}`);
      dates = [];
      for (let ms = Date.parse(from + 'T00:00:00Z'); ms <= Date.parse(to + 'T00:00:00Z'); ms += 86_400_000) dates.push(new Date(ms).toISOString().slice(0, 10));
      if (dates.length > MAX_DAYS) throw usageError('--from', `a range of at most ${MAX_DAYS} days, got ${dates.length}`);
    } else {
      dates = [args.date === undefined ? zonedDate(ctx.now, timeZone) : checkDate('--date', args.date)];
    }
    const db = await ctx.ledger();
    const reportsDir = await ctx.reportsDir();
    const config = await ctx.config('config.json');
    const { withWorkspaceLock } = await import('../src/evidence/atomic');
    const { generateDateReport } = await import('../src/reports/generate');
    const { reportDocuments } = await import('../src/reports/documents');
    const extra = await reportDocuments(ctx, db);
    const reports = await withWorkspaceLock(ctx.workspace, 30_000, async () => dates.map((d) => generateDateReport(db, reportsDir, d, timeZone, config, extra)));
    if (ctx.json) return printJson(ctx.io, { reports_dir: reportsDir, timezone: timeZone, dates: reports });
    const { join } = await import('node:path');
    for (const r of reports) {
      const n = r.files.filter((f) => f.written).length;
      ctx.io.stdout.write(`${r.date}: ${r.files.length} files, ${n ? `${n} written` : 'all unchanged'} → ${join(reportsDir, r.date)}\n`);
    }
    for (const r of reports) for (const k of r.kept) ctx.io.stderr.write(`ops: warning: ${k}: kept as it is: it has lines the ledger does not know (written by an older ops)\n`);
  },
});
