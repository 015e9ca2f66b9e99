import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { positiveInt } from '../../src/cli/parse';
import { checkTrackedPaths } from '../../src/rollback/paths';

export default defineCommand<{ id: string }>({
  command: 'show <id>',
  describe: "A snapshot's files and hashes, and how the working tree differs from it",
  builder: (y) => y.positional('id', { type: 'string', describe: 'Snapshot id (ops snapshot list)' }) as never,
  async run(args, ctx) {
    const id = positiveInt('ID', args.id);
    const paths = checkTrackedPaths((await ctx.config('config.json')).rollback.trackedPaths);
    const { getSnapshot, diffSnapshot } = await import('../../src/rollback/snapshot');
    const snap = getSnapshot(await ctx.ledger(), id);
    if (!snap) throw usageError(`snapshot ${id}`, 'no such snapshot (see ops snapshot list)');
    const diff = diffSnapshot(ctx.workspace, paths, snap);
    if (ctx.json) return printJson(ctx.io, { ...snap, diff: diff.map((d) => ({ path: d.path, change: d.change, snapshot_sha256: d.snapshot?.sha256 ?? null, current_sha256: d.current?.sha256 ?? null })) });
    ctx.io.stdout.write(`snapshot #${snap.id}${snap.label ? ` (${snap.label})` : ''} by ${snap.actor} at ${snap.created_at}\n`);
    for (const d of diff) ctx.io.stdout.write(`  ${d.change.padEnd(7)}  ${(d.snapshot ?? d.current)!.sha256.slice(0, 12)}  ${d.path}\n`);
  },
});
