import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { appendRetryLog, type RetryLogEvent } from './evidence';

/**
 * After a retry command changed the ledger: its lines in the day's retry log. The dates'
 * AUTO_RETRY_MANIFEST.json are the summaries consumer's (src/consumers/summaries), run after
 * the command's commit. The ledger is the record: a failure here is a warning, returned for stderr.
 */
export async function writeRetryEvidence(ctx: Context, db: Ledger, events: readonly RetryLogEvent[], opts: { alreadyLogged?: boolean } = {}): Promise<string | null> {
  if (!events.length || opts.alreadyLogged) return null;
  try {
    appendRetryLog(db, await ctx.reportsDir(), await ctx.timezone(), events);
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
