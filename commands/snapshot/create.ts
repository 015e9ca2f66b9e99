import { defineCommand } from '../../src/cli/command';
import { printJson } from '../../src/cli/output';
import { checkTrackedPaths } from '../../src/rollback/paths';

export default defineCommand<{ label?: string }>({
  command: 'create',
  describe: 'Record the tracked state files (.ops/*.json, rollback.trackedPaths) to roll back to later',
  builder: (y) => y.options({ label: { type: 'string', describe: 'A name for it (e.g. the release)' } }) as never,
  async run(args, ctx) {
    const paths = checkTrackedPaths((await ctx.config('config.json')).rollback.trackedPaths);
    const { createSnapshot } = await import('../../src/rollback/snapshot');
    const snap = createSnapshot(await ctx.ledger({ create: true }), ctx.workspace, paths, {
      label: args.label?.trim() || null,
      now: ctx.nowIso,
      actor: { name: ctx.actor, role: ctx.role },
    });
    if (ctx.json) return printJson(ctx.io, snap);
    ctx.io.stdout.write(`snapshot #${snap.id}${snap.label ? ` (${snap.label})` : ''}: ${snap.files.length} file${snap.files.length === 1 ? '' : 's'}\n`);
    for (const f of snap.files) ctx.io.stdout.write(`  ${f.sha256.slice(0, 12)}  ${String(f.bytes).padStart(8)}  ${f.path}\n`);
  },
});
