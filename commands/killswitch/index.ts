import type { CommandGroup } from '../../src/cli/command';
import { usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { maskedReason, parseDuration, requireReason } from '../../src/cli/parse';
import { failpoint } from '../../src/testing/failpoint';
import history from './history';
import status from './status';

export const killswitch: CommandGroup = {
  command: 'killswitch',
  describe: 'Engage (--reason) or release (--release --reason) the emergency stop; status and history',
  commands: [status, history],
  builder: (y) =>
    y
      .options({
        reason: { type: 'string', describe: 'Why (required): recorded with your name in the audit log' },
        release: { type: 'boolean', describe: 'Release instead of engage' },
        scope: { type: 'string', describe: 'Only this workflow (default: all workflows)' },
        expires: { type: 'string', describe: 'Engage until this long from now (30m, 4h, 1d); then it counts as released' },
        'idempotency-key': { type: 'string', describe: 'A repeated key (e.g. a CI run id) reports the first call instead of acting again' },
        force: { type: 'boolean', describe: 'Accept a --scope the ledger has never seen a run of (a workflow that has not run yet)' },
        resume: { type: 'boolean', describe: "Retry the GitHub steps (variable, cancel runs, schedules) that failed or were cut short" },
      })
      .example('$0 killswitch --reason "deploys corrupting prod DB" --expires 4h', '')
      .example('$0 killswitch --scope Deploy --reason "bad release 2025.11"', '')
      .example('$0 killswitch --release --reason "fixed in #812"', '')
      .example('$0 killswitch --resume', ''),
  async run(args, ctx) {
    // The emergency stop works on a workspace whose config is broken: whatever it reads from
    // .ops/*.json falls back to the built-in defaults, and each problem is a warning.
    ctx.degradeConfig();
    if (args.resume) {
      for (const flag of ['reason', 'release', 'scope', 'expires', 'idempotency-key'] as const) if (args[flag] !== undefined) throw usageError('--resume', `takes no --${flag}: it finishes what was started`);
      return resumeGithub(ctx);
    }
    const reason = await maskedReason(requireReason(args.reason), ctx.io.env);
    if (args.release && args.expires !== undefined) throw usageError('--expires', 'only applies when engaging, not with --release');
    const scopeArg = args.scope as string | undefined;
    if (scopeArg !== undefined && !scopeArg.trim()) throw usageError('--scope', 'must name a workflow');
    let expiresAt: string | null = null;
    if (args.expires !== undefined) {
      const ms = parseDuration(String(args.expires));
      if (ms === null || ms <= 0) throw usageError('--expires', `expected a duration such as 30m, 4h or 1d, got ${JSON.stringify(args.expires)}`);
      const { toIso } = await import('../../src/time/clock');
      expiresAt = toIso(ctx.now + ms);
    }
    const key = args['idempotency-key'] as string | undefined;
    if (key !== undefined && !key.trim()) throw usageError('--idempotency-key', 'must not be blank');

    const [{ engage, release, checkedKillswitchScope }, { GLOBAL }] = await Promise.all([import('../../src/actions/killswitch'), import('../../src/killswitch/store')]);
    const db = await ctx.ledger({ create: true });
    const scope = scopeArg === undefined ? GLOBAL : checkedKillswitchScope(db, scopeArg, Boolean(args.force));
    const outcome = (args.release ? release : engage)(db, {
      scope,
      reason,
      now: ctx.nowIso,
      actor: { name: ctx.actor, role: ctx.role },
      expiresAt,
      idempotencyKey: key,
      idempotencyTtlSeconds: (await ctx.config('config.json')).idempotencyTtlSeconds,
    });

    // The change is committed. Its log line, ticket and notification are the consumers'
    // (src/consumers), run now so this shell sees them before it exits; an emergency stop
    // does not wait long behind a running collect for the ticket (the next ops command
    // writes it). Failing to write them must not hide that the killswitch did change.
    failpoint('event.committed');
    const { runConsumersFor } = await import('../../src/consumers');
    const consumerProblems = await runConsumersFor(ctx, db, 2_000);
    // Channels and masking come from config.json and mask-rules.json: with either invalid,
    // sending now would go to the wrong place or unmasked. The outbox keeps the notification.
    await ctx.config('mask-rules.json');
    const unsendable = ctx.configProblems.some((p) => p.file === '.ops/config.json' || p.file === '.ops/mask-rules.json');

    if (!ctx.json) {
      const { describeOutcome } = await import('../../src/killswitch/report');
      ctx.io.stdout.write(describeOutcome(outcome, ctx.io.color) + '\n');
    }
    const { warn } = await import('../../src/cli/warn');
    const { problemText } = await import('../../src/config/problem');
    for (const p of ctx.configProblems) warn(ctx.io, `${problemText(p)} (built-in default used; the killswitch change is recorded)`, { json: ctx.json });
    for (const p of consumerProblems) warn(ctx.io, p, { json: ctx.json });

    // GitHub after the local change is committed and said: the variable, runs, schedules.
    // A failure there never undoes the local change; it ends the command with exit 1.
    const { githubReach, runGithub } = await import('../../src/cli/killswitch-github');
    const gh = await githubReach(ctx);
    let github: Awaited<ReturnType<typeof runGithub>> | null = null;
    if (gh) {
      const { planAll } = await import('../../src/actions/killswitch-github');
      const sagas = planAll(db, gh, ctx.nowIso);
      github = await runGithub(ctx, db, gh, sagas);
    }
    if (ctx.json) printJson(ctx.io, github ? { ...outcome, github: { summary: github.summary, sagas: github.sagas } } : outcome);

    if (unsendable) {
      warn(ctx.io, 'notifications: not sent now, the config is invalid; they wait in the outbox (ops notify deliver sends them once it is fixed)', { json: ctx.json });
    } else {
      // After the outcome is printed: a slow endpoint never delays the word that the stop is in.
      const { deliverOpportunistically } = await import('../../src/notify/with-context');
      const notifyProblem = await deliverOpportunistically(ctx, db);
      if (notifyProblem) warn(ctx.io, notifyProblem, { json: ctx.json });
    }
    if (github?.failure) throw github.failure;
  },
};

type Ctx = import('../../src/cli/context').Context;

/** `ops killswitch --resume`: engagements without their GitHub side get it, and every saga with steps not done runs them. */
async function resumeGithub(ctx: Ctx) {
  const db = await ctx.ledger({ create: true });
  const { githubReach, runGithub } = await import('../../src/cli/killswitch-github');
  const gh = await githubReach(ctx);
  const { planAll, unfinished } = await import('../../src/actions/killswitch-github');
  if (!gh) {
    if (!ctx.configProblems.length) ctx.io.stderr.write('ops: killswitch: --resume: no repos configured (config.json repos): nothing on GitHub to finish\n');
    if (ctx.json) printJson(ctx.io, { resumed: 0, github: null });
    return;
  }
  planAll(db, gh, ctx.nowIso);
  const open = unfinished(db);
  if (!open.length && !ctx.json) ctx.io.stdout.write('nothing to resume: the GitHub side of the killswitch is complete\n');
  const github = await runGithub(ctx, db, gh, open);
  if (ctx.json) printJson(ctx.io, { resumed: open.length, github: { summary: github.summary, sagas: github.sagas } });
  if (github.failure) throw github.failure;
}
