import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openLedger, schemaVersion } from '../src/ledger/open';
import { migrations } from '../src/ledger/migrations';
import { countAllRuns, listRuns, runWriter } from '../src/runs/store';
import type { RunInput } from '../src/runs/types';
import { tempDir } from './helpers';

const run = (over: Partial<RunInput> = {}): RunInput => ({
  run_id: '100',
  attempt: 1,
  repository: 'acme/api',
  workflow: 'CI',
  job: null,
  event: 'push',
  branch: 'main',
  head_sha: 'abc',
  actor: null,
  status: 'completed',
  conclusion: 'failure',
  started_at: '2025-11-13T10:00:00Z',
  completed_at: '2025-11-13T10:05:00Z',
  duration_ms: 300_000,
  url: null,
  classification: null,
  created_at: '2025-11-13T10:00:00Z',
  ...over,
});

/** Run attempts as an ops of the ledger's older schema wrote them: [run_id, attempt, is_latest]. */
function writtenByOlderOps(db: Database.Database, rows: [string, number, number][]) {
  const insert = db.prepare(
    `INSERT INTO run_attempts (run_id, attempt, repository, workflow, status, conclusion, started_at, is_latest, sort_at, created_at, recorded_at, updated_at)
     VALUES (?, ?, 'acme/api', 'ci', 'completed', 'failure', '2025-11-13T10:00:00Z', ?, '2025-11-13T10:00:00Z', '2025-11-13T10:00:00Z', '2025-11-14T00:00:00Z', '2025-11-14T00:00:00Z')`,
  );
  for (const r of rows) insert.run(...r);
}

describe('ledger', () => {
  it('upgrades a ledger of an older version in place, keeping its runs', () => {
    const path = join(tempDir(), 'l.db');
    const old = openLedger(path, { create: true, migrations: migrations.slice(0, 1) });
    writtenByOlderOps(old, [['100', 1, 1]]);
    old.close();
    const db = openLedger(path);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(listRuns(db, { limit: 5 }).map((r) => r.run_id)).toEqual(['100']);
    db.close();
  });

  it('keeps the run total in step with every write: upgrade, new runs, re-runs, late attempts, updates', () => {
    const path = join(tempDir(), 'l.db');
    const old = openLedger(path, { create: true, migrations: migrations.filter((m) => m.version < 9) });
    writtenByOlderOps(old, [['100', 1, 1], ['101', 1, 0], ['101', 2, 1]]);
    old.close();
    const db = openLedger(path);
    const counted = () => db.prepare('SELECT COUNT(*) FROM run_attempts WHERE is_latest = 1').pluck().get();
    const both = () => [countAllRuns(db), counted()];
    expect(both()).toEqual([2, 2]);
    const write = runWriter(db, '2025-11-14T00:00:00Z');
    write(run({ run_id: '100', attempt: 2 }));
    expect(both()).toEqual([2, 2]);
    write(run({ run_id: '102', attempt: 3 }));
    write(run({ run_id: '102', attempt: 1 }));
    write(run({ run_id: '102', attempt: 3, conclusion: 'success' }));
    expect(both()).toEqual([3, 3]);
    db.close();
  });

  it('applies numbered migrations once, records them, and runs in WAL with foreign keys', () => {
    const path = join(tempDir(), 'l.db');
    const db = openLedger(path, { create: true, now: '2025-11-14T00:00:00Z' });
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(
      migrations.map((m) => ({ version: m.version, name: m.name, applied_at: '2025-11-14T00:00:00Z' })),
    );
    db.close();
    const again = openLedger(path, { now: '2030-01-01T00:00:00Z' });
    expect(again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: migrations.length });
    again.close();
  });

  it('a failing migration leaves the ledger at its previous version (one transaction)', () => {
    const path = join(tempDir(), 'l.db');
    openLedger(path, { create: true }).close();
    const v = migrations.at(-1)!.version;
    const broken = [...migrations, { version: v + 1, name: 'good', sql: 'CREATE TABLE t2 (x)' }, { version: v + 2, name: 'bad', sql: 'CREATE TABLE nope (' }];
    expect(() => openLedger(path, { migrations: broken })).toThrow();
    const db = new Database(path);
    expect(schemaVersion(db)).toBe(v);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 't2'`).get()).toBeUndefined();
    db.close();
  });

  it('refuses a ledger written by a newer ops', () => {
    const path = join(tempDir(), 'l.db');
    openLedger(path, { create: true }).close();
    const db = new Database(path);
    db.prepare(`INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00Z')`).run();
    db.close();
    expect(() => openLedger(path)).toThrow(/schema v99 is newer than this ops/);
  });

  it('keeps one run row per run_id pointing at its latest attempt, whatever the arrival order', () => {
    const db = openLedger(join(tempDir(), 'l.db'), { create: true });
    const write = runWriter(db, '2025-11-14T00:00:00Z');
    expect(write(run({ attempt: 2, conclusion: 'success', started_at: '2025-11-13T11:00:00Z' }))).toBe('inserted');
    expect(write(run({ attempt: 1 }))).toBe('inserted');
    expect(write(run({ attempt: 1 }))).toBe('unchanged');
    const [latest] = listRuns(db, { limit: 10 });
    expect(latest).toMatchObject({ run_id: '100', attempt: 2, conclusion: 'success' });
    expect(db.prepare('SELECT attempt FROM run_attempts WHERE is_latest = 1').all()).toEqual([{ attempt: 2 }]);
    // Both attempts belong to the run's folder date, fixed by the first one recorded.
    expect(db.prepare('SELECT DISTINCT created_at FROM run_attempts').all()).toEqual([{ created_at: '2025-11-13T10:00:00Z' }]);
  });

  it('a source that lacks a descriptive field does not erase it (collect knew the actor, gh does not)', () => {
    const db = openLedger(join(tempDir(), 'l.db'), { create: true });
    const write = runWriter(db, '2025-11-14T00:00:00Z');
    write(run({ actor: 'octocat', job: 'build' }));
    expect(write(run({ actor: null, job: null }))).toBe('unchanged');
    expect(listRuns(db, { limit: 1 })[0]).toMatchObject({ actor: 'octocat', job: 'build' });
  });

  it.each([
    [{}, 'runs_by_time'],
    [{ workflow: 'CI' }, 'runs_by_workflow'],
    [{ conclusion: 'failure' as const }, 'runs_by_conclusion'],
    [{ repository: 'acme/api' }, 'runs_by_time'],
  ])('the console window query %j is an index scan without a sort step', (filter, index) => {
    const db = openLedger(join(tempDir(), 'l.db'), { create: true });
    const write = runWriter(db, '2025-11-14T00:00:00Z');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) write(run({ run_id: String(1000 + i), workflow: i % 3 ? 'CI' : 'Deploy', started_at: new Date(Date.UTC(2025, 10, 1) + i * 60_000).toISOString() }));
    })();
    db.exec('ANALYZE');
    // The SQL listRuns builds, asked for its plan.
    const where = ['is_latest = 1', ...Object.keys(filter).map((k) => `${k} = @${k}`)];
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM run_attempts WHERE ${where.join(' AND ')} ORDER BY sort_at DESC, run_id DESC LIMIT 50`,
      )
      .all(filter)
      .map((r) => (r as { detail: string }).detail)
      .join(' | ');
    expect(plan).toContain(index);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    expect(listRuns(db, { ...filter, limit: 50 })).toHaveLength(50);
  });
});
