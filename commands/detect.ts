import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';

export default defineCommand({
  command: 'detect',
  describe: 'Evaluate the detection and killswitch rules now: open and resolve alerts, carry out their actions (killswitch, rollback), notify',
  builder: (y) => y.example('$0 detect --json', ''),
  async run(_args, ctx) {
    // Bad rules are exit 2 before anything, the ledger included, is touched.
    await Promise.all([ctx.config('detection-rules.json'), ctx.config('killswitch-rules.json'), ctx.config('config.json')]);
    const db = await ctx.ledger({ create: true });
    const { detect } = await import('../src/actions/detect');
    const { openAlerts } = await import('../src/detect/alerts');
    const report = await detect(ctx, db);
    const { runConsumersFor } = await import('../src/consumers');
    report.warnings.push(...(await runConsumersFor(ctx, db)));
    const { deliverOpportunistically } = await import('../src/notify/with-context');
    const notifyProblem = await deliverOpportunistically(ctx, db);
    const open = openAlerts(db);
    if (ctx.json) printJson(ctx.io, { ...report, open });
    else {
      const { describeDetect } = await import('../src/detect/format');
      const { style } = await import('../src/cli/style');
      ctx.io.stdout.write(describeDetect(report, open, style(ctx.io.color)));
    }
    for (const w of [...report.warnings, notifyProblem]) if (w) ctx.io.stderr.write(`ops: warning: ${w}\n`);
  },
});
