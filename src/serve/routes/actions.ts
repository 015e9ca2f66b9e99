import { z } from 'zod';
import type { ReplayReport } from '../../actions/replay';
import { replayDue, replayOwner } from '../../cli/replay-due';
import { rollbackSetup } from '../../actions/rollback';
import { runConsumersFor } from '../../consumers';
import { maskedReason } from '../../cli/parse';
import { idempotency } from '../../idempotency/keys';
import { openLedger, type Ledger } from '../../ledger/open';
import { prepared } from '../../ledger/statements';
import { appendAudit } from '../../events/log';
import type { Context } from '../../cli/context';
import type { Ctx, RouteDef } from '../api';
import { requestContext, type Deps } from '../deps';
import { httpProblem } from '../problem';
import { idempotencyKey } from './killswitch';

/**
 * Replay and rollback run external commands (gh) for seconds or minutes: each runs on a
 * ledger connection of its own, as a separate ops process would (short transactions,
 * SQLite's locks between them), so the server's writes and reads do not wait behind them.
 */
async function onOwnConnection<T>(ctx: Context, work: (db: Ledger) => Promise<T>): Promise<T> {
  const db = openLedger(ctx.ledgerPath, { now: ctx.nowIso });
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

/**
 * `Idempotency-Key` for actions whose CLI command has no key of its own: the first call's
 * answer is remembered (config idempotencyTtlSeconds) and a repeat gets it back, marked
 * `replayed: true`. Concurrent repeats wait for the first.
 */
function idempotent(deps: Deps) {
  const inFlight = new Map<string, Promise<unknown>>();
  return async <T extends object>(ctx: Context, action: string, key: string | undefined, work: () => Promise<T>): Promise<T & { replayed?: boolean }> => {
    if (key === undefined) return work();
    const name = `${action}:${key}`;
    const running = inFlight.get(name);
    if (running) return { ...((await running) as T), replayed: true };
    const first = idempotency(deps.db, ctx.nowIso).recall<T>(name);
    if (first) return { ...first.result, replayed: true };
    const p = work();
    inFlight.set(name, p);
    try {
      const result = await p;
      const ttl = (await ctx.config('config.json')).idempotencyTtlSeconds;
      await deps.write(() => deps.db.transaction(() => idempotency(deps.db, ctx.nowIso).remember(name, result, null, ttl)).immediate());
      return result;
    } finally {
      inFlight.delete(name);
    }
  };
}

export function actionRoutes(deps: Deps): RouteDef<any, any>[] {
  const once = idempotent(deps);

  return [
    {
      method: 'POST',
      path: '/retries/{id}/replay',
      summary: 'Replay this retry entry now (`ops retry replay` for one entry: lease, killswitch check, gh re-run, confirmation, records)',
      role: 'operator',
      idempotent: true,
      handler: async (c: Ctx, { params }) => {
        const id = Number(params.id);
        if (!/^[1-9]\d*$/.test(params.id ?? '')) throw httpProblem(400, `id: expected a retry entry id, got ${JSON.stringify(params.id)}`);
        if (!prepared(deps.db, 'SELECT 1 FROM retry_queue WHERE id = ?', true).get(id)) throw httpProblem(404, `no retry entry #${id} (GET /api/v1/retries)`);
        const ctx = requestContext(deps, c.get('key'));
        const report = await once(ctx, 'api.retry.replay', idempotencyKey(c), async () => {
          const owner = await replayOwner(`serve:${ctx.actor}`);
          // The replay's own events are ops's (actor ops, as from the CLI and the console);
          // who asked for it is this event's actor: the key.
          await deps.write(() =>
            deps.db
              .transaction(() =>
                appendAudit(deps.db, { ts: ctx.nowIso, actor: ctx.actor, role: ctx.role, event: 'retry.replay.request', target_id: String(id), payload: { id, owner }, idempotency_key: idempotencyKey(c) ?? null }),
              )
              .immediate(),
          );
          deps.committed();
          const r: ReplayReport = await onOwnConnection(ctx, async (db) => {
            // The CLI's replay (lease, killswitch, gh re-run, retry log lines, storm watch), for this entry.
            const { report, problem } = await replayDue(ctx, db, { max: 1, concurrency: 1, stopped: () => false, only: id, owner });
            if (problem) ctx.io.stderr.write(`ops: serve: warning: ${problem}\n`);
            return report;
          });
          deps.committed();
          deps.afterWrite();
          return r;
        });
        if (report.aborted) throw httpProblem(500, `replay #${id}: ${report.aborted}`);
        // Held by the killswitch: the request was understood and refused by policy (the CLI's exit 3).
        return c.json(report, report.held.length ? 423 : 200);
      },
    },
    {
      method: 'POST',
      path: '/rollback',
      summary: 'Roll back to a snapshot (`ops rollback`): with dry_run, the plan and the diff only',
      role: 'operator',
      idempotent: true,
      body: z.object({
        reason: z.string().trim().min(1, 'required and not blank: say why (it is recorded in the audit log)'),
        to: z.number().int().positive().optional().describe('Snapshot id (default: the latest)'),
        dry_run: z.boolean().default(false),
      }),
      handler: async (c: Ctx, { body }) => {
        const ctx = requestContext(deps, c.get('key'));
        const reason = await maskedReason(body.reason, ctx.io.env);
        const actor = { name: ctx.actor, role: ctx.role };
        if (body.dry_run) {
          const { snap, diff, steps } = (await rollbackSetup(ctx, deps.db, actor)).plan(body.to ?? null);
          return c.json({ dry_run: true, snapshot: snap.id, diff: diff.filter((d) => d.change !== 'same').map((d) => ({ path: d.path, change: d.change })), steps: steps.map((s) => ({ name: s.name, params: s.params, describe: s.describe })) });
        }
        // In the write queue: the rollback holds the workspace lock (as the consumers do) for
        // its whole saga; two holders in one process would wait on each other.
        const result = await once(ctx, 'api.rollback', idempotencyKey(c), () =>
          deps.write(() => onOwnConnection(ctx, async (db) => {
            const saga = await (await rollbackSetup(ctx, db, actor)).start(body.to ?? null, reason);
            const problems = await runConsumersFor(ctx, db);
            for (const p of problems) ctx.io.stderr.write(`ops: serve: warning: ${p}\n`);
            deps.committed();
            deps.afterWrite();
            return saga;
          })),
        );
        if (result.state !== 'completed') {
          const title = result.state === 'failed' ? 'Rollback failed' : 'Rollback undone';
          throw httpProblem(500, `rollback #${result.id}: ${result.error}${result.state === 'failed' ? '; the tree may be half-restored: see the audit ticket' : '; every step was undone'}`, { title, saga: result });
        }
        return c.json(result);
      },
    },
  ];
}
