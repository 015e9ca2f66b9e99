import { defineCommand } from '../../src/cli/command';
import { Exit, OpsError, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand<{ channel: string }>({
  command: 'test <channel>',
  describe: 'Send a test message to one channel now (not through the outbox) and show what came back',
  builder: (y) => y.positional('channel', { type: 'string', demandOption: true, describe: 'A channel name from config.json notifications.channels, or log' }) as never,
  async run(args, ctx) {
    const config = await ctx.config('config.json');
    const { LOG_CHANNEL } = await import('../../src/notify/outbox');
    const channel = config.notifications.channels.find((c) => c.name === args.channel) ?? (args.channel === LOG_CHANNEL.name ? { ...LOG_CHANNEL, labels: [], fallbackOnly: false } : null);
    if (!channel) {
      const names = [...config.notifications.channels.map((c) => c.name), LOG_CHANNEL.name];
      throw usageError('notify test', `no channel ${JSON.stringify(args.channel)} in config.json notifications.channels (known: ${names.join(', ')})`);
    }
    const db = await ctx.ledger({ create: true });
    const { deliverOptions } = await import('../../src/notify/with-context');
    const { send } = await import('../../src/notify/send');
    const { describeTarget } = await import('../../src/notify/redact');
    const o = await deliverOptions(ctx, db, 1);
    const r = await send(
      channel,
      { id: 0, audit_seq: 0, event: 'notify.test', severity: 'info', title: `Test from ops (${ctx.actor})`, text: `A test message for channel ${channel.name}: if you can read this, ops notifications reach you.`, fields: [['channel', channel.name], ['by', ctx.actor]], created_at: ctx.nowIso },
      o.sender,
    );
    const result = { channel: channel.name, type: channel.type, target: describeTarget(channel, ctx.io.env), ...r, error: r.error && o.redact(r.error), response_excerpt: r.response_excerpt && o.redact(r.response_excerpt) };
    if (ctx.json) printJson(ctx.io, result);
    else
      ctx.io.stdout.write(
        `${channel.name} (${channel.type}, ${result.target}): ${r.ok ? 'delivered' : 'FAILED'}` +
          `${r.http_status !== null ? `, HTTP ${r.http_status}` : ''} in ${r.duration_ms} ms, request ${r.request_id}` +
          `${result.error ? `\n  error: ${result.error}` : ''}${result.response_excerpt ? `\n  response: ${result.response_excerpt.replace(/\s+/g, ' ').slice(0, 200)}` : ''}\n`,
      );
    if (!r.ok) throw new OpsError(Exit.failed, `notify test ${channel.name}`, result.error ?? 'not delivered');
  },
});
