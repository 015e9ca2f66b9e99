import type { Ledger } from '../ledger/open';
import { countAllRuns, countRuns, listRuns } from '../ledger/runs';
import { toIso } from '../time/clock';
import { failedConclusions } from '../runs/types';
import type { ConsoleSource, RunTally } from '../../views/source';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The console's view of a ledger. Every read is an index range scan bounded by what is on
 * screen (listRuns with limit = visible rows), so the console stays responsive however
 * many runs the ledger holds.
 */
export function ledgerSource(db: Ledger): ConsoleSource {
  // PRAGMA data_version changes only when *another* connection commits, which is exactly
  // "someone else wrote": a poll costs one integer read, no table access.
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  return {
    latestRuns: (limit, offset) => listRuns(db, { limit, offset }),
    totalRuns: () => countAllRuns(db),
    counts24h: (now) => {
      // Whole seconds: stored times are second-precision ISO text, compared as strings, and
      // "…00.500Z" sorts before "…00Z".
      const s = Math.floor(now / 1000) * 1000;
      return tally(countRuns(db, toIso(s - DAY_MS), toIso(s + 1000)));
    },
    dataVersion: () => dataVersion.get() as number,
  };
}

function tally(counts: ReturnType<typeof countRuns>): RunTally {
  const active = (counts.by_status.queued ?? 0) + (counts.by_status.in_progress ?? 0);
  const success = counts.by_conclusion.success ?? 0;
  let failed = 0;
  for (const [conclusion, n] of Object.entries(counts.by_conclusion)) if (failedConclusions.has(conclusion)) failed += n;
  return { total: counts.total, success, failed, active, other: counts.total - active - success - failed };
}
