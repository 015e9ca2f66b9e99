import { errorText } from '../cli/errors';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import { recordLogLines } from '../evidence/log-lines';
import { deliverDue, type DeliverReport } from './deliver';
import { redactor } from './redact';
import type { SendEnv } from './send';

/** What a command needs to deliver: the channels, gh, the notification log, the clock. */
export async function deliverOptions(ctx: Context, db: Ledger, limit: number) {
  const config = await ctx.config('config.json');
  const [reportsDir, timeZone, maskRules] = await Promise.all([ctx.reportsDir(), ctx.timezone(), ctx.config('mask-rules.json')]);
  // A pinned clock stays pinned (tests step OPS_NOW through the retry schedule).
  const now = ctx.io.env.OPS_NOW ? () => ctx.now : () => Date.now();
  const sender: SendEnv = {
    env: ctx.io.env,
    now: () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    gh: ctx.io.env.OPS_GH || config.gh,
    ghTimeoutMs: config.ghTimeoutSeconds * 1000,
    appendLog: (at, line) => recordLogLines(db, reportsDir, timeZone, 'notification', [{ at, line }]),
  };
  return {
    channels: config.notifications.channels,
    sender,
    now,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    limit,
    redact: redactor(config.notifications.channels, ctx.io.env, maskRules),
  };
}

export async function deliver(ctx: Context, db: Ledger, limit: number): Promise<DeliverReport> {
  return deliverDue(db, await deliverOptions(ctx, db, limit));
}

/**
 * After a command wrote events: sends what is due, briefly (a few deliveries, in parallel,
 * each bounded by the 5 s timeout). Never fails the command: the outbox keeps what could not
 * be sent for `ops notify deliver`. Returns a warning for stderr, or null.
 */
export async function deliverOpportunistically(ctx: Context, db: Ledger): Promise<string | null> {
  try {
    const due = db.prepare(`SELECT EXISTS (SELECT 1 FROM notifications WHERE fanned_out = 0) OR EXISTS (SELECT 1 FROM notification_deliveries WHERE state = 'pending' AND next_attempt_at <= ?)`).pluck();
    if (!due.get(ctx.nowIso)) return null;
    const r = await deliver(ctx, db, 10);
    const failed = r.attempts.filter((a) => !a.result.ok);
    return failed.length ? `notifications: ${failed.map((a) => `${a.channel}: ${a.result.error}`).join('; ')} (queued again: ops notify list)` : null;
  } catch (err) {
    return `notifications: not delivered now (${errorText(err)}); ops notify deliver sends them later`;
  }
}
