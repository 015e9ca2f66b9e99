import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { DetectReport } from '../detect/detect';

/**
 * What import, collect, sync and replay do once their own write is committed: run the
 * consumers (detection first: its alert events and its actions' events are read by the
 * others in the same pass), let GitHub follow the killswitch, and send the notifications
 * that are due. Neither may fail the command that called it: its data is in. What happened
 * goes to stderr: the alerts detection opened and resolved, and what it did about them.
 */
export async function afterWrite(ctx: Context, db: Ledger): Promise<DetectReport | null> {
  const { report, notes } = await settleLocally(ctx, db);
  notes.push(...(await reachOut(ctx, db)));
  for (const n of notes) ctx.io.stderr.write(`ops: ${n}\n`);
  return report;
}

/**
 * The local half of afterWrite: the consumers, detection among them, and the actions of the
 * alerts it opened. Ledger and files only, no network: `ops serve` runs it in its write queue.
 */
export async function settleLocally(ctx: Context, db: Ledger): Promise<{ report: DetectReport | null; notes: string[] }> {
  const { runConsumersFor } = await import('.');
  const report: DetectReport = { evaluated_at: ctx.nowIso, findings: [], opened: [], held: [], resolved: [], warnings: [] };
  let evaluated = false;
  // Actions of alerts opened by an earlier process that was killed before carrying them out.
  const later: string[] = [];
  const problems = await runConsumersFor(ctx, db, 30_000, {
    onDetect(e) {
      evaluated = true;
      report.evaluated_at = e.evaluated_at;
      report.findings = e.findings;
      report.held = e.held;
      report.opened.push(...e.opened.map((a) => ({ ...a })));
      report.resolved.push(...e.resolved);
    },
    onAction(d) {
      const a = report.opened.find((x) => x.id === d.alert.id);
      if (a) a.action_result = d.result;
      else later.push(`alert: ${d.alert.summary} → ${d.result}`);
    },
  });
  const { detectNotes } = await import('../detect/format');
  return { report: evaluated ? report : null, notes: [...detectNotes(report), ...later, ...problems.map((p) => `warning: ${p}`)] };
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
