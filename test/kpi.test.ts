import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../src/ledger/open';
import { runAttempts } from '../src/runs/store';
import { UNCLASSIFIED, enqueue } from '../src/retry/queue';
import { calendarDays } from '../src/kpi/daily';
import { kpiDefinitions, kpiNames } from '../src/kpi/definitions';
import { sparkline } from '../src/kpi/sparkline';
import { addCounts, durationStats, percentile, percentiles, ratio } from '../src/kpi/stats';
import { kpiStatus, type KpiTargets } from '../src/kpi/status';
import type { Kpis } from '../src/kpi/types';
import { NOW, ops, workspaceDir } from './helpers';

/**
 * A hand-checked data set (OPS_NOW 2025-11-14T00:00:00Z = 09:00 JST; the 7-day window is
 * [2025-11-07T00:00Z, 2025-11-14T00:00Z)). Durations in seconds of each run's latest attempt.
 *
 *   CI     r1  success                 11-13T10:00Z  100 s
 *          r2  failure → success       11-12T10:00Z / 10:30Z  (120 s, then 200 s): recovered without ops,
 *                                      first failure completed 10:02:00, recovery completed 10:33:20 → 1 880 000 ms
 *          r3  failure                 11-13T15:30Z (JST 11-14 00:30)  300 s
 *          r4  cancelled               11-13T14:59:59Z (JST 11-13 23:59:59)  60 s
 *          r5  in progress             11-13T23:00Z
 *          r6  success (outside 7d)    11-01T00:00Z  50 s
 *   Deploy d1  success                 11-10T00:00Z  400 s
 *          d2  timed_out → failure → success  11-11T00:00Z / 01:00Z / 02:00Z (600, 300, 900 s): recovered by ops
 *          d3  startup_failure         11-12T05:00Z  10 s
 *
 * Retry entries: d2 recovered (2 re-runs in the window, recovery_ms 7 530 000), r3 given up
 * (1 re-run), d3 cancelled, r6 recovered long ago (outside every window).
 * Killswitch: global 11-13 (released), Deploy 11-12, global 10-01 (outside).
 */

const iso = (s: string) => `2025-${s}Z`;
const at = (start: string, seconds: number) => new Date(Date.parse(iso(start)) + seconds * 1000).toISOString().replace('.000Z', 'Z');

interface Attempt {
  id: string;
  attempt: number;
  workflow: string;
  status?: 'completed' | 'in_progress';
  conclusion: string | null;
  start: string;
  seconds: number | null;
}

const attempts: Attempt[] = [
  { id: '101', attempt: 1, workflow: 'CI', conclusion: 'success', start: '11-13T10:00:00', seconds: 100 },
  { id: '102', attempt: 1, workflow: 'CI', conclusion: 'failure', start: '11-12T10:00:00', seconds: 120 },
  { id: '102', attempt: 2, workflow: 'CI', conclusion: 'success', start: '11-12T10:30:00', seconds: 200 },
  { id: '103', attempt: 1, workflow: 'CI', conclusion: 'failure', start: '11-13T15:30:00', seconds: 300 },
  { id: '104', attempt: 1, workflow: 'CI', conclusion: 'cancelled', start: '11-13T14:59:59', seconds: 60 },
  { id: '105', attempt: 1, workflow: 'CI', status: 'in_progress', conclusion: null, start: '11-13T23:00:00', seconds: null },
  { id: '106', attempt: 1, workflow: 'CI', conclusion: 'success', start: '11-01T00:00:00', seconds: 50 },
  { id: '201', attempt: 1, workflow: 'Deploy', conclusion: 'success', start: '11-10T00:00:00', seconds: 400 },
  { id: '202', attempt: 1, workflow: 'Deploy', conclusion: 'timed_out', start: '11-11T00:00:00', seconds: 600 },
  { id: '202', attempt: 2, workflow: 'Deploy', conclusion: 'failure', start: '11-11T01:00:00', seconds: 300 },
  { id: '202', attempt: 3, workflow: 'Deploy', conclusion: 'success', start: '11-11T02:00:00', seconds: 900 },
  { id: '203', attempt: 1, workflow: 'Deploy', conclusion: 'startup_failure', start: '11-12T05:00:00', seconds: 10 },
];

/** ops-shaped records (SPEC §10.4 run), as `ops runs list --json` prints them. */
const records = attempts.map((a) => ({
  run_id: a.id,
  attempt: a.attempt,
  repository: 'acme/api',
  workflow: a.workflow,
  status: a.status ?? 'completed',
  conclusion: a.conclusion,
  started_at: iso(a.start),
  completed_at: a.seconds === null ? null : at(a.start, a.seconds),
  created_at: iso(attempts.find((b) => b.id === a.id)!.start),
  duration_ms: a.seconds === null ? null : a.seconds * 1000,
  classification: null,
}));

async function dataset(): Promise<string> {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, 'runs.json'), JSON.stringify(records));
  expect((await ops(['runs', 'import', 'runs.json', '--workspace', ws], { cwd: ws })).code).toBe(0);

  const db = openLedger(join(ws, '.ops', 'ledger.db'), { now: NOW });
  try {
    const actor = { name: 'alice', role: 'operator' };
    const entry = (runId: string, state: string, updatedAt: string, recovery?: { at: string; ms: number }) => {
      const run = runAttempts(db, runId)[0]!;
      const { entry: e } = enqueue(db, { run, classification: UNCLASSIFIED, origin: 'manual', reason: 'kpi test', maxAttempts: 3, now: run.completed_at!, actor });
      db.prepare('UPDATE retry_queue SET state = ?, updated_at = ?, recovered_at = ?, recovery_ms = ? WHERE id = ?').run(
        state,
        updatedAt,
        recovery?.at ?? null,
        recovery?.ms ?? null,
        e.id,
      );
      return e;
    };
    const rerun = (e: { id: number; run_id: string; workflow: string }, n: number, startedAt: string) =>
      db
        .prepare(`INSERT INTO retry_attempts (entry_id, run_id, workflow, attempt, idempotency_key, owner, command, started_at, outcome) VALUES (?, ?, ?, ?, ?, 'test', '[]', ?, 'dispatched')`)
        .run(e.id, e.run_id, e.workflow, n, `retry:${e.run_id}:${n}`, startedAt);
    db.transaction(() => {
      // 02:15:30 − the first failure's completion 00:10:00 = 2 h 05 min 30 s
      const d2 = entry('202', 'completed', iso('11-11T02:15:30'), { at: iso('11-11T02:15:30'), ms: 7_530_000 });
      rerun(d2, 1, iso('11-11T00:30:00'));
      rerun(d2, 2, iso('11-11T01:45:00'));
      const r3 = entry('103', 'failed', iso('11-13T16:00:00'));
      rerun(r3, 1, iso('11-13T15:40:00'));
      entry('203', 'cancelled', iso('11-12T06:00:00'));
      const r6 = entry('106', 'completed', iso('10-01T00:00:00'), { at: iso('10-01T00:00:00'), ms: 1000 });
      rerun(r6, 1, iso('10-01T00:00:00'));
    })();
  } finally {
    db.close();
  }

  const ks = async (when: string, ...args: string[]) => expect((await ops(['killswitch', ...args, '--workspace', ws], { env: { OPS_NOW: iso(when) } })).code).toBe(0);
  await ks('10-01T00:00:00', '--reason', 'old');
  await ks('10-01T01:00:00', '--release', '--reason', 'old');
  await ks('11-12T00:00:00', '--scope', 'Deploy', '--reason', 'bad release');
  await ks('11-13T00:00:00', '--reason', 'storm');
  await ks('11-13T01:00:00', '--release', '--reason', 'calm');
  return ws;
}

const kpiJson = async (ws: string, ...args: string[]): Promise<Kpis & { targets: unknown[] }> => {
  const r = await ops(['kpi', '--json', '--workspace', ws, ...args]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(r.stdout);
};

describe('ops kpi (SPEC §5.2)', () => {
  it('computes the hand-checked KPIs of the 7-day window, per workflow and per JST day', async () => {
    const ws = await dataset();
    const k = await kpiJson(ws);
    // SPEC §10.4 keys first, in order.
    expect(Object.keys(k).slice(0, 9)).toEqual(['window', 'runs', 'success_rate', 'duration_ms', 'retries', 'mttr_ms', 'killswitch_engagements', 'workflows', 'daily']);
    expect(k).toMatchObject({
      window: '7d',
      since: '2025-11-07T00:00:00Z',
      until: '2025-11-14T00:00:00Z',
      workflow: null,
      timezone: 'Asia/Tokyo',
      runs: 8,
      // success / (success + failure|timed_out|startup_failure): r1 r2 d1 d2 of those and r3 d3; r4 cancelled and r5 running are left out
      success_rate: 0.6667,
      succeeded: 4,
      failures: 2,
      // 10 60 100 200 300 400 900 s: mean 1970/7 s, p50 = rank 4, p95 = rank ⌈6.65⌉ = 7
      duration_ms: { mean: 281_429, p50: 200_000, p95: 900_000 },
      // 3 re-runs in the window over 4 runs that failed at least once (r2 r3 d2 d3); d2 recovered, r3 gave up, d3 cancelled
      retries: { total: 3, per_failed_run: 0.75, success_rate: 0.5, failed_runs: 4, recovered: 1, gave_up: 1 },
      // (d2 by ops 7 530 000 + r2 by a re-run 1 880 000) / 2
      mttr_ms: 4_705_000,
      recoveries: { total: 2, by_ops: 1, by_rerun: 1 },
      killswitch_engagements: 2,
    });
    expect(k.workflows).toEqual([
      {
        workflow: 'CI',
        runs: 5,
        success_rate: 0.6667,
        duration_ms: { mean: 165_000, p50: 100_000, p95: 300_000 },
        retries: { total: 1, per_failed_run: 0.5, success_rate: 0, failed_runs: 2, recovered: 0, gave_up: 1 },
        mttr_ms: 1_880_000,
        succeeded: 2,
        failures: 1,
        recoveries: { total: 1, by_ops: 0, by_rerun: 1 },
      },
      {
        workflow: 'Deploy',
        runs: 3,
        success_rate: 0.6667,
        duration_ms: { mean: 436_667, p50: 400_000, p95: 900_000 },
        retries: { total: 2, per_failed_run: 1, success_rate: 1, failed_runs: 2, recovered: 1, gave_up: 0 },
        mttr_ms: 7_530_000,
        succeeded: 2,
        failures: 1,
        recoveries: { total: 1, by_ops: 1, by_rerun: 0 },
      },
    ]);
    // JST days: r4 at 14:59:59Z is 23:59:59 on the 13th, r3 at 15:30Z is 00:30 on the 14th.
    expect(k.daily).toEqual([
      { date: '2025-11-08', runs: 0, succeeded: 0, failures: 0, success_rate: null, retries: 0 },
      { date: '2025-11-09', runs: 0, succeeded: 0, failures: 0, success_rate: null, retries: 0 },
      { date: '2025-11-10', runs: 1, succeeded: 1, failures: 0, success_rate: 1, retries: 0 },
      { date: '2025-11-11', runs: 1, succeeded: 1, failures: 0, success_rate: 1, retries: 2 },
      { date: '2025-11-12', runs: 2, succeeded: 1, failures: 1, success_rate: 0.5, retries: 0 },
      { date: '2025-11-13', runs: 2, succeeded: 1, failures: 0, success_rate: 1, retries: 0 },
      { date: '2025-11-14', runs: 2, succeeded: 0, failures: 1, success_rate: 0, retries: 1 },
    ]);
    // Default targets (config.json kpiTargets): 95 % success, p95 15 min, MTTR 1 h, retry success 80 %.
    expect(k.targets).toEqual([
      { name: 'success_rate', comparison: '>=', target: 0.95, value: 0.6667, status: 'breach' },
      { name: 'duration_p95_ms', comparison: '<=', target: 900_000, value: 900_000, status: 'ok' },
      { name: 'retry_success_rate', comparison: '>=', target: 0.8, value: 0.5, status: 'breach' },
      { name: 'mttr_ms', comparison: '<=', target: 3_600_000, value: 4_705_000, status: 'breach' },
    ]);
  });

  it('--window and --workflow narrow every KPI; the UTC window follows the flag', async () => {
    const ws = await dataset();
    const month = await kpiJson(ws, '--window', '30d');
    expect(month).toMatchObject({ window: '30d', since: '2025-10-15T00:00:00Z', runs: 9, success_rate: 0.7143, killswitch_engagements: 2 });
    const day = await kpiJson(ws, '--window', '24h');
    // r1 r3 r4 r5; r3's re-run and give-up, the 11-13 engagement
    expect(day).toMatchObject({ runs: 4, success_rate: 0.5, retries: { total: 1, success_rate: 0, failed_runs: 1 }, mttr_ms: null, killswitch_engagements: 1 });

    const deploy = await kpiJson(ws, '--workflow', 'Deploy');
    expect(deploy).toMatchObject({ workflow: 'Deploy', runs: 3, success_rate: 0.6667, mttr_ms: 7_530_000, retries: { total: 2 }, killswitch_engagements: 2 });
    expect(deploy.workflows.map((w) => w.workflow)).toEqual(['Deploy']);
    expect(deploy.daily.map((d) => d.runs)).toEqual([0, 0, 1, 1, 1, 0, 0]);
    // The global engagement counts for every workflow, a scoped one only for its own.
    expect((await kpiJson(ws, '--workflow', 'CI')).killswitch_engagements).toBe(1);

    // An unknown workflow: nothing to count, exit 0, and a did-you-mean on stderr.
    const unknown = await ops(['kpi', '--json', '--workspace', ws, '--workflow', 'Nope']);
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toBe('ops: warning: --workflow: no workflow "Nope" in the ledger; did you mean "CI", "Deploy"?\n');
    const none = JSON.parse(unknown.stdout);
    expect(none).toMatchObject({ runs: 0, success_rate: null, duration_ms: { mean: null, p50: null, p95: null }, mttr_ms: null, workflows: [] });
  });

  it('plain output: the KPI table with targets, the workflow table and the daily sparkline; colour only on a terminal', async () => {
    const ws = await dataset();
    const r = await ops(['kpi', '--workspace', ws]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KPI +VALUE +TARGET +STATUS$/m);
    expect(r.stdout).toMatch(/^success rate +66\.7% +≥ 95\.0% +breach$/m);
    expect(r.stdout).toMatch(/^duration p95 +15m00s +≤ 15m00s +ok$/m);
    expect(r.stdout).toMatch(/^MTTR +1h18m +≤ 1h00m +breach$/m);
    expect(r.stdout).toMatch(/^killswitch engagements +2$/m);
    expect(r.stdout).toMatch(/^WORKFLOW +RUNS +SUCCESS +FAILURES +P95 +RETRIES +MTTR$/m);
    expect(r.stdout).toMatch(/^CI +5 +66\.7% +1 +5m00s +1 +31m20s$/m);
    expect(r.stdout).toMatch(/^2025-11-14 +2 +1 +0\.0% +1$/m);
    // Daily success rate, scaled min → max; the two days without finished runs are blank.
    expect(r.stdout).toContain('success   ██▅█▁  0.0%–100.0%\n');
    expect(r.stdout).toContain('runs    ▁▁▅▅███  0–2\n');
    expect(r.stdout).not.toContain('\x1b[');
    expect((await ops(['kpi', '--workspace', ws], { isTTY: true })).stdout).toContain('\x1b[31m');
    expect((await ops(['kpi', '--workspace', ws], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\x1b[');
  });

  it('targets come from config.json kpiTargets; null switches one off; a bad one is exit 2 naming the field', async () => {
    const ws = await dataset();
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ kpiTargets: { successRate: 0.6, mttrMs: null } }));
    const k = await kpiJson(ws);
    expect(k.targets).toEqual([
      { name: 'success_rate', comparison: '>=', target: 0.6, value: 0.6667, status: 'ok' },
      { name: 'duration_p95_ms', comparison: '<=', target: 900_000, value: 900_000, status: 'ok' },
      { name: 'retry_success_rate', comparison: '>=', target: 0.8, value: 0.5, status: 'breach' },
    ]);
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ kpiTargets: { successRate: 1.5 } }));
    const bad = await ops(['kpi', '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ops: \.ops\/config\.json: kpiTargets\.successRate: .*\n$/);
  });

  it.each([['7x'], ['0d'], [''], ['-1d']])('--window %j is exit 2 with a one-line error naming the flag', async (window) => {
    const ws = await dataset();
    const r = await ops(['kpi', '--workspace', ws, `--window=${window}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ops: --window: .*\n$/);
  });

  it('without a ledger: exit 2, like every read command', async () => {
    const r = await ops(['kpi', '--workspace', workspaceDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ledger here/);
  });

  it('an empty ledger: zero runs, every ratio and time null', async () => {
    const ws = workspaceDir();
    await ops(['init', '--workspace', ws]);
    const k = await kpiJson(ws);
    expect(k).toMatchObject({
      runs: 0,
      success_rate: null,
      duration_ms: { mean: null, p50: null, p95: null },
      retries: { total: 0, per_failed_run: null, success_rate: null },
      mttr_ms: null,
      killswitch_engagements: 0,
      workflows: [],
    });
    expect(k.daily).toHaveLength(7);
    expect((await ops(['kpi', '--workspace', ws])).stdout).toContain('no runs or retries in the window');
  });
});

describe('KPI arithmetic', () => {
  it('nearest-rank percentiles: none, one value, ranks by ⌈p/100 × n⌉', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 95)).toBe(19); // rank 19 exactly, not 20 (0.95 × 20 in floating point is 19.000000000000004)
    expect(percentile(twenty, 50)).toBe(10);
    expect(percentile(twenty, 100)).toBe(20);
    expect(percentile(twenty, 0)).toBe(1);
  });

  it('a histogram gives the percentiles of its values spelled out', () => {
    const h = addCounts(new Map(), [300, 100, 200], [1, 5, 4]);
    const spelled = [100, 100, 100, 100, 100, 200, 200, 200, 200, 300];
    expect(percentiles(h, [50, 95, 100])).toEqual([percentile(spelled, 50), percentile(spelled, 95), percentile(spelled, 100)]);
    expect(durationStats(h)).toEqual({ mean: 160, p50: 100, p95: 300 }); // (500 + 800 + 300) / 10
    expect(durationStats(new Map())).toEqual({ mean: null, p50: null, p95: null });
    expect(durationStats(addCounts(new Map(), [42], [1]))).toEqual({ mean: 42, p50: 42, p95: 42 });
  });

  it('ratios are rounded to 4 decimals and null over nothing', () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(3, 3)).toBe(1);
  });

  it('sparklines scale from the minimum to the maximum; gaps stay blank', () => {
    expect(sparkline([])).toBe('');
    expect(sparkline([null, null])).toBe('  ');
    expect(sparkline([0, 7])).toBe('▁█');
    expect(sparkline([0.9, 0.9, 0.9])).toBe('▄▄▄');
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([1, null, 0])).toBe('█ ▁');
  });

  it('the 7 calendar days are local days: JST midnight is 15:00 UTC the day before; today ends now', () => {
    const days = calendarDays(Date.parse(NOW), 'Asia/Tokyo');
    expect(days.map((d) => d.date)).toEqual(['2025-11-08', '2025-11-09', '2025-11-10', '2025-11-11', '2025-11-12', '2025-11-13', '2025-11-14']);
    expect(days[0]).toEqual({ date: '2025-11-08', since: '2025-11-07T15:00:00Z', until: '2025-11-08T15:00:00Z' });
    expect(days[6]).toEqual({ date: '2025-11-14', since: '2025-11-13T15:00:00Z', until: NOW });
    // A DST day in New York is 25 hours long.
    const ny = calendarDays(Date.parse('2025-11-03T12:00:00Z'), 'America/New_York');
    expect(ny.find((d) => d.date === '2025-11-02')).toEqual({ date: '2025-11-02', since: '2025-11-02T04:00:00Z', until: '2025-11-03T05:00:00Z' });
  });

  it('kpiStatus: every KPI with its definition; ok/breach against a target, n/a without one or without a value', () => {
    const targets: KpiTargets = { successRate: 0.9, p95DurationMs: 600_000, mttrMs: null, retrySuccessRate: 0.8 };
    const kpis = {
      runs: 10,
      success_rate: 0.9,
      duration_ms: { mean: 1, p50: 1, p95: 600_001 },
      retries: { total: 0, per_failed_run: null, success_rate: null, failed_runs: 0, recovered: 0, gave_up: 0 },
      mttr_ms: 5,
      succeeded: 9,
      failures: 1,
      recoveries: { total: 1, by_ops: 0, by_rerun: 1 },
      killswitch_engagements: 0,
    };
    const status = kpiStatus(kpis, targets);
    expect(status.map((s) => s.name)).toEqual([...kpiNames]);
    const by = Object.fromEntries(status.map((s) => [s.name, s]));
    expect(by.success_rate).toMatchObject({ target: 0.9, value: 0.9, comparison: '>=', status: 'ok' });
    expect(by.duration_p95_ms).toMatchObject({ target: 600_000, value: 600_001, comparison: '<=', status: 'breach' });
    expect(by.mttr_ms).toMatchObject({ target: null, value: 5, status: 'n/a' });
    expect(by.retry_success_rate).toMatchObject({ target: 0.8, value: null, status: 'n/a' });
    expect(by.runs).toMatchObject({ unit: 'count', comparison: null, target: null, status: 'n/a' });
    for (const s of status) expect(s.definition).toBe(kpiDefinitions[s.name]);
    for (const name of kpiNames) expect(kpiDefinitions[name].length).toBeGreaterThan(20);
  });
});
