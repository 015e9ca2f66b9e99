import type { Context } from '../cli/context';
import { usageError } from '../cli/errors';
import type { Ledger } from '../ledger/open';
import { withWorkspaceLock } from '../evidence/atomic';
import { createSaga, getSaga, runSaga, unfinishedSagas, type SagaRecord } from '../saga/runner';
import { failpoint } from '../testing/failpoint';
import { toIso } from '../time/clock';
import { checkTrackedPaths } from '../rollback/paths';
import { planRollback, rollbackSteps, type PlannedStep } from '../rollback/rollback';
import { diffSnapshot, getSnapshot, latestSnapshotId, type FileChange, type Snapshot } from '../rollback/snapshot';

/**
 * Rollback as a command and as a detection action (SPEC §4, §6) start here: the same plan,
 * saga, lock and audit events whoever asks.
 */

export interface Actor {
  name: string;
  role: string;
}

export async function rollbackSetup(ctx: Context, db: Ledger, actor: Actor) {
  const config = await ctx.config('config.json');
  const paths = checkTrackedPaths(config.rollback.trackedPaths);
  const gh = ctx.io.env.OPS_GH || config.gh;
  const pinned = Boolean(ctx.io.env.OPS_NOW);
  const sagaCtx = {
    db,
    now: () => (pinned ? ctx.nowIso : toIso(Date.now())),
    actor,
    steps: rollbackSteps({ workspace: ctx.workspace, config, gh, env: ctx.io.env }),
  };
  /** The snapshot, what differs from it, and the steps that would restore it. */
  const plan = (to: number | null): { snap: Snapshot; diff: FileChange[]; steps: PlannedStep[] } => {
    const id = to ?? latestSnapshotId(db);
    if (id === undefined || id === null) throw usageError('--to', 'no snapshot to roll back to (ops snapshot create)');
    const snap = getSnapshot(db, id);
    if (!snap) throw usageError('--to', `no snapshot ${id} (see ops snapshot list)`);
    const diff = diffSnapshot(ctx.workspace, paths, snap);
    return { snap, diff, steps: planRollback(snap, diff, config, gh) };
  };
  /**
   * Runs the rollback to `to` (default the latest snapshot) under the workspace lock. With
   * `once` (detection's rollback of an alert), at most one saga per caller's key: the one
   * already made for it is resumed (or reported, when finished) instead of starting another,
   * and a new one is tied to the key in the transaction that creates it.
   */
  const start = (to: number | null, reason: string, once?: { sagaFor(): number | null; link(sagaId: number): void }): Promise<SagaRecord> => {
    return withWorkspaceLock(ctx.workspace, 30_000, async () => {
      const mine = once?.sagaFor() ?? null;
      if (mine !== null) {
        const saga = getSaga(db, mine)!;
        return saga.state === 'running' || saga.state === 'compensating' ? runSaga(sagaCtx, mine) : saga;
      }
      const { snap, steps } = plan(to);
      const open = unfinishedSagas(db, 'rollback');
      if (open.length) throw usageError('rollback', `rollback #${open[0]} was cut short: run ops rollback --resume first`);
      const sagaId = db
        .transaction(() => {
          const id = createSaga(db, { kind: 'rollback', reason, subject: String(snap.id), steps: steps.map((s) => ({ name: s.name, params: s.params })), now: sagaCtx.now(), actor });
          once?.link(id);
          return id;
        })
        .immediate();
      failpoint('rollback.saga-created');
      return runSaga(sagaCtx, sagaId);
    });
  };
  /** Finishes (or undoes) every rollback that was cut short. */
  const resume = () =>
    withWorkspaceLock(ctx.workspace, 30_000, async () => {
      const out: SagaRecord[] = [];
      for (const id of unfinishedSagas(db, 'rollback')) out.push(await runSaga(sagaCtx, id));
      return out;
    });
  return { plan, start, resume };
}
