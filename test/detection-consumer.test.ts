import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, NOW, opsProcess, workspaceDir } from './helpers';
// The corpus's seeded PRNG (mulberry32): a failing run is repeated with its seed.
import { prng } from './corpus/corpus.mjs';

/**
 * Detection as a consumer of the event log (issue 20): it evaluates at the time of the
 * events it reacts to, commits its alert events with its cursor, and carries out an
 * alert's action (killswitch, rollback) after that commit, once per alert, also after a
 * kill -9 anywhere in between.
 */

const T0 = Date.parse(NOW);
const min = (m: number) => new Date(T0 + m * 60_000).toISOString().replace('.000Z', 'Z');

function run(id: number, conclusion: string, startedMin: number, workflow = 'Deploy') {
  return { run_id: String(id), attempt: 1, repository: 'acme/api', workflow, event: 'push', branch: 'main', status: 'completed', conclusion, created_at: min(startedMin), started_at: min(startedMin), completed_at: min(startedMin + 3) };
}

function workspace(rules: object) {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, '.ops', 'detection-rules.json'), JSON.stringify(rules));
  const log = join(ws, 'gh.log');
  const env = { OPS_WORKSPACE: ws, OPS_GH: FAKE_GH, FAKE_GH_LOG: log, OPS_ACTOR: 'alice' };
  let n = 0;
  const importRuns = (runs: object[], now: string, failpoint = '') => {
    const file = join(ws, `runs-${n++}.json`);
    writeFileSync(file, JSON.stringify(runs));
    return opsProcess(['runs', 'import', file], { env: { ...env, OPS_NOW: now, OPS_FAILPOINT: failpoint } });
  };
  const query = <T>(sql: string, ...args: unknown[]): T[] => {
    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  const detectionLog = () => {
    const dir = join(ws, 'docs', 'reports');
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && d.name.startsWith('detection_log_'))
      .flatMap((d) => readFileSync(join(d.parentPath, d.name), 'utf8').split('\n').filter(Boolean));
  };
  return { ws, env, log, importRuns, query, detectionLog };
}


describe('detection, a consumer of the event log', () => {
  it('evaluates at the time of the events it reacts to: a process catching up a month later opens the alert the import would have', () => {
    const w = workspace({ consecutiveFailures: { count: 3, action: 'alert' } });
    // Killed after the import's commit, before detection read its event.
    const r = w.importRuns([run(1, 'failure', -30), run(2, 'failure', -20), run(3, 'failure', -10)], NOW, 'consumer.detection.before');
    expect(r.code).toBe(-1);
    expect(w.query('SELECT * FROM alerts')).toEqual([]);
    // A month later (the rule looks at failures of the last 24 h of its evaluation time).
    const later = new Date(T0 + 30 * 86_400_000).toISOString().replace('.000Z', 'Z');
    expect(opsProcess(['status'], { env: { ...w.env, OPS_NOW: later } }).code).toBe(0);
    expect(w.query('SELECT rule, subject, state, opened_at FROM alerts')).toEqual([{ rule: 'consecutive_failures', subject: 'acme/api:Deploy', state: 'open', opened_at: NOW }]);
    expect(w.detectionLog()).toEqual([expect.stringMatching(/^2025-11-14T00:00:00Z OPEN alert=1 rule=consecutive_failures /)]);
  });

  it('afterWrites: false leaves detection to ops detect: the events are stepped over', () => {
    const w = workspace({ afterWrites: false, consecutiveFailures: { count: 3, action: 'alert' } });
    expect(w.importRuns([run(1, 'failure', -30), run(2, 'failure', -20), run(3, 'failure', -10)], NOW)).toMatchObject({ code: 0, stderr: '' });
    expect(w.query('SELECT * FROM alerts')).toEqual([]);
    expect(w.query(`SELECT cursor FROM event_consumers WHERE name = 'detection'`)).toEqual([{ cursor: 1 }]);
    expect(opsProcess(['detect'], { env: { ...w.env, OPS_NOW: NOW } }).code).toBe(0);
    expect(w.query('SELECT rule FROM alerts')).toEqual([{ rule: 'consecutive_failures' }]);
  });

  it('kill -9 between the alert commit and its killswitch, at random, 12 workflows: each engaged exactly once by the next ops process', () => {
    const seed = Number(process.env.OPS_TEST_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const w = workspace({ consecutiveFailures: { count: 3, action: 'killswitch' } });
    const points = ['consumer.detection.after-work', 'consumer.detection.after-commit', 'alert-action.before', ''];
    let killed = 0;
    for (let i = 0; i < 12; i++) {
      const point = points[Math.floor(random() * points.length)]!;
      const r = w.importRuns([run(10 * i + 1, 'failure', i - 30, `W${i}`), run(10 * i + 2, 'failure', i - 20, `W${i}`), run(10 * i + 3, 'failure', i - 10, `W${i}`)], min(i), point);
      if (r.code === -1) killed++;
      else expect(r, `seed ${seed}, run ${i}, ${point}`).toMatchObject({ code: 0 });
      // Any ops process, the next one here, finishes what the killed one left: at most once.
      expect(opsProcess(['status'], { env: { ...w.env, OPS_NOW: min(i) } }).code).toBe(0);
    }
    expect(killed, `seed ${seed}`).toBeGreaterThan(3);
    expect(opsProcess(['status'], { env: { ...w.env, OPS_NOW: min(20) } }).code).toBe(0);
    const engaged = w.query<{ scope: string; n: number }>(`SELECT scope, COUNT(*) AS n FROM killswitch_engagements GROUP BY scope ORDER BY CAST(substr(scope, 2) AS INTEGER)`);
    expect(engaged, `seed ${seed}`).toEqual(Array.from({ length: 12 }, (_, i) => ({ scope: `W${i}`, n: 1 })));
    expect(w.query(`SELECT COUNT(*) AS n FROM audit_events WHERE event = 'alert.action'`)).toEqual([{ n: 12 }]);
    expect(w.query(`SELECT COUNT(*) AS n FROM alert_actions WHERE state = 'done' AND result LIKE 'engaged killswitch #%'`), `seed ${seed}`).toEqual([{ n: 12 }]);
    const actions = w.detectionLog().filter((l) => l.split(' ')[1] === 'ACTION');
    expect(actions, `seed ${seed}`).toHaveLength(12);
    expect(new Set(actions.map((l) => /alert=(\d+)/.exec(l)![1])).size).toBe(12);
  }, 120_000);

  it('kill -9 at each step between the alert commit and the end of its rollback: the next ops process rolls back exactly once', () => {
    const points = ['consumer.detection.after-commit', 'alert-action.before', 'rollback.saga-created', 'alert-action.after-action'];
    for (const point of points) {
      const w = workspace({ consecutiveFailures: { count: 3, action: 'rollback' } });
      const wf = join(w.ws, '.github', 'workflows');
      mkdirSync(wf, { recursive: true });
      writeFileSync(join(wf, 'deploy.yml'), 'name: Deploy\n# good\n');
      expect(opsProcess(['snapshot', 'create', '--label', 'good'], { env: w.env }).code).toBe(0);
      writeFileSync(join(wf, 'deploy.yml'), 'name: Deploy\n# broken release\n');
      expect(w.importRuns([run(1, 'failure', -30), run(2, 'failure', -20), run(3, 'failure', -10)], NOW, point).code, point).toBe(-1);
      const after = opsProcess(['status'], { env: { ...w.env, OPS_NOW: min(1) } });
      expect(after.code, point).toBe(0);
      expect(opsProcess(['status'], { env: { ...w.env, OPS_NOW: min(2) } }).code, point).toBe(0);
      expect(readFileSync(join(wf, 'deploy.yml'), 'utf8'), point).toBe('name: Deploy\n# good\n');
      expect(w.query(`SELECT id, state FROM sagas WHERE kind = 'rollback'`), point).toEqual([{ id: 1, state: 'completed' }]);
      expect(w.query(`SELECT event FROM audit_events WHERE event LIKE 'rollback.%' OR event LIKE 'alert.%' ORDER BY seq`).map((e) => (e as { event: string }).event), point).toEqual([
        'alert.open',
        'rollback.start',
        'rollback.complete',
        'alert.action',
      ]);
      expect(w.query('SELECT action_result FROM alerts'), point).toEqual([{ action_result: 'rolled back (rollback #1 to snapshot #1)' }]);
      expect(w.query('SELECT alert_id, state, saga_id FROM alert_actions'), point).toEqual([{ alert_id: 1, state: 'done', saga_id: 1 }]);
      // gh disabled the changed workflow once.
      expect(readFileSync(w.log, 'utf8'), point).toBe('workflow disable deploy.yml\n');
      expect(w.detectionLog().map((l) => l.split(' ')[1]), point).toEqual(['OPEN', 'ACTION']);
    }
  }, 120_000);
});
