import { resolve } from 'node:path';
import type { Context } from '../src/cli/context';
import { defineCommand } from '../src/cli/command';
import { usageError } from '../src/cli/errors';
import { printJson } from '../src/cli/output';
import { positiveInt } from '../src/cli/parse';

const MAX_RUNS = 5_000_000;
const MAX_DAYS = 365;

export default defineCommand({
  command: 'demo [dir]',
  needsWorkspace: false,
  describe: 'Write a realistic, deterministic demo workspace: repositories, workflows, failures, re-runs and their logs',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.demo', describe: 'Workspace to write (created if missing)' })
      .options({
        runs: { type: 'number', default: 3000, describe: `Workflow runs to generate (1–${MAX_RUNS}); failed runs add re-run attempts` },
        days: { type: 'number', default: 14, describe: `Spread the runs over this many days before now (1–${MAX_DAYS})` },
        seed: { type: 'number', default: 42, describe: 'Random seed: the same seed and OPS_NOW give the same workspace' },
      })
      .example('$0 demo /tmp/ops-demo --runs 100000 && ops-console --workspace /tmp/ops-demo', ''),
  async run(args, ctx) {
    const runs = positiveInt('--runs', args.runs, MAX_RUNS);
    const days = positiveInt('--days', args.days, MAX_DAYS);
    const seed = Number(args.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw usageError('--seed', `must be an integer from 0 to ${0xffffffff}, got ${JSON.stringify(args.seed)}`);
    const shown = args.dir ?? '.demo';
    const dir = resolve(ctx.io.cwd, shown);

    const { writeDemo } = await import('../src/demo/write-demo');

    let timezone: string | undefined;
    if (ctx.io.env.OPS_TZ) {
      const { assertTimeZone } = await import('../src/time/zone');
      timezone = assertTimeZone(ctx.io.env.OPS_TZ, 'OPS_TZ');
    }
    // Progress only where a human watches: a TTY, and long enough to be worth it.
    const progress = ctx.io.isTTY && !ctx.json && runs >= 100_000;
    const started = Date.now();
    const summary = writeDemo({
      dir,
      runs,
      days,
      seed,
      now: ctx.now,
      actor: { name: ctx.actor, role: ctx.role },
      timezone,
      onProgress: progress ? (done, total) => ctx.io.stderr.write(`\rgenerating runs… ${Math.floor((100 * done) / total)}%`) : undefined,
    });
    if (progress) ctx.io.stderr.write('\r\x1b[K');
    const alerts = await detectIn(ctx, dir);
    if (ctx.json) return printJson(ctx.io, { ...summary, alerts: alerts.map((a) => a.summary) });

    const n = (x: number) => x.toLocaleString('en-US');
    const byClass = Object.entries(summary.by_class)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    ctx.io.stdout.write(
      `demo workspace written to ${shown} (${seconds}s)\n` +
        `  ${n(summary.runs)} runs, ${n(summary.attempts)} attempts over ${days} days up to ${summary.generated_for} (seed ${seed})\n` +
        `  ${summary.repositories.length} repositories, ${summary.workflows} workflows: ${summary.repositories.join(', ')}\n` +
        `  failed: ${n(summary.failed_attempts)} attempts (${byClass || 'none'})\n` +
        `  ${n(summary.failed_runs)} runs still failing, ${n(summary.recovered_runs)} recovered by a re-run; ${n(summary.in_progress)} in progress, ${n(summary.queued)} queued\n` +
        `  ${n(summary.retries.entries)} retried by ops (${n(summary.retries.recovered)} recovered, ${n(summary.retries.failed)} failed for good); one killswitch incident\n` +
        (alerts.length ? alerts.map((a) => `  alert: ${a.summary}\n`).join('') : '') +
        `  ${n(summary.logs.length)} failure logs under ${summary.logs.length ? summary.logs[0]!.split('/').slice(0, 2).join('/') : 'docs/reports'}/\n` +
        `open it: ops-console --workspace ${shown}\n`,
    );
  },
});

/** The demo's alerts, as the first `ops detect` in that workspace finds them (with their notifications). */
async function detectIn(ctx: Context, dir: string) {
  const { createContext } = await import('../src/cli/context');
  const { OPS_LEDGER: _l, OPS_WORKSPACE: _w, ...env } = ctx.io.env;
  const demo = createContext({ workspace: dir, actor: ctx.actor }, { ...ctx.io, env });
  try {
    const { detect } = await import('../src/actions/detect');
    const db = await demo.ledger();
    const { opened } = await detect(demo, db);
    // Its detection log lines and tickets: the consumers of its events.
    const { runConsumersFor } = await import('../src/consumers');
    await runConsumersFor(demo, db);
    return opened;
  } finally {
    demo.close();
  }
}
