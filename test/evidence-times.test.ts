import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opsProcess, tempDir } from './helpers';

/** The GitHub Actions environment of run `runId`, attempt `attempt`, at `now`. */
const ciEnv = (runId: string, attempt: number, now: string): NodeJS.ProcessEnv => ({
  OPS_NOW: now,
  GITHUB_ACTIONS: 'true',
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: String(attempt),
  GITHUB_WORKFLOW: 'CI',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_JOB: 'test',
});

function collect(ws: string, runId: string, attempt: number, now: string, conclusion?: string) {
  const r = opsProcess(['evidence', 'collect', '--workspace', ws, ...(conclusion ? ['--conclusion', conclusion] : [])], { cwd: ws, env: ciEnv(runId, attempt, now) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

const show = (ws: string, runId: string) => JSON.parse(opsProcess(['runs', 'show', runId, '--workspace', ws, '--json']).stdout);
const summaryRuns = (ws: string) => JSON.parse(readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json'), 'utf8')).runs;
const times = (r: { started_at: string | null; completed_at: string | null; duration_ms: number | null }) => ({ started_at: r.started_at, completed_at: r.completed_at, duration_ms: r.duration_ms });

describe('times of runs collected inside CI', () => {
  it('the first collect is the start, the collect with --conclusion the end; GitHub’s times from an import win, and a later collect keeps them', () => {
    const ws = tempDir();
    expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
    const T1 = '2025-11-14T00:00:00Z';
    const T2 = '2025-11-14T00:07:30Z';
    collect(ws, '7001', 1, T1);
    expect(times(show(ws, '7001'))).toEqual({ started_at: T1, completed_at: null, duration_ms: null });
    collect(ws, '7001', 1, T2, 'failure');
    const ended = { started_at: T1, completed_at: T2, duration_ms: 450_000 };
    expect(times(show(ws, '7001'))).toEqual(ended);
    expect(times(summaryRuns(ws)[0])).toEqual(ended);
    // A re-run (attempt 2) that succeeds: its own start and end, and a recovery to measure.
    collect(ws, '7001', 2, '2025-11-14T00:20:00Z');
    collect(ws, '7001', 2, '2025-11-14T00:25:00Z', 'success');
    expect(times(show(ws, '7001'))).toEqual({ started_at: '2025-11-14T00:20:00Z', completed_at: '2025-11-14T00:25:00Z', duration_ms: 300_000 });
    // `runs list` shows DURATION and AGE (not `-`), from the same started_at and duration_ms the console reads.
    const list = opsProcess(['runs', 'list', '--workspace', ws], { env: { OPS_NOW: '2025-11-14T01:00:00Z' } });
    expect(list.stdout).toMatch(/^7001 .* 5m00s  40m/m);

    const kpi = JSON.parse(opsProcess(['kpi', '--workspace', ws, '--json'], { env: { OPS_NOW: '2025-11-14T01:00:00Z' } }).stdout);
    expect(kpi.duration_ms.mean).toBe(300_000);
    // From the failed attempt's end (T2) to the successful attempt's end.
    expect(kpi.mttr_ms).toBe(17.5 * 60_000);

    // gh knows when the job really ran: its times replace what the collects saw.
    const gh = join(ws, 'runs.json');
    const record = (attempt: number, startedAt: string, updatedAt: string, conclusion: string) => ({
      databaseId: 7001, attempt, workflowName: 'CI', status: 'completed', conclusion, headBranch: 'main', event: 'push',
      createdAt: '2025-11-13T23:58:00Z', startedAt, updatedAt, url: 'https://github.com/acme/api/actions/runs/7001',
    });
    writeFileSync(gh, JSON.stringify([record(1, '2025-11-13T23:58:10Z', '2025-11-14T00:07:45Z', 'failure'), record(2, '2025-11-14T00:19:40Z', '2025-11-14T00:25:20Z', 'success')]));
    const imported = opsProcess(['runs', 'import', gh, '--repo', 'acme/api', '--workspace', ws]);
    expect(imported.code).toBe(0);
    const github = { started_at: '2025-11-14T00:19:40Z', completed_at: '2025-11-14T00:25:20Z', duration_ms: 340_000 };
    expect(times(show(ws, '7001'))).toEqual(github);
    expect(times(show(ws, '7001').attempts[0])).toEqual({ started_at: '2025-11-13T23:58:10Z', completed_at: '2025-11-14T00:07:45Z', duration_ms: 575_000 });

    // A collect after that (the job's last step runs again) does not overwrite GitHub's times.
    collect(ws, '7001', 2, '2025-11-14T00:40:00Z', 'success');
    expect(times(show(ws, '7001'))).toEqual(github);
  });

  it('a run collected once, at its end, starts and ends then: no made-up duration', () => {
    const ws = tempDir();
    expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
    collect(ws, '7002', 1, '2025-11-14T00:05:00Z', 'success');
    expect(times(show(ws, '7002'))).toEqual({ started_at: '2025-11-14T00:05:00Z', completed_at: '2025-11-14T00:05:00Z', duration_ms: null });
  });
});
