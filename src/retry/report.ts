import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { withWorkspaceLock } from '../evidence/atomic';
import { appendRetryLog, writeRetryManifests, type RetryLogEvent } from './evidence';

/**
 * After a retry command changed the ledger: its lines in the day's retry log, and the
 * AUTO_RETRY_MANIFEST.json of every date it touched, regenerated under the workspace's
 * evidence lock (two replayers must not write an older manifest over a newer one).
 * The ledger is the record: a failure here is a warning, returned for stderr.
 */
export async function writeRetryEvidence(ctx: Context, db: Ledger, events: readonly RetryLogEvent[], opts: { alreadyLogged?: boolean } = {}): Promise<string | null> {
  if (!events.length) return null;
  const reportsDir = await ctx.reportsDir();
  const timeZone = await ctx.timezone();
  try {
    if (!opts.alreadyLogged) appendRetryLog(db, reportsDir, timeZone, events);
    const moments = events.flatMap((ev) => [ev.at, ev.attempt?.started_at ?? ev.entry.created_at]);
    await withWorkspaceLock(ctx.workspace, 30_000, async () => writeRetryManifests(db, reportsDir, timeZone, moments));
    return null;
  } catch (err) {
    return `retry evidence not fully written (${(err as Error).message}); the ledger and audit log have the change`;
  }
}

/** Masks secrets (mask-rules.json, and the values of secret-looking environment variables) in recorded command output. */
export async function commandOutputMasker(ctx: Context): Promise<(text: string) => string> {
  const { loadRules, maskText } = await import('../sanitize/index');
  const rules = loadRules(await ctx.config('mask-rules.json'), ctx.io.env);
  return (text) => (text ? maskText(rules, text).text : text);
}
