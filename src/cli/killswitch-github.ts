import type { Context } from './context';
import type { Ledger } from '../ledger/open';

type Ctx = Context;

/**
 * What the GitHub side needs, or null: no repos configured, or a broken config.json (the
 * emergency path is never blocked: GitHub is skipped with a warning, --resume reaches it
 * once the config is fixed).
 */
export async function githubReach(ctx: Ctx) {
  const config = await ctx.config('config.json');
  if (ctx.configProblems.some((p) => p.file === '.ops/config.json')) {
    const { warn } = await import('../cli/warn');
    warn(ctx.io, 'killswitch: GitHub not reached: .ops/config.json is invalid (its repos and killswitch.github cannot be trusted); fix it, then ops killswitch --resume', { json: ctx.json });
    return null;
  }
  if (!config.repos.length) return null;
  return {
    repos: config.repos,
    settings: config.killswitch.github,
    gh: ctx.io.env.OPS_GH || config.gh,
    env: ctx.io.env,
    timeoutMs: config.ghTimeoutSeconds * 1000,
    pinnedNow: ctx.io.env.OPS_NOW ? ctx.nowIso : null,
    actor: { name: ctx.actor, role: ctx.role },
    progress: (line: string) => ctx.io.stderr.write(`ops: killswitch: ${line}\n`),
  };
}

/** Runs sagas; the summary, and the error to end with when a step is still failed. */
export async function runGithub(ctx: Ctx, db: Ledger, gh: NonNullable<Awaited<ReturnType<typeof githubReach>>>, sagas: number[]) {
  const { runGithubSaga, githubSummary } = await import('../actions/killswitch-github');
  const { OpsError, Exit } = await import('../cli/errors');
  // No workspace lock: an emergency stop does not queue behind a long collect. Each saga is
  // created once (in an IMMEDIATE transaction) and its steps are repeatable.
  const results = [];
  for (const id of sagas) results.push(await runGithubSaga(db, gh, id));
  const summary = githubSummary(db, ctx.nowIso);
  if (!ctx.json && summary) {
    const { describeGithub } = await import('../actions/killswitch-github');
    ctx.io.stdout.write(describeGithub(summary) + '\n');
  }
  const failed = results.flatMap((s) => s.steps.filter((x) => x.state === 'failed').map((x) => ({ saga: s, step: x })));
  const sagasJson = results.map((x) => ({ id: x.id, subject: x.subject, state: x.state, steps: x.steps.map((t) => ({ name: t.name, params: t.params, state: t.state, memo: t.memo, error: t.error })) }));
  if (!failed.length) return { summary, sagas: sagasJson, failure: null };
  const { stepLabel } = await import('../killswitch/github');
  const first = failed[0]!;
  const local = results.some((s) => s.subject?.startsWith('release')) ? 'the release is recorded locally' : 'the killswitch is engaged locally';
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  return {
    summary,
    sagas: sagasJson,
    failure: new OpsError(Exit.failed, 'killswitch', `GitHub: step ${first.step.idx + 1} (${stepLabel(first.step.name, first.step.params)}) failed: ${first.step.error}${more}; ${local}; ops killswitch --resume retries it`),
  };
}

/**
 * After a write that may have changed the killswitch without reaching GitHub (detection's
 * `killswitch` action, an expiry, an engagement from the console or on a broken config):
 * the sagas planned now run, so GitHub follows without waiting for `ops killswitch
 * --resume`. Steps that failed before are left to --resume (a CI step is not held up by
 * retrying them). Returns a warning, or null.
 */
export async function reachGithubIfPending(ctx: Ctx, db: Ledger): Promise<string | null> {
  let gh;
  try {
    gh = await githubReach(ctx);
  } catch {
    return null; // an invalid config: the commands that need it say so
  }
  if (!gh) return null;
  const { planAll } = await import('../actions/killswitch-github');
  const sagas = planAll(db, gh, ctx.nowIso);
  if (!sagas.length) return null;
  const { failure } = await runGithub(ctx, db, gh, sagas);
  return failure ? failure.message : null;
}
