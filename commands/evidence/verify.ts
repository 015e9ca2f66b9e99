import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'verify',
  describe: "Recompute every collected artifact's sha256 against RUNS_SUMMARY.json: exit 4 naming mismatches and missing files",
  builder: (y) => y.option('date', { type: 'string', describe: 'Only this date folder, YYYY-MM-DD (default: every date)' }),
  async run(args, ctx) {
    const date = args.date as string | undefined;
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw usageError('--date', `expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
    const { verifyEvidence } = await import('../../src/evidence/verify');
    const result = verifyEvidence(await ctx.reportsDir(), date);
    if (ctx.json) printJson(ctx.io, result);
    else if (!result.problems.length) ctx.io.stdout.write(`evidence intact: ${result.checked} file${result.checked === 1 ? '' : 's'} in ${result.dates.length} date folder${result.dates.length === 1 ? '' : 's'}\n`);
    for (const p of result.problems) ctx.io.stderr.write(`ops: ${p.file}: ${p.problem}\n`);
    return result.problems.length ? Exit.check : Exit.ok;
  },
});
