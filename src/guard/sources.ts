import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEngagement, GLOBAL, isActive, sameWorkflow, type Engagement } from '../killswitch/state';
import { parseIsoTime } from '../time/clock';

/**
 * Where `ops guard` finds the killswitch besides the ledger (issue 21 part 3): on a
 * GitHub-hosted runner there is no ledger, so the engagement travels as the Actions
 * variable `OPS_KILLSWITCH`, one JSON line:
 *
 *   {"engaged":true,"scope":"*"|"<workflow>","reason":"…","by":"…","since":"<ISO>","expires_at":null|"<ISO>"}
 *
 * or, when several engagements are in force (ops killswitch writes that), a JSON array of
 * such objects; `{"engaged":false,…}` once released.
 *
 * read from the environment (a workflow passes `${{ vars.OPS_KILLSWITCH }}`), else with
 * `gh variable get OPS_KILLSWITCH`. No zod here: guard runs before every job and must cost
 * little more than starting node.
 */

export const VARIABLE = 'OPS_KILLSWITCH';

/** One source the guard consulted, as `--json` reports it. */
export interface SourceReport {
  kind: 'ledger' | 'env' | 'gh' | 'server';
  /** The ledger's path, `OPS_KILLSWITCH`, `gh variable get OPS_KILLSWITCH --repo R` / `--org O`, or `ops serve <URL>`. */
  name: string;
  /** engaged for this workflow / not / unreadable (blocks). */
  state: 'engaged' | 'not-engaged' | 'unreadable';
}

export type VariableVerdict =
  | { state: 'engaged'; reason: string }
  | { state: 'not-engaged' }
  /** Not JSON, or not the shape: an emergency signal that cannot be read blocks. */
  | { state: 'unreadable'; reason: string };

/** Reads one value of the variable (env or gh) for `workflow` at `nowIso`. `where` names it in messages. */
export function readVariable(raw: string, where: string, workflow: string | undefined, nowIso: string): VariableVerdict {
  const unreadable = (what: string): VariableVerdict => ({
    state: 'unreadable',
    reason: `${where}: ${what}; a killswitch that cannot be read blocks every workflow: fix the variable or clear it`,
  });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return unreadable(`not valid JSON (${(err as Error).message})`);
  }
  if (Array.isArray(value)) {
    // Several engagements (ops killswitch writes an array when more than one is in force):
    // any unreadable element blocks, else the first that covers the workflow decides.
    let engaged: VariableVerdict | undefined;
    for (const [i, item] of value.entries()) {
      const verdict = readOne(item, `${where}[${i}]`, workflow, nowIso);
      if (verdict.state === 'unreadable') return verdict;
      if (verdict.state === 'engaged') engaged ??= verdict;
    }
    return engaged ?? { state: 'not-engaged' };
  }
  return readOne(value, where, workflow, nowIso);
}

function readOne(value: unknown, where: string, workflow: string | undefined, nowIso: string): VariableVerdict {
  const unreadable = (what: string): VariableVerdict => ({
    state: 'unreadable',
    reason: `${where}: ${what}; a killswitch that cannot be read blocks every workflow: fix the variable or clear it`,
  });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return unreadable('expected a JSON object {"engaged":…,"scope":…} or an array of them');
  const v = value as Record<string, unknown>;
  if (typeof v.engaged !== 'boolean') return unreadable(`engaged: expected true or false, got ${JSON.stringify(v.engaged) ?? 'nothing'}`);
  if (!v.engaged) return { state: 'not-engaged' };
  const problems: string[] = [];
  const text = (k: string) => {
    if (typeof v[k] !== 'string' || (k === 'scope' && v[k] === '')) problems.push(`${k}: expected ${k === 'scope' ? '"*" or a workflow name' : 'a string'}, got ${JSON.stringify(v[k]) ?? 'nothing'}`);
  };
  text('scope');
  text('reason');
  text('by');
  if (typeof v.since !== 'string' || parseIsoTime(v.since) === null) problems.push(`since: expected an ISO-8601 time with a zone, got ${JSON.stringify(v.since) ?? 'nothing'}`);
  if (v.expires_at !== undefined && v.expires_at !== null && (typeof v.expires_at !== 'string' || parseIsoTime(v.expires_at) === null)) {
    problems.push(`expires_at: expected null or an ISO-8601 time with a zone, got ${JSON.stringify(v.expires_at)}`);
  }
  if (problems.length) return unreadable(problems.join(', '));
  const e: Engagement = {
    id: 0,
    scope: v.scope as string,
    reason: v.reason as string,
    actor: v.by as string,
    engaged_at: v.since as string,
    expires_at: (v.expires_at as string | null | undefined) ?? null,
    released_at: null,
    released_by: null,
    release_reason: null,
    release_kind: null,
  };
  if (!isActive(e, nowIso)) return { state: 'not-engaged' }; // expired
  const covers = e.scope === GLOBAL || (workflow !== undefined && sameWorkflow(e.scope, workflow));
  return covers ? { state: 'engaged', reason: `${describeEngagement(e)} (${where})` } : { state: 'not-engaged' };
}

export interface GhLookup {
  /** What answered, or null when gh could not be asked (not installed, not authenticated, timed out). */
  source: SourceReport | null;
  verdict: VariableVerdict | null;
  /** Why gh gave no answer (a warning). */
  problem: string | null;
}

/** The gh binary: OPS_GH, else `.ops/config.json gh` read raw (no zod: a broken file means `gh`), else `gh`. */
export function ghBinary(env: NodeJS.ProcessEnv, workspace: string): string {
  if (env.OPS_GH) return env.OPS_GH;
  try {
    const gh = (JSON.parse(readFileSync(join(workspace, '.ops', 'config.json'), 'utf8')) as { gh?: unknown }).gh;
    if (typeof gh === 'string' && gh) return gh;
  } catch {
    /* no file or not JSON: the default */
  }
  return 'gh';
}

const GH_TIMEOUT_MS = 5_000;

interface GhResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

function runGh(gh: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<GhResult> {
  return new Promise((resolve) => {
    execFile(gh, args, { env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
      if (e.code === 'ENOENT') return resolve({ code: null, stdout, stderr, error: `cannot run ${JSON.stringify(gh)}: not found` });
      if (e.killed || e.signal) return resolve({ code: null, stdout, stderr, error: `no answer within ${timeoutMs / 1000} s` });
      resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr });
    });
  });
}

const firstLine = (s: string) => s.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
const notFound = (r: GhResult) => r.code !== 0 && r.code !== null && /not found|HTTP 404/i.test(r.stderr);

/**
 * `gh variable get OPS_KILLSWITCH`, for the repository in GITHUB_REPOSITORY (else the one gh
 * infers from the checkout), then its organisation when the repository has none. A variable
 * that is not set anywhere is an answer (not engaged); gh missing, unauthenticated or slow
 * is no answer.
 */
export async function lookUpWithGh(env: NodeJS.ProcessEnv, workspace: string, workflow: string | undefined, nowIso: string, timeoutMs = GH_TIMEOUT_MS): Promise<GhLookup> {
  const gh = ghBinary(env, workspace);
  const repo = env.GITHUB_REPOSITORY && /^[\w.-]+\/[\w.-]+$/.test(env.GITHUB_REPOSITORY) ? env.GITHUB_REPOSITORY : undefined;
  const places: string[][] = [repo ? ['--repo', repo] : []];
  if (repo) places.push(['--org', repo.split('/')[0]!]);
  let answered: SourceReport | null = null;
  for (const place of places) {
    const args = ['variable', 'get', VARIABLE, ...place];
    const name = `gh ${args.join(' ')}`;
    const r = await runGh(gh, args, env, timeoutMs);
    if (r.code === 0) {
      const raw = r.stdout.trim();
      const verdict: VariableVerdict = raw ? readVariable(raw, name, workflow, nowIso) : { state: 'not-engaged' };
      return { source: { kind: 'gh', name, state: verdict.state }, verdict, problem: null };
    }
    if (notFound(r)) {
      answered ??= { kind: 'gh', name, state: 'not-engaged' };
      continue;
    }
    // The repository said "not set"; the organisation could not be asked (a workflow's token
    // usually cannot read organisation variables): the repository's answer stands.
    if (answered) break;
    const why = r.error ?? (firstLine(r.stderr) || `exit ${r.code}`);
    return { source: null, verdict: null, problem: `${name}: ${why}` };
  }
  return { source: answered, verdict: { state: 'not-engaged' }, problem: null };
}
