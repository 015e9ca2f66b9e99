import { appendAudit } from '../events/log';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { createSaga, getSaga, type SagaRecord, type StepRecord } from '../saga/runner';
import { engageSteps, githubSteps, stepLabel, variableValue, waiting, type CancelMemo, type DisableMemo, type GithubSettings, type PlannedStep } from '../killswitch/github';
import { activeEngagements } from '../killswitch/store';
import { GLOBAL, sameWorkflow } from '../killswitch/state';
import { failpoint } from '../testing/failpoint';
import { toIso } from '../time/clock';

/**
 * The killswitch's GitHub side as sagas (issue 21 part 2). The local engagement is committed
 * first, as ever; then one saga per engagement (kind `killswitch.github`, tied to it in
 * `killswitch_github`) sets the variable, cancels runs and disables schedules in every
 * configured repository. Unlike a rollback it never compensates: a failed step leaves the
 * saga `failed` with the step's error, the other steps still run (one repository down must
 * not spare the others), and `ops killswitch --resume` runs the steps not done. Release is
 * a saga that undoes exactly what its engage did (the workflows its memo says it disabled).
 */

export const KIND = 'killswitch.github';

export interface GithubReach {
  repos: readonly string[];
  settings: GithubSettings;
  gh: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** OPS_NOW pins the clock: waits are virtual, times are that instant. */
  pinnedNow: string | null;
  actor: { name: string; role: string };
  progress: (line: string) => void;
}

const link = (db: Ledger, sagaId: number, engagementId: number, direction: 'engage' | 'release') =>
  prepared(db, `INSERT INTO killswitch_github (saga_id, engagement_id, direction) VALUES (?, ?, ?)`).run(sagaId, engagementId, direction);

const sagaOf = (db: Ledger, engagementId: number, direction: 'engage' | 'release'): number | undefined =>
  prepared(db, `SELECT saga_id FROM killswitch_github WHERE engagement_id = ? AND direction = ? ORDER BY saga_id DESC LIMIT 1`, true).get(engagementId, direction) as number | undefined;

/** Sagas with steps not done: a failed step, or a process cut off. */
export function unfinished(db: Ledger): number[] {
  return prepared(db, `SELECT id FROM sagas WHERE kind = ? AND state IN ('running', 'failed') ORDER BY id`, true).all(KIND) as number[];
}

/** Every engagement in force gets its engage saga (one engaged before repos were configured, or with a broken config, too). */
export function planEngagements(db: Ledger, r: GithubReach, nowIso: string): number[] {
  if (!r.repos.length) return [];
  const made: number[] = [];
  for (const e of activeEngagements(db, nowIso)) {
    if (sagaOf(db, e.id, 'engage') !== undefined) continue;
    const steps = engageSteps(r.repos, e.scope, r.settings);
    if (!steps.length) continue;
    made.push(
      db
        .transaction(() => {
          const id = createSaga(db, { kind: KIND, reason: e.reason, subject: `engage #${e.id} ${e.scope}`, steps, now: nowIso, actor: r.actor });
          link(db, id, e.id, 'engage');
          return id;
        })
        .immediate(),
    );
  }
  return made;
}

/**
 * Everything the GitHub side owes the ledger now: an engage saga for each engagement in
 * force without one, and a release saga for each engagement released or expired since its
 * engage saga ran (an expired engagement's schedules are re-enabled by the next killswitch
 * call or --resume). Returns the new sagas, releases first.
 */
export function planAll(db: Ledger, r: GithubReach, nowIso: string): number[] {
  const made: number[] = [];
  const engaged = prepared(
    db,
    `SELECT e.id, e.released_at, e.expires_at, COALESCE(e.release_reason, 'expired') AS reason FROM killswitch_github g JOIN killswitch_engagements e ON e.id = g.engagement_id
     WHERE g.direction = 'engage' AND NOT EXISTS (SELECT 1 FROM killswitch_github x WHERE x.engagement_id = e.id AND x.direction = 'release') ORDER BY e.id`,
  ).all() as { id: number; released_at: string | null; expires_at: string | null; reason: string }[];
  for (const e of engaged) {
    const over = e.released_at !== null || (e.expires_at !== null && Date.parse(e.expires_at) <= Date.parse(nowIso));
    if (!over) continue;
    const id = planRelease(db, r, e.id, e.released_at === null ? 'expired' : e.reason, nowIso);
    if (id !== null) made.push(id);
  }
  return [...made, ...planEngagements(db, r, nowIso)];
}

/**
 * The release saga of a released engagement: the variable where engage set it (to what is
 * still engaged, or not engaged), and the workflows engage disabled re-enabled. Steps of the
 * engage saga that never ran are dropped: nothing is stopped after its release.
 */
export function planRelease(db: Ledger, r: GithubReach, engagementId: number, reason: string, nowIso: string): number | null {
  const engageId = sagaOf(db, engagementId, 'engage');
  if (engageId === undefined) return null;
  const engaged = getSaga(db, engageId)!;
  const steps: PlannedStep[] = [];
  for (const s of engaged.steps) if (s.name === 'variable' && (s.state === 'done' || s.state === 'failed' || s.state === 'running')) steps.push({ name: 'variable', params: s.params as PlannedStep['params'] });
  return db
    .transaction(() => {
      if (sagaOf(db, engagementId, 'release') !== undefined) return null;
      for (const s of engaged.steps) {
        if (s.name !== 'disable-schedules') continue;
        const repo = (s.params as { repo: string }).repo;
        const enable = ((s.memo as DisableMemo | null)?.disabled ?? []).filter((w) => !handOver(db, engagementId, repo, w, nowIso));
        if (enable.length) steps.push({ name: 'enable-schedules', params: { repo, workflows: enable } });
      }
      // Recorded even with nothing to undo, so it is planned once.
      if (engaged.state === 'running' || engaged.state === 'failed') {
        prepared(db, `UPDATE saga_steps SET state = 'skipped', error = COALESCE(error, 'released before it ran') WHERE saga_id = ? AND state IN ('pending', 'failed', 'running')`).run(engageId);
        prepared(db, `UPDATE sagas SET state = 'completed', error = COALESCE(error, 'released before every step ran'), finished_at = ? WHERE id = ?`).run(nowIso, engageId);
      }
      const id = createSaga(db, { kind: KIND, reason, subject: `release #${engagementId}`, steps, now: nowIso, actor: r.actor });
      link(db, id, engagementId, 'release');
      if (steps.length) return id;
      prepared(db, `UPDATE sagas SET state = 'completed', finished_at = ? WHERE id = ?`).run(nowIso, id);
      return null;
    })
    .immediate();
}

/**
 * A workflow this engagement disabled that another engagement in force still covers (the
 * global one, or its own scope) stays disabled: it is handed to that engagement's memo, so
 * that engagement's release re-enables it. True when handed over.
 */
function handOver(db: Ledger, releasing: number, repo: string, w: { id: number; name: string }, nowIso: string): boolean {
  for (const e of activeEngagements(db, nowIso)) {
    if (e.id === releasing || !(e.scope === GLOBAL || sameWorkflow(e.scope, w.name))) continue;
    const sagaId = sagaOf(db, e.id, 'engage');
    if (sagaId === undefined) continue;
    const step = getSaga(db, sagaId)!.steps.find((x) => x.name === 'disable-schedules' && (x.params as { repo: string }).repo === repo);
    if (!step) continue;
    const memo: DisableMemo = (step.memo as DisableMemo | null) ?? { planned: [], disabled: [], already: [] };
    if (!memo.disabled.some((x) => x.id === w.id)) memo.disabled.push(w);
    memo.already = memo.already.filter((n) => n !== w.name);
    prepared(db, `UPDATE saga_steps SET memo = ? WHERE saga_id = ? AND idx = ?`).run(JSON.stringify(memo), sagaId, step.idx);
    return true;
  }
  return false;
}

/** Runs the steps of a saga that are not done, each committed before and after; a failed step is recorded and the next one runs. */
export async function runGithubSaga(db: Ledger, r: GithubReach, id: number): Promise<SagaRecord> {
  const { clock, sleep } = waiting(r.pinnedNow !== null);
  const now = () => r.pinnedNow ?? toIso(Date.now());
  const lastRelease = () => {
    const row = prepared(db, `SELECT released_by, released_at, release_reason FROM killswitch_engagements WHERE released_at IS NOT NULL ORDER BY released_at DESC, id DESC LIMIT 1`).get() as
      | { released_by: string; released_at: string; release_reason: string }
      | undefined;
    return row ? { by: row.released_by, since: row.released_at, reason: row.release_reason ?? '' } : null;
  };
  const act = githubSteps({
    gh: r.gh,
    env: r.env,
    timeoutMs: r.timeoutMs,
    forceCancelAfterMs: r.settings.forceCancelAfterSeconds * 1000,
    clock,
    sleep,
    value: () => variableValue(activeEngagements(db, now()), lastRelease()),
    progress: r.progress,
  });
  const setStep = (idx: number, fields: Record<string, string | null>) => {
    const keys = Object.keys(fields);
    db.prepare(`UPDATE saga_steps SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE saga_id = ? AND idx = ?`).run(...keys.map((k) => fields[k]), id, idx);
  };
  const audit = (event: string, payload: unknown) => appendAudit(db, { ts: now(), actor: r.actor.name, role: r.actor.role, event, target_id: String(id), payload });
  db.transaction(() => prepared(db, `UPDATE sagas SET state = 'running', error = NULL, finished_at = NULL WHERE id = ?`).run(id)).immediate();
  const saga = getSaga(db, id)!;
  for (const step of saga.steps) {
    if (step.state === 'done' || step.state === 'skipped') continue;
    db.transaction(() => setStep(step.idx, { state: 'running', error: null, started_at: step.started_at ?? now() })).immediate();
    let memo = step.memo;
    try {
      await act(step.name, step.params, (m) => {
        memo = m;
        db.transaction(() => setStep(step.idx, { memo: JSON.stringify(m) })).immediate();
        failpoint('killswitch.github.memo');
      }, step.memo);
      db.transaction(() => {
        setStep(step.idx, { state: 'done', finished_at: now() });
        audit(`${KIND}.step`, { saga: id, step: step.idx + 1, name: step.name, params: step.params, state: 'done', memo });
      }).immediate();
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      r.progress(`GitHub ${stepLabel(step.name, step.params)}: failed: ${message}`);
      db.transaction(() => {
        setStep(step.idx, { state: 'failed', error: message, finished_at: now() });
        audit(`${KIND}.step`, { saga: id, step: step.idx + 1, name: step.name, params: step.params, state: 'failed', memo, error: message });
      }).immediate();
    }
  }
  const after = getSaga(db, id)!;
  const failed = after.steps.filter((s) => s.state === 'failed');
  db.transaction(() => {
    const error = failed.length ? failed.map((s) => `step ${s.idx + 1} (${stepLabel(s.name, s.params)}) failed: ${s.error}`).join('; ') : null;
    prepared(db, `UPDATE sagas SET state = ?, error = ?, finished_at = ? WHERE id = ?`).run(failed.length ? 'failed' : 'completed', error, now(), id);
    const done = getSaga(db, id)!;
    audit(`${KIND}.${failed.length ? 'failed' : 'complete'}`, { id, subject: done.subject, state: done.state, error: done.error, steps: done.steps.map((s) => [s.name, s.state]) });
  }).immediate();
  return getSaga(db, id)!;
}

export interface GithubSummary {
  /** Variable steps done / planned, for the engagements in force. */
  variable: { set: number; of: number; level: string };
  cancelled: number;
  forceCancelled: number;
  disabled: number;
  alreadyDisabled: number;
  failed: { saga: number; step: string; error: string }[];
  /** Steps of sagas not finished that are neither done nor failed: running now, or cut short. */
  unfinished: number;
}

/** The GitHub side of the engagements in force, and every step still failed (engage or release). */
export function githubSummary(db: Ledger, nowIso: string): GithubSummary | null {
  const active = activeEngagements(db, nowIso);
  const sagas = active.map((e) => sagaOf(db, e.id, 'engage')).filter((x): x is number => x !== undefined);
  const open = unfinished(db);
  if (!sagas.length && !open.length) return null;
  const sum: GithubSummary = { variable: { set: 0, of: 0, level: 'repo' }, cancelled: 0, forceCancelled: 0, disabled: 0, alreadyDisabled: 0, failed: [], unfinished: 0 };
  const variables = new Map<string, boolean>();
  for (const id of sagas) {
    for (const s of getSaga(db, id)!.steps) {
      if (s.name === 'variable') {
        const p = s.params as { level: string; target: string };
        sum.variable.level = p.level;
        variables.set(p.target, (variables.get(p.target) ?? false) || s.state === 'done');
      }
      if (s.name === 'cancel-runs') {
        sum.cancelled += (s.memo as CancelMemo | null)?.cancelled.length ?? 0;
        sum.forceCancelled += (s.memo as CancelMemo | null)?.forced.length ?? 0;
      }
      if (s.name === 'disable-schedules') {
        sum.disabled += (s.memo as DisableMemo | null)?.disabled.length ?? 0;
        sum.alreadyDisabled += (s.memo as DisableMemo | null)?.already.length ?? 0;
      }
    }
  }
  sum.variable.of = variables.size;
  sum.variable.set = [...variables.values()].filter(Boolean).length;
  for (const id of open) {
    const steps = getSaga(db, id)!.steps;
    for (const s of steps.filter((x: StepRecord) => x.state === 'failed')) sum.failed.push({ saga: id, step: stepLabel(s.name, s.params), error: s.error ?? '' });
    sum.unfinished += steps.filter((x) => x.state === 'pending' || x.state === 'running').length;
  }
  return sum;
}

/** `GitHub: variable set in 2/2 repos, 5 runs cancelled, 2 schedules disabled; 1 step failed: … (ops killswitch --resume)`. */
export function describeGithub(s: GithubSummary): string {
  const parts: string[] = [];
  if (s.variable.of) parts.push(`variable set in ${s.variable.set}/${s.variable.of} ${s.variable.level === 'org' ? 'orgs' : 'repos'}`);
  parts.push(`${s.cancelled} run${s.cancelled === 1 ? '' : 's'} cancelled${s.forceCancelled ? ` (${s.forceCancelled} force-cancelled)` : ''}`);
  parts.push(`${s.disabled} schedule${s.disabled === 1 ? '' : 's'} disabled${s.alreadyDisabled ? ` (${s.alreadyDisabled} already disabled, left alone)` : ''}`);
  let line = `GitHub: ${parts.join(', ')}`;
  if (s.unfinished) line += `; ${s.unfinished} step${s.unfinished === 1 ? '' : 's'} not finished (running now, or cut short: ops killswitch --resume)`;
  if (s.failed.length) line += `; ${s.failed.length} step${s.failed.length === 1 ? '' : 's'} failed: ${s.failed.map((f) => `${f.step}: ${f.error}`).join('; ')} (ops killswitch --resume)`;
  return line;
}
