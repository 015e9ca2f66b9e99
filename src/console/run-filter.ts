import type { Ledger } from '../ledger/open';
import { rowToRun } from '../runs/store';
import { runConclusions, runKeys, type Run } from '../runs/types';
import type { MatchCount, RunQuery } from '../../views/source';

/**
 * The console's runs filter (`/`) as windowed SQL over the latest-attempt indexes. Every
 * text matches when the field contains it, ignoring case. Workflow and conclusion texts are
 * first resolved to the exact names they match (the ledger's workflows, read by a loose
 * index scan: one seek per workflow; GitHub's conclusions), so those filters are index range
 * scans in time order (runs_by_workflow, runs_by_conclusion) over the whole ledger. Branch
 * texts and bare words (workflow or branch) have no index: they are checked row by row, so
 * they search only the latest SCAN_CAP runs (a sort_at floor on the same scan), which bounds
 * a query that matches little or nothing to ~50 ms on a million runs instead of ~500 ms.
 */

/** How many of the latest runs a filter without an index (branch, bare words) searches, by default. */
export const SCAN_CAP = 100_000;

const columns = runKeys.join(', ');

interface Plan {
  where: string[];
  params: unknown[];
  /** Nothing can match (a workflow or conclusion text that names none). */
  none: boolean;
  /** Only the latest SCAN_CAP runs are searched. */
  capped: boolean;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const contains = (text: string, part: string) => text.toLowerCase().includes(part.toLowerCase());

export function runFilter(db: Ledger, scanCap = SCAN_CAP) {
  const nextWorkflow = db.prepare<[string], string | null>('SELECT MIN(workflow) FROM run_attempts WHERE is_latest = 1 AND workflow > ?').pluck();
  const floorOf = db.prepare<[number], string>('SELECT sort_at FROM run_attempts WHERE is_latest = 1 ORDER BY sort_at DESC, run_id DESC LIMIT 1 OFFSET ?').pluck();
  const changes = db.prepare<[], number>('SELECT total_changes()').pluck();
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

  // Both read once per change of the ledger (ours or another process's), not per keystroke.
  let cachedAt = '';
  let workflows: string[] = [];
  let floor: string | undefined;
  const refresh = () => {
    const at = `${dataVersion.get()}:${changes.get()}`;
    if (at === cachedAt) return;
    workflows = [];
    for (let w = nextWorkflow.get(''); w !== null && w !== undefined; w = nextWorkflow.get(w)) workflows.push(w);
    floor = floorOf.get(scanCap - 1);
    cachedAt = at;
  };

  const plan = (q: RunQuery): Plan => {
    refresh();
    const where = ['is_latest = 1'];
    const params: unknown[] = [];
    let none = false;
    let capped = false;
    const inList = (column: string, values: readonly string[]) => {
      if (values.length === 0) none = true;
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (q.workflow.length) inList('workflow', workflows.filter((w) => q.workflow.every((t) => contains(w, t))));
    if (q.conclusion.length) inList('conclusion', runConclusions.filter((c) => q.conclusion.every((t) => contains(c, t))));
    for (const b of q.branch) {
      where.push(`branch LIKE ? ESCAPE '\\'`);
      params.push(`%${escapeLike(b)}%`);
      capped = true;
    }
    for (const word of q.words) {
      const named = workflows.filter((w) => contains(w, word));
      where.push(`(${named.length ? `workflow IN (${named.map(() => '?').join(', ')}) OR ` : ''}branch LIKE ? ESCAPE '\\')`);
      params.push(...named, `%${escapeLike(word)}%`);
      capped = true;
    }
    // Fewer runs than the cap: the whole ledger is searched anyway.
    if (capped && floor !== undefined) {
      where.push('sort_at >= ?');
      params.push(floor);
    } else capped = false;
    return { where, params, none, capped };
  };

  return {
    /** The matching runs' window, latest first. */
    runs(q: RunQuery, limit: number, offset: number): Run[] {
      const p = plan(q);
      if (p.none) return [];
      return (
        db
          .prepare(`SELECT ${columns} FROM run_attempts WHERE ${p.where.join(' AND ')} ORDER BY sort_at DESC, run_id DESC LIMIT ? OFFSET ?`)
          .all(...p.params, limit, offset) as Parameters<typeof rowToRun>[0][]
      ).map(rowToRun);
    },
    /** Matches counted no further than `cap`. */
    count(q: RunQuery, cap: number): MatchCount {
      const p = plan(q);
      const searched = p.capped ? scanCap : null;
      if (p.none) return { count: 0, more: false, searched };
      const n = db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM run_attempts WHERE ${p.where.join(' AND ')} LIMIT ?)`).pluck().get(...p.params, cap + 1) as number;
      return { count: Math.min(n, cap), more: n > cap, searched };
    },
  };
}
