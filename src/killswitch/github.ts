// execa is loaded when gh is called: `ops killswitch status` reads the GitHub side's
// record without it (start-up cost).
import { ApiError, ghApi, type ApiClient, type ApiResponse } from '../github/api';
import { GLOBAL, sameWorkflow, type Engagement } from './state';

/**
 * The killswitch's reach into GitHub (issue 21 part 2), as saga steps: each step acts on one
 * repository (or organisation), is repeatable (a resumed step does again what is left) and
 * leaves in its memo what it did, committed before it acts, so release can undo exactly
 * that and status can report it.
 */

export const VARIABLE = 'OPS_KILLSWITCH';

export interface GithubSettings {
  variable: boolean;
  cancelRuns: boolean;
  disableSchedules: boolean;
  variableLevel: 'repo' | 'org';
  forceCancelAfterSeconds: number;
}

export type StepName = 'variable' | 'cancel-runs' | 'disable-schedules' | 'enable-schedules';

export interface PlannedStep {
  name: StepName;
  params: StepParams;
}

export type StepParams =
  | { level: 'repo' | 'org'; target: string } // variable
  | { repo: string; scope: string } // cancel-runs, disable-schedules
  | { repo: string; workflows: { id: number; name: string }[] }; // enable-schedules

export interface CancelMemo {
  cancelled: number[];
  forced: number[];
}
export interface DisableMemo {
  planned: { id: number; name: string }[];
  disabled: { id: number; name: string }[];
  already: string[];
}
export interface EnableMemo {
  enabled: number[];
}

/** The steps of an engagement's GitHub side, in the order they run: stop new runs first, then the running ones. */
export function engageSteps(repos: readonly string[], scope: string, s: GithubSettings): PlannedStep[] {
  const steps: PlannedStep[] = [];
  if (s.variable) steps.push(...variableTargets(repos, s.variableLevel).map((p) => ({ name: 'variable' as const, params: p })));
  if (s.cancelRuns) for (const repo of repos) steps.push({ name: 'cancel-runs', params: { repo, scope } });
  if (s.disableSchedules) for (const repo of repos) steps.push({ name: 'disable-schedules', params: { repo, scope } });
  return steps;
}

export function variableTargets(repos: readonly string[], level: 'repo' | 'org'): { level: 'repo' | 'org'; target: string }[] {
  const targets = level === 'org' ? [...new Set(repos.map((r) => r.split('/')[0]!))] : [...repos];
  return targets.map((target) => ({ level, target }));
}

/** One line per step for progress and errors: `acme/api: cancel runs`. */
export function stepLabel(name: string, params: unknown): string {
  const p = params as { repo?: string; target?: string; level?: string };
  const where = p.repo ?? (p.level === 'org' ? `org ${p.target}` : p.target);
  const what = { variable: `variable ${VARIABLE}`, 'cancel-runs': 'cancel runs', 'disable-schedules': 'disable schedules', 'enable-schedules': 're-enable schedules' }[name] ?? name;
  return `${where}: ${what}`;
}

/**
 * The variable's value for the engagements in force: one object for one engagement (the
 * shape guard has always read), a JSON array of them for several (guard reads either), and
 * `{"engaged":false,…}` once none is left, naming who released it and when.
 */
export function variableValue(active: readonly Engagement[], lastRelease: { by: string; since: string; reason: string } | null): string {
  const one = (e: Engagement) => ({ engaged: true, scope: e.scope, reason: e.reason, by: e.actor, since: e.engaged_at, expires_at: e.expires_at });
  if (!active.length) return JSON.stringify({ engaged: false, scope: GLOBAL, reason: lastRelease?.reason ?? '', by: lastRelease?.by ?? '', since: lastRelease?.since ?? '', expires_at: null });
  // The broadest first: a reader that looks at one element sees "*" when it is there.
  const sorted = [...active].sort((a, b) => Number(b.scope === GLOBAL) - Number(a.scope === GLOBAL) || a.id - b.id);
  return JSON.stringify(sorted.length === 1 ? one(sorted[0]!) : sorted.map(one));
}

export interface GithubDeps {
  gh: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  forceCancelAfterMs: number;
  /** Epoch ms; virtual (advanced by sleep) when OPS_NOW pins the clock, so tests never wait. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The variable's value now (from the ledger, at the moment the step runs). */
  value: () => string;
  progress: (line: string) => void;
}

/** A clock and sleep: real, or, with OPS_NOW pinned, virtual (a wait only moves the clock). */
export function waiting(pinned: boolean): { clock: () => number; sleep: (ms: number) => Promise<void> } {
  if (!pinned) return { clock: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  let t = Date.now();
  return {
    clock: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
}

const POLL_MS = 5_000;
const AFTER_FORCE_MS = 30_000;

export function githubSteps(d: GithubDeps) {
  let api: ApiClient | undefined;
  const client = () =>
    (api ??= ghApi({ gh: d.gh, env: d.env, timeoutMs: d.timeoutMs, clock: d.clock, sleep: d.sleep, onWait: (t) => d.progress(`GitHub: ${t}`), maxWaitMs: 5 * 60_000 }));
  const ok = (r: ApiResponse, what: string, allowed: number[] = []) => {
    if ((r.status >= 200 && r.status < 300) || allowed.includes(r.status)) return r;
    let message = '';
    try {
      message = (JSON.parse(r.body.toString('utf8')) as { message?: string }).message ?? '';
    } catch {
      /* not JSON */
    }
    throw new Error(`${what}: HTTP ${r.status}${message ? ` ${message}` : ''}`);
  };
  const json = <T>(r: ApiResponse): T => JSON.parse(r.body.toString('utf8')) as T;
  const gh = async (args: string[]) => {
    const { execa } = await import('execa');
    const r = await execa(d.gh, args, { env: { ...d.env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, extendEnv: false, timeout: d.timeoutMs, reject: false, stdin: 'ignore' });
    if ((r as { code?: string }).code === 'ENOENT') throw new Error(`cannot run ${JSON.stringify(d.gh)}: not found (set OPS_GH or config.json gh)`);
    if (r.timedOut) throw new Error(`gh ${args.slice(0, 2).join(' ')} gave no answer within ${Math.round(d.timeoutMs / 1000)} s`);
    if (r.exitCode !== 0) throw new Error(`gh ${args.slice(0, 3).join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim().split('\n')[0] || 'no message'}`);
    return String(r.stdout);
  };
  const inScope = (name: string, scope: string) => scope === GLOBAL || sameWorkflow(name, scope);

  const variable = async (p: { level: 'repo' | 'org'; target: string }) => {
    const where = p.level === 'org' ? ['--org', p.target, '--visibility', 'all'] : ['--repo', p.target];
    const value = d.value();
    await gh(['variable', 'set', VARIABLE, '--body', value, ...where]);
    const back = (await gh(['variable', 'get', VARIABLE, ...where.slice(0, 2)])).trim();
    if (back !== value) throw new Error(`variable ${VARIABLE} read back ${JSON.stringify(back.slice(0, 80))}, not what was set`);
    d.progress(`GitHub ${p.level === 'org' ? `org ${p.target}` : p.target}: variable ${VARIABLE} set (${JSON.parse(value).engaged === false ? 'not engaged' : 'engaged'}), read back`);
  };

  const cancelRuns = async (p: { repo: string; scope: string }, remember: (m: CancelMemo) => void, prior: CancelMemo | null) => {
    const memo: CancelMemo = { cancelled: [...(prior?.cancelled ?? [])], forced: [...(prior?.forced ?? [])] };
    const runs: { id: number; name: string }[] = [];
    for (const status of ['in_progress', 'queued']) {
      const r = ok(await client().get(`/repos/${p.repo}/actions/runs?status=${status}&per_page=100`), `list ${status} runs`);
      for (const run of json<{ workflow_runs: { id: number; name: string }[] }>(r).workflow_runs) if (inScope(run.name, p.scope)) runs.push(run);
    }
    const pending = new Set<number>();
    for (const run of runs) {
      const r = ok(await client().request('POST', `/repos/${p.repo}/actions/runs/${run.id}/cancel`), `cancel run ${run.id}`, [409]);
      if (r.status !== 409) pending.add(run.id);
      if (!memo.cancelled.includes(run.id)) memo.cancelled.push(run.id);
      remember(memo);
    }
    // Verify: every run cancelled is no longer in progress; one that ignores cancel for
    // forceCancelAfterSeconds is force-cancelled, and must stop within 30 s after that.
    const start = d.clock();
    let forced = false;
    for (;;) {
      for (const id of [...pending]) {
        const run = json<{ status: string }>(ok(await client().get(`/repos/${p.repo}/actions/runs/${id}`), `read run ${id}`));
        if (run.status === 'completed') pending.delete(id);
      }
      if (!pending.size) break;
      const waited = d.clock() - start;
      if (!forced && waited >= d.forceCancelAfterMs) {
        for (const id of pending) {
          ok(await client().request('POST', `/repos/${p.repo}/actions/runs/${id}/force-cancel`), `force-cancel run ${id}`, [409]);
          if (!memo.forced.includes(id)) memo.forced.push(id);
        }
        remember(memo);
        forced = true;
        d.progress(`GitHub ${p.repo}: ${pending.size} run${pending.size === 1 ? '' : 's'} still running after ${Math.round(waited / 1000)} s: force-cancelled`);
        continue;
      }
      if (forced && waited >= d.forceCancelAfterMs + AFTER_FORCE_MS) throw new Error(`runs still in progress after force-cancel: ${[...pending].join(', ')}`);
      await d.sleep(POLL_MS);
    }
    d.progress(`GitHub ${p.repo}: ${runs.length} run${runs.length === 1 ? '' : 's'} in scope cancelled${memo.forced.length ? ` (${memo.forced.length} force-cancelled)` : ''}, none in progress`);
  };

  const listWorkflows = async (repo: string) =>
    json<{ workflows: { id: number; name: string; path: string; state: string }[] }>(ok(await client().get(`/repos/${repo}/actions/workflows?per_page=100`), 'list workflows')).workflows;

  const hasSchedule = async (repo: string, path: string) => {
    const r = json<{ content?: string; encoding?: string }>(ok(await client().get(`/repos/${repo}/contents/${path.split('/').map(encodeURIComponent).join('/')}`), `read ${path}`));
    const text = r.encoding === 'base64' ? Buffer.from(r.content ?? '', 'base64').toString('utf8') : (r.content ?? '');
    return /^\s*(-\s*)?schedule\s*:|\bon\s*:\s*\[[^\]]*\bschedule\b/m.test(text);
  };

  const disableSchedules = async (p: { repo: string; scope: string }, remember: (m: DisableMemo) => void, prior: DisableMemo | null) => {
    const memo: DisableMemo = { planned: [...(prior?.planned ?? [])], disabled: [...(prior?.disabled ?? [])], already: [...(prior?.already ?? [])] };
    const mine = new Set(memo.disabled.map((w) => w.id));
    for (const w of await listWorkflows(p.repo)) {
      if (!inScope(w.name, p.scope) || mine.has(w.id)) continue;
      if (!(await hasSchedule(p.repo, w.path))) continue;
      if (w.state !== 'active') {
        // Disabled by someone else: not touched, so release leaves it disabled.
        if (!memo.already.includes(w.name)) memo.already.push(w.name);
        continue;
      }
      if (!memo.planned.some((x) => x.id === w.id)) memo.planned.push({ id: w.id, name: w.name });
    }
    remember(memo);
    for (const w of memo.planned) {
      if (mine.has(w.id)) continue;
      ok(await client().request('PUT', `/repos/${p.repo}/actions/workflows/${w.id}/disable`), `disable workflow ${w.name}`);
      memo.disabled.push(w);
      mine.add(w.id);
      remember(memo);
    }
    const now = new Map((await listWorkflows(p.repo)).map((w) => [w.id, w.state]));
    const still = memo.disabled.filter((w) => now.get(w.id) === 'active');
    if (still.length) throw new Error(`workflows still enabled after disable: ${still.map((w) => w.name).join(', ')}`);
    d.progress(
      `GitHub ${p.repo}: ${memo.disabled.length} scheduled workflow${memo.disabled.length === 1 ? '' : 's'} disabled${memo.disabled.length ? ` (${memo.disabled.map((w) => w.name).join(', ')})` : ''}${memo.already.length ? `; already disabled, left alone: ${memo.already.join(', ')}` : ''}`,
    );
  };

  const enableSchedules = async (p: { repo: string; workflows: { id: number; name: string }[] }, remember: (m: EnableMemo) => void, prior: EnableMemo | null) => {
    const memo: EnableMemo = { enabled: [...(prior?.enabled ?? [])] };
    for (const w of p.workflows) {
      if (memo.enabled.includes(w.id)) continue;
      ok(await client().request('PUT', `/repos/${p.repo}/actions/workflows/${w.id}/enable`), `enable workflow ${w.name}`);
      memo.enabled.push(w.id);
      remember(memo);
    }
    d.progress(`GitHub ${p.repo}: ${p.workflows.length} scheduled workflow${p.workflows.length === 1 ? '' : 's'} re-enabled${p.workflows.length ? ` (${p.workflows.map((w) => w.name).join(', ')})` : ''}`);
  };

  return async (name: string, params: unknown, remember: (memo: unknown) => void, memo: unknown): Promise<void> => {
    try {
      if (name === 'variable') return await variable(params as { level: 'repo' | 'org'; target: string });
      if (name === 'cancel-runs') return await cancelRuns(params as { repo: string; scope: string }, remember, memo as CancelMemo | null);
      if (name === 'disable-schedules') return await disableSchedules(params as { repo: string; scope: string }, remember, memo as DisableMemo | null);
      if (name === 'enable-schedules') return await enableSchedules(params as { repo: string; workflows: { id: number; name: string }[] }, remember, memo as EnableMemo | null);
      throw new Error(`unknown step ${name}`);
    } catch (err) {
      if (err instanceof ApiError) throw new Error(err.message);
      throw err;
    }
  };
}
