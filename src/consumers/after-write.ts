import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { DetectReport } from '../detect/detect';

/**
 * What import, collect and replay do once their own write is committed: run the consumers
 * of their events (tickets, log lines, the outbox), evaluate the rules (detection-rules.json
 * afterWrites), run the consumers of detection's events, and send the notifications that are due. Neither may
 * fail the command that called it: its data is in. What happened goes to stderr.
 */
export async function afterWrite(ctx: Context, db: Ledger): Promise<DetectReport | null> {
  const { report, notes } = await settleLocally(ctx, db);
  notes.push(...(await reachOut(ctx, db)));
  for (const n of notes) ctx.io.stderr.write(`ops: ${n}\n`);
  return report;
}

/**
 * The local half of afterWrite: consumers, detection, the consumers of detection's events.
 * Ledger and files only, no network: `ops serve` runs it in its write queue.
 */
export async function settleLocally(ctx: Context, db: Ledger): Promise<{ report: DetectReport | null; notes: string[] }> {
  let report: DetectReport | null = null;
  const { runConsumersFor } = await import('.');
  // The command's own events first (a final retry failure's ticket), then detection's.
  const notes: string[] = (await runConsumersFor(ctx, db)).map((p) => `warning: ${p}`);
  try {
    if ((await ctx.config('detection-rules.json')).afterWrites) {
      const { detect } = await import('../detect/detect');
      const { detectNotes } = await import('../detect/format');
      report = await detect(ctx, db);
      notes.push(...detectNotes(report));
    }
  } catch (err) {
    notes.push(`warning: detection not run (${(err as Error).message}); run ops detect`);
  }
  if (report && (report.opened.length || report.resolved.length)) notes.push(...(await runConsumersFor(ctx, db)).map((p) => `warning: ${p}`));
  return { report, notes };
}

/**
 * The network half: GitHub's side of the killswitch (detection may have engaged it, an
 * expiry may have lapsed) and the notifications that are due. Returns the warnings.
 */
export async function reachOut(ctx: Context, db: Ledger): Promise<string[]> {
  const notes: string[] = [];
  try {
    const { reachGithubIfPending } = await import('../cli/killswitch-github');
    const githubProblem = await reachGithubIfPending(ctx, db);
    if (githubProblem) notes.push(`warning: killswitch: ${githubProblem}`);
  } catch (err) {
    notes.push(`warning: killswitch: GitHub not reached (${(err as Error).message}); run ops killswitch --resume`);
  }
  const { deliverOpportunistically } = await import('../notify/with-context');
  const problem = await deliverOpportunistically(ctx, db);
  if (problem) notes.push(`warning: ${problem}`);
  return notes;
}
