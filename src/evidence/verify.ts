import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { RunsSummary } from './summary';

export interface VerifyProblem {
  date: string;
  file: string;
  problem: string;
}

export interface EvidenceVerifyResult {
  dates: string[];
  checked: number;
  problems: VerifyProblem[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `ops evidence verify`: every collected artifact of RUNS_SUMMARY.json is on disk with the
 * recorded sha256 (SPEC §3). Dates: the one given, else every date folder with a summary.
 */
export function verifyEvidence(reportsDir: string, date?: string): EvidenceVerifyResult {
  const dates = date ? [date] : existsSync(reportsDir) ? readdirSync(reportsDir).filter((d) => DATE.test(d)).sort() : [];
  const result: EvidenceVerifyResult = { dates: [], checked: 0, problems: [] };
  for (const d of dates) {
    const summaryPath = join(reportsDir, d, 'RUNS_SUMMARY.json');
    if (!existsSync(summaryPath)) {
      if (date) result.problems.push({ date: d, file: `${d}/RUNS_SUMMARY.json`, problem: 'missing' });
      continue;
    }
    result.dates.push(d);
    let summary: RunsSummary;
    try {
      summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunsSummary;
    } catch (err) {
      result.problems.push({ date: d, file: `${d}/RUNS_SUMMARY.json`, problem: `unreadable: ${(err as Error).message}` });
      continue;
    }
    for (const run of summary.runs ?? []) {
      for (const a of run.artifacts ?? []) {
        if (a.status !== 'collected' || !a.path || !a.sha256) continue;
        result.checked++;
        const abs = resolve(reportsDir, a.path);
        if (!abs.startsWith(resolve(reportsDir) + sep)) {
          result.problems.push({ date: d, file: a.path, problem: 'path points outside the reports root' });
        } else if (!existsSync(abs)) {
          result.problems.push({ date: d, file: a.path, problem: 'missing' });
        } else {
          const actual = createHash('sha256').update(readFileSync(abs)).digest('hex');
          if (actual !== a.sha256) result.problems.push({ date: d, file: a.path, problem: `sha256 mismatch: recorded ${a.sha256.slice(0, 12)}…, on disk ${actual.slice(0, 12)}…` });
        }
      }
    }
  }
  return result;
}
