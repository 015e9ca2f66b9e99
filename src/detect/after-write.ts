import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { DetectReport } from './detect';

/**
 * What import, collect and replay do once their own write is committed: evaluate the rules
 * (detection-rules.json afterWrites) and send the notifications that are due. Neither may
 * fail the command that called it: its data is in. What happened goes to stderr.
 */
export async function afterWrite(ctx: Context, db: Ledger): Promise<DetectReport | null> {
  let report: DetectReport | null = null;
  const notes: string[] = [];
  try {
    if ((await ctx.config('detection-rules.json')).afterWrites) {
      const { detect } = await import('./detect');
      const { detectNotes } = await import('./format');
      report = await detect(ctx, db);
      notes.push(...detectNotes(report));
    }
  } catch (err) {
    notes.push(`warning: detection not run (${(err as Error).message}); run ops detect`);
  }
  const { deliverOpportunistically } = await import('../notify/with-context');
  const problem = await deliverOpportunistically(ctx, db);
  if (problem) notes.push(`warning: ${problem}`);
  for (const n of notes) ctx.io.stderr.write(`ops: ${n}\n`);
  return report;
}
