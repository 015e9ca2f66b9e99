import type Database from 'better-sqlite3';
import { sameWorkflow } from '../killswitch/state';
import { usageError } from '../cli/errors';
import { editDistance } from '../base/edit-distance';

/**
 * Workflow names as users type them: matched case-insensitively against the names the
 * ledger has seen (`deploy` is the `Deploy` workflow), with a did-you-mean for typos.
 */

/**
 * Every workflow name of the ledger's runs, sorted: a skip-scan of runs_by_workflow (one
 * index probe per name), not a DISTINCT over every run.
 */
export function knownWorkflows(db: Database.Database): string[] {
  const first = db.prepare('SELECT MIN(workflow) FROM run_attempts WHERE is_latest = 1').pluck();
  const next = db.prepare('SELECT MIN(workflow) FROM run_attempts WHERE is_latest = 1 AND workflow > ?').pluck();
  const names: string[] = [];
  for (let w = first.get() as string | null; w !== null && names.length < 100_000; w = next.get(w) as string | null) names.push(w);
  return names;
}

/** The ledger's spelling of a typed name: the exact one if known, else the first that differs only in case. */
export function matchWorkflow(known: readonly string[], typed: string): string | undefined {
  return known.find((k) => k === typed) ?? known.find((k) => sameWorkflow(k, typed));
}

/**
 * A `--workflow` filter: the ledger's spelling of the typed name. An unknown name still
 * filters (the workflow may not have run yet, and a script's empty listing is not an
 * error) but comes with `unknown`, a did-you-mean for the user, so `Deplyo` is not read as
 * "no runs".
 */
export function workflowFilter(db: Database.Database, typed: string): { workflow: string; unknown?: string } {
  const known = knownWorkflows(db);
  const match = matchWorkflow(known, typed);
  if (match !== undefined) return { workflow: match };
  const near = closestWorkflows(known, typed);
  const hint = near.length ? `; did you mean ${near.map((k) => JSON.stringify(k)).join(', ')}?` : ' (no runs recorded yet)';
  return { workflow: typed, unknown: `--workflow: no workflow ${JSON.stringify(typed)} in the ledger${hint}` };
}

/** Up to `n` known names closest to `typed` (edit distance, case ignored), closest first. */
export function closestWorkflows(known: readonly string[], typed: string, n = 3): string[] {
  const t = typed.toLowerCase();
  return known
    .map((k) => ({ k, d: editDistance(k.toLowerCase(), t) }))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, n)
    .map((x) => x.k);
}

/**
 * A `--scope` the user typed, checked: the known workflow's spelling when the ledger has
 * seen it; else exit 2 with the closest names, unless `force` (a workflow that has not run
 * yet). `extra` are names that count as known besides the runs' (e.g. engaged scopes).
 */
export function checkedScope(db: Database.Database, typed: string, force: boolean, extra: readonly string[] = []): string {
  const known = [...new Set([...knownWorkflows(db), ...extra])];
  const match = matchWorkflow(known, typed);
  if (match !== undefined) return match;
  if (force) return typed;
  if (!known.length) {
    throw usageError('--scope', `the ledger knows no workflows yet (no runs recorded), so ${JSON.stringify(typed)} cannot be checked; --force to use it anyway`);
  }
  const near = closestWorkflows(known, typed);
  throw usageError('--scope', `no workflow ${JSON.stringify(typed)} in the ledger; did you mean ${near.map((k) => JSON.stringify(k)).join(', ')}? (--force to use it anyway)`);
}
