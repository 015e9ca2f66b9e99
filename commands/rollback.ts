import { defineCommand } from '../src/cli/command';
import { Exit, OpsError } from '../src/cli/errors';
import { printJson } from '../src/cli/output';
import { maskedReason, positiveInt, requireReason } from '../src/cli/parse';
import type { SagaRecord } from '../src/saga/runner';

export default defineCommand<{ to?: string; 'dry-run'?: boolean; resume?: boolean; reason?: string }>({
  command: 'rollback',
  describe: 'Restore a snapshot as a saga: stop the changed workflows, restore the files, verify; undone in reverse if a step fails',
  builder: (y) =>
    y
      .options({
        to: { type: 'string', describe: 'Snapshot id (default: the latest)' },
        reason: { type: 'string', describe: 'Why (required): recorded with your name in the audit log' },
        'dry-run': { type: 'boolean', describe: 'Print the plan and the diff; change nothing' },
        resume: { type: 'boolean', describe: 'Finish (or undo) a rollback that was cut short' },
      })
      .example('$0 rollback --dry-run --reason "bad release"', '')
      .example('$0 rollback --to 3 --reason "deploys corrupting prod DB"', '') as never,
  async run(args, ctx) {
    const db = await ctx.ledger();
    const { rollbackSetup } = await import('../src/actions/rollback');
    const rollback = await rollbackSetup(ctx, db, { name: ctx.actor, role: ctx.role });
    if (args.resume) return finish(await rollback.resume());

    const reason = await maskedReason(requireReason(args.reason), ctx.io.env);
    const to = args.to === undefined ? null : positiveInt('--to', args.to);
    if (args['dry-run']) {
      const { snap, diff, steps: plan } = rollback.plan(to);
      if (ctx.json) return printJson(ctx.io, { dry_run: true, snapshot: snap.id, diff: diff.filter((d) => d.change !== 'same').map((d) => ({ path: d.path, change: d.change })), steps: plan.map((s) => ({ name: s.name, params: s.params, describe: s.describe })) });
      let out = `rollback to snapshot #${snap.id}${snap.label ? ` (${snap.label})` : ''} — dry run, nothing is changed\n\nchanges:\n`;
      const changed = diff.filter((d) => d.change !== 'same');
      out += changed.length ? changed.map((d) => `  ${d.change === 'added' ? 'remove ' : d.change === 'missing' ? 'restore' : 'revert '} ${d.path}\n`).join('') : '  none: the tracked files match the snapshot\n';
      out += '\nsteps:\n' + plan.map((s, i) => `  ${i + 1}. ${s.describe}\n`).join('');
      ctx.io.stdout.write(out);
      return;
    }
    return finish([await rollback.start(to, reason)]);

    async function finish(results: SagaRecord[]) {
      // Its ticket (and notification) are the consumers', run now, before this command exits.
      const { runConsumersFor } = await import('../src/consumers');
      const problems = await runConsumersFor(ctx, db);
      if (ctx.json) printJson(ctx.io, results);
      else if (!results.length) ctx.io.stdout.write('no rollback to resume\n');
      else {
        for (const r of results) {
          const head = `rollback #${r.id} to snapshot #${r.subject}`;
          ctx.io.stdout.write(
            r.state === 'completed'
              ? `${head}: completed: ${r.steps.map((s) => s.name).join(', ')}\n`
              : `${head}: ${r.state.toUpperCase()}: ${r.error}\n` + r.steps.map((s) => `  ${s.idx + 1}. ${s.name} ${JSON.stringify(s.params)}: ${s.state}${s.error ? ` (${s.error})` : ''}\n`).join(''),
          );
        }
      }
      for (const problem of problems) ctx.io.stderr.write(`ops: warning: ${problem}\n`);
      const bad = results.find((r) => r.state !== 'completed');
      if (bad) throw new OpsError(Exit.failed, `rollback #${bad.id}`, bad.state === 'failed' ? `${bad.error}; the tree may be half-restored: see ops audit list and the ticket` : `${bad.error}; every step was undone`);
    }
  },
});
