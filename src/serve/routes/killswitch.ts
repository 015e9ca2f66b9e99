import { z } from 'zod';
import { checkedKillswitchScope, engage, release, type KillswitchOutcome } from '../../actions/killswitch';
import { runConsumersFor } from '../../consumers';
import { parseDuration, maskedReason } from '../../cli/parse';
import { GLOBAL, covering, statusJson } from '../../killswitch/state';
import { activeEngagements } from '../../killswitch/store';
import { toIso } from '../../time/clock';
import type { Ctx, RouteDef } from '../api';
import { requestContext, type Deps } from '../deps';
import { httpProblem } from '../problem';
import { killswitchBody, killswitchStatusSchema, releaseBody } from '../schemas';

/** The `Idempotency-Key` header: as `--idempotency-key` (a repeat answers the first call). */
export function idempotencyKey(c: Ctx): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!key.trim()) throw httpProblem(400, 'Idempotency-Key: must not be blank');
  return key;
}

export function killswitchRoutes(deps: Deps): RouteDef<any, any>[] {
  const { db } = deps;

  /** Engage or release, as `ops killswitch` does: the same action, event and consumers; GitHub and notifications follow in the background. */
  async function act(c: Ctx, direction: 'engage' | 'release', body: z.output<typeof killswitchBody>): Promise<Response> {
    const ctx = requestContext(deps, c.get('key'));
    const key = idempotencyKey(c);
    const reason = await maskedReason(body.reason, ctx.io.env);
    let expiresAt: string | null = null;
    if (body.expires !== undefined) {
      const ms = parseDuration(body.expires);
      if (ms === null || ms <= 0) throw httpProblem(400, `body.expires: expected a duration such as 30m, 4h or 1d, got ${JSON.stringify(body.expires)}`);
      expiresAt = toIso(ctx.now + ms);
    }
    const ttl = (await ctx.config('config.json')).idempotencyTtlSeconds;
    const outcome: KillswitchOutcome = await deps.write(async () => {
      let scope: string = GLOBAL;
      if (body.scope !== undefined) {
        try {
          scope = checkedKillswitchScope(db, body.scope, Boolean(body.force));
        } catch (err) {
          throw httpProblem(400, `body.scope: ${(err as Error).message.replace('--force', '"force": true')}`);
        }
      }
      const o = (direction === 'engage' ? engage : release)(db, {
        scope,
        reason,
        now: ctx.nowIso,
        actor: { name: ctx.actor, role: ctx.role },
        expiresAt,
        idempotencyKey: key,
        idempotencyTtlSeconds: ttl,
      });
      deps.committed();
      // Its log line and ticket now, as the CLI writes them before it answers.
      const problems = await runConsumersFor(ctx, db, 2_000);
      for (const p of problems) ctx.io.stderr.write(`ops: serve: warning: ${p}\n`);
      return o;
    });
    // GitHub's side (variable, runs, schedules) and the notifications: after the answer.
    deps.afterWrite();
    return c.json(outcome);
  }

  return [
    {
      method: 'GET',
      path: '/killswitch',
      summary: 'What is engaged (`ops killswitch status --json`)',
      role: 'viewer',
      query: z.object({ scope: z.string().min(1).optional() }),
      response: killswitchStatusSchema,
      handler: (c, { query }) => {
        const ctx = requestContext(deps, c.get('key'));
        const scope = query.scope ?? GLOBAL;
        const engagements = activeEngagements(db, ctx.nowIso);
        const current = covering(engagements, scope === GLOBAL ? undefined : scope, ctx.nowIso);
        return c.json({ ...statusJson(current, scope), active: engagements.map((e) => statusJson(e, e.scope)) });
      },
    },
    {
      method: 'POST',
      path: '/killswitch',
      summary: 'Engage the killswitch (`ops killswitch --reason`); the audit event names the key',
      role: 'operator',
      body: killswitchBody,
      idempotent: true,
      handler: (c, { body }) => act(c, 'engage', body),
    },
    {
      method: 'POST',
      path: '/killswitch/release',
      summary: 'Release it (`ops killswitch --release --reason`)',
      role: 'operator',
      body: releaseBody,
      idempotent: true,
      handler: (c, { body }) => act(c, 'release', { ...body, force: true }),
    },
  ];
}
