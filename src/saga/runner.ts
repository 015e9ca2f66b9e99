import { appendAudit } from '../events/log';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';

/**
 * Sagas (SPEC §6): ordered steps, each with an action and a compensation. Every step's
 * state is committed before and after its action, so a process killed mid-saga leaves a
 * record the next run picks up: an interrupted step is run again (actions are written to
 * be repeatable), and a failure compensates every step that ran, newest first.
 */

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'compensating' | 'compensated' | 'skipped';
export type SagaState = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

export interface StepRecord {
  idx: number;
  name: string;
  params: unknown;
  state: StepState;
  memo: unknown;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface SagaRecord {
  id: number;
  kind: string;
  state: SagaState;
  actor: string;
  reason: string;
  subject: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  steps: StepRecord[];
}

export interface StepImpl {
  /**
   * Does the step. `remember` commits what the compensation will need *before* the step
   * changes anything (a backup), so even a crash inside the action can be undone.
   */
  action(params: unknown, remember: (memo: unknown) => void, memo: unknown): Promise<void>;
  /** Undoes the step from its memo; safe to run on a step that only partly happened. */
  compensate(params: unknown, memo: unknown): Promise<void>;
}

export interface SagaContext {
  db: Ledger;
  now: () => string;
  actor: { name: string; role: string };
  steps: (name: string) => StepImpl;
}

export function createSaga(db: Ledger, o: { kind: string; reason: string; subject: string | null; steps: { name: string; params: unknown }[]; now: string; actor: { name: string; role: string } }): number {
  return db
    .transaction(() => {
      const id = Number(
        prepared(db, `INSERT INTO sagas (kind, state, actor, reason, subject, started_at) VALUES (?, 'running', ?, ?, ?, ?)`).run(o.kind, o.actor.name, o.reason, o.subject, o.now).lastInsertRowid,
      );
      const insert = prepared(db, `INSERT INTO saga_steps (saga_id, idx, name, params, state) VALUES (?, ?, ?, ?, 'pending')`);
      o.steps.forEach((s, i) => insert.run(id, i, s.name, JSON.stringify(s.params)));
      appendAudit(db, { ts: o.now, actor: o.actor.name, role: o.actor.role, event: `${o.kind}.start`, target_id: String(id), payload: { id, reason: o.reason, subject: o.subject, steps: o.steps } });
      return id;
    })
    .immediate();
}

export function getSaga(db: Ledger, id: number): SagaRecord | undefined {
  const saga = prepared(db, 'SELECT * FROM sagas WHERE id = ?').get(id) as Omit<SagaRecord, 'steps'> | undefined;
  if (!saga) return undefined;
  const steps = (prepared(db, 'SELECT * FROM saga_steps WHERE saga_id = ? ORDER BY idx').all(id) as (Omit<StepRecord, 'params' | 'memo'> & { params: string; memo: string | null })[]).map((s) => ({
    ...s,
    params: JSON.parse(s.params),
    memo: s.memo === null ? null : JSON.parse(s.memo),
  }));
  return { ...saga, steps };
}

/** Sagas of a kind that did not finish (their process died): to resume. */
export function unfinishedSagas(db: Ledger, kind: string): number[] {
  return prepared(db, `SELECT id FROM sagas WHERE kind = ? AND state IN ('running', 'compensating') ORDER BY id`, true).all(kind) as number[];
}

export function listSagas(db: Ledger, kind: string): SagaRecord[] {
  return (prepared(db, 'SELECT id FROM sagas WHERE kind = ? ORDER BY id', true).all(kind) as number[]).map((id) => getSaga(db, id)!);
}

/** Runs (or resumes) a saga to its end: completed, compensated, or failed (a compensation failed: a human must look). */
export async function runSaga(ctx: SagaContext, id: number): Promise<SagaRecord> {
  const { db } = ctx;
  const setStep = (idx: number, fields: Partial<Record<'state' | 'memo' | 'error' | 'started_at' | 'finished_at', string | null>>) => {
    const keys = Object.keys(fields);
    db.prepare(`UPDATE saga_steps SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE saga_id = ? AND idx = ?`).run(...keys.map((k) => fields[k as keyof typeof fields] ?? null), id, idx);
  };
  const setSaga = (state: SagaState, error: string | null = null, finished = false) =>
    prepared(db, 'UPDATE sagas SET state = ?, error = COALESCE(?, error), finished_at = ? WHERE id = ?').run(state, error, finished ? ctx.now() : null, id);

  let saga = getSaga(db, id)!;
  if (saga.state === 'running') {
    for (const step of saga.steps) {
      if (step.state === 'done' || step.state === 'skipped') continue;
      const impl = ctx.steps(step.name);
      db.transaction(() => setStep(step.idx, { state: 'running', started_at: step.started_at ?? ctx.now() })).immediate();
      try {
        await impl.action(step.params, (memo) => db.transaction(() => setStep(step.idx, { memo: JSON.stringify(memo) })).immediate(), step.memo);
        db.transaction(() => setStep(step.idx, { state: 'done', finished_at: ctx.now() })).immediate();
      } catch (err) {
        const message = (err as Error).message;
        db.transaction(() => {
          setStep(step.idx, { state: 'failed', error: message, finished_at: ctx.now() });
          setSaga('compensating', `step ${step.idx + 1} (${step.name}) failed: ${message}`);
        }).immediate();
        break;
      }
    }
    saga = getSaga(db, id)!;
    if (saga.state === 'running') {
      db.transaction(() => {
        setSaga('completed', null, true);
        finishAudit(ctx, getSaga(db, id)!, 'complete');
      }).immediate();
      return getSaga(db, id)!;
    }
  }
  // Compensating, newest first: every step that ran or may have run (cut off while running).
  // A step that failed is undone only if it had started changing things (it left a memo):
  // undoing a `gh workflow disable` that failed would enable a workflow someone else stopped.
  for (const step of [...saga.steps].reverse()) {
    if (!['done', 'failed', 'running', 'compensating'].includes(step.state)) continue;
    if (step.state === 'failed' && step.memo === null) continue;
    db.transaction(() => setStep(step.idx, { state: 'compensating' })).immediate();
    try {
      await ctx.steps(step.name).compensate(step.params, getSaga(db, id)!.steps[step.idx]!.memo);
      db.transaction(() => setStep(step.idx, { state: 'compensated', finished_at: ctx.now() })).immediate();
    } catch (err) {
      const message = `compensation of step ${step.idx + 1} (${step.name}) failed: ${(err as Error).message}`;
      db.transaction(() => {
        setStep(step.idx, { error: message });
        setSaga('failed', message, true);
        finishAudit(ctx, getSaga(db, id)!, 'failed');
      }).immediate();
      return getSaga(db, id)!;
    }
  }
  db.transaction(() => {
    setSaga('compensated', null, true);
    finishAudit(ctx, getSaga(db, id)!, 'compensated');
  }).immediate();
  return getSaga(db, id)!;
}

function finishAudit(ctx: SagaContext, saga: SagaRecord, how: string) {
  appendAudit(ctx.db, {
    ts: ctx.now(),
    actor: ctx.actor.name,
    role: ctx.actor.role,
    event: `${saga.kind}.${how}`,
    target_id: String(saga.id),
    payload: { id: saga.id, reason: saga.reason, state: saga.state, error: saga.error, steps: saga.steps.map((s) => [s.name, s.state]) },
  });
}
