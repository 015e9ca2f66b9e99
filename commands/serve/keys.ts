import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

const actions = ['create', 'list', 'revoke'] as const;

export default defineCommand<{ action: (typeof actions)[number]; name?: string; role?: string }>({
  command: 'keys <action> [name]',
  describe: 'API keys of ops serve: create NAME --role viewer|operator|admin (the key is printed once), list, revoke NAME',
  builder: (y) =>
    y
      .positional('action', { choices: actions, describe: 'create, list or revoke' })
      .positional('name', { type: 'string', describe: 'The key\'s name (who or what uses it: alice-laptop, ci-deploy)' })
      .option('role', { choices: ['viewer', 'operator', 'admin'] as const, describe: 'viewer reads; operator also acts (killswitch, replay, rollback); admin also manages keys' })
      .example('$0 serve keys create ci-deploy --role operator', '')
      .example('$0 serve keys revoke ci-deploy', '') as never,
  async run(args, ctx) {
    const { createKey, listKeys, revokeKey } = await import('../../src/serve/keys');
    const actor = { name: ctx.actor, role: ctx.role };
    if (args.action === 'list') {
      if (args.name !== undefined) throw usageError('keys list', 'takes no NAME');
      const db = await ctx.ledger({ create: true });
      const keys = listKeys(db);
      if (ctx.json) return printJson(ctx.io, keys);
      if (!keys.length) return void ctx.io.stderr.write('no API keys (ops serve keys create NAME --role viewer)\n');
      const { renderTable } = await import('../../src/cli/table');
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'NAME', value: (k) => k.name },
            { header: 'ROLE', value: (k) => k.role },
            { header: 'KEY', value: (k) => `${k.prefix}…` },
            { header: 'CREATED', value: (k) => `${k.created_at} by ${k.created_by}` },
            { header: 'REVOKED', value: (k) => k.revoked_at ?? '' },
          ],
          keys,
        ),
      );
      return;
    }
    if (!args.name) throw usageError(`keys ${args.action}`, 'missing NAME');
    const db = await ctx.ledger({ create: true });
    if (args.action === 'create') {
      if (!args.role) throw usageError('--role', 'required: viewer, operator or admin');
      const { secret, key } = createKey(db, { name: args.name, role: args.role as 'viewer', now: ctx.nowIso, actor });
      if (ctx.json) return printJson(ctx.io, { ...key, key: secret });
      ctx.io.stdout.write(`${secret}\n`);
      ctx.io.stderr.write(`ops: key ${key.name} (${key.role}) created: it is shown this once (only its hash is kept); send it as Authorization: Bearer <key>\n`);
      return;
    }
    if (args.role !== undefined) throw usageError('--role', 'only applies to keys create');
    const key = revokeKey(db, { name: args.name, now: ctx.nowIso, actor });
    if (ctx.json) return printJson(ctx.io, key);
    ctx.io.stdout.write(`revoked key ${key.name} (${key.role})\n`);
  },
});
