import { defineCommand } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'show <run-id>',
  describe: 'Show one run: its latest attempt, failure classification and every attempt',
  builder: (y) => y.positional('run-id', { type: 'string', demandOption: true, describe: 'GitHub run id' }),
  async run(args, ctx) {
    const runId = String(args['run-id']);
    const { runAttempts } = await import('../../src/runs/store');
    const attempts = runAttempts(await ctx.ledger(), runId);
    const latest = attempts.at(-1);
    if (!latest) throw usageError(`run ${runId}`, `not in the ledger ${ctx.ledgerPath}`);
    if (ctx.json) return printJson(ctx.io, { ...latest, attempts });

    const { style } = await import('../../src/cli/style');
    const { renderTable } = await import('../../src/cli/table');
    const { formatAge, formatDuration, paintState, runState } = await import('../../src/runs/format');
    const s = style(ctx.io.color);
    const field = (name: string, value: string | null) => (value ? `  ${name.padEnd(10)} ${value}\n` : '');
    const c = latest.classification;
    let out = s.bold(`${latest.workflow} · run ${latest.run_id} · ${latest.repository}`) + '\n';
    out += field('state', `${paintState(s, latest, runState(latest))} (attempt ${latest.attempt} of ${attempts.length})`);
    out += field('branch', [latest.branch, latest.head_sha?.slice(0, 7)].filter(Boolean).join(' @ ') || null);
    out += field('event', latest.event);
    out += field('actor', latest.actor);
    out += field('started', latest.started_at && `${latest.started_at} (${formatAge(latest.started_at, ctx.now)} ago)`);
    out += field('duration', latest.duration_ms === null ? null : formatDuration(latest.duration_ms));
    out += field('url', latest.url);
    if (c) {
      out += field('failure', `${c.class}${c.http_status ? ` (HTTP ${c.http_status})` : ''}: ${c.cause}`);
      out += field('risk', c.risk);
      out += field('action', c.action);
    }
    out += '\n' + s.bold('Attempts') + '\n';
    out += renderTable(
      [
        { header: 'ATT', value: (r) => String(r.attempt), align: 'right' },
        { header: 'STATE', value: runState, paint: (cell, r) => paintState(s, r, cell) },
        { header: 'STARTED', value: (r) => r.started_at ?? '-' },
        { header: 'DURATION', value: (r) => formatDuration(r.duration_ms), align: 'right' },
        { header: 'CLASS', value: (r) => r.classification?.class ?? '' },
      ],
      attempts,
    );
    ctx.io.stdout.write(out);
  },
});
