import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { OpsError } from '../src/cli/errors';
import { generateDemo, renderFailureLog, type DemoAttempt } from '../src/demo/generate';
import { writeDemo } from '../src/demo/write-demo';
import { openLedger } from '../src/ledger/open';
import { initWorkspace } from '../src/workspace/init';
import { classify } from '../src/retry/classify';
import { failedConclusions } from '../src/runs/types';
import { zonedDate } from '../src/time/zone';
import { dumpLedger, NOW, ops, opsProcess, tempDir } from './helpers';

const now = Date.parse(NOW);
const ledgerOf = (dir: string) => join(dir, '.ops', 'ledger.db');

/** Every file under dir (relative path → content), for "identical evidence" checks. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p).split(sep).join('/')] = readFileSync(p, 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(ledgerOf(dir), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const opsDemo = (args: string[], env: NodeJS.ProcessEnv = {}) => ops(['demo', ...args], { env });

describe('generateDemo (pure)', () => {
  const take = (opts: { runs: number; seed: number; days?: number }) => [...generateDemo({ days: 14, now, ...opts })];

  it('is deterministic for a seed and a now, and a different seed gives a different history', () => {
    const a = take({ runs: 2000, seed: 7 });
    expect(take({ runs: 2000, seed: 7 })).toEqual(a);
    const b = take({ runs: 2000, seed: 8 });
    expect(b.map((x) => x.run_id)).not.toEqual(a.map((x) => x.run_id));
  });

  it('gives exactly N runs, GitHub-like, inside the window, with increasing ids', () => {
    const attempts = take({ runs: 3000, seed: 42 });
    const runIds = [...new Set(attempts.map((a) => a.run_id))];
    expect(runIds).toHaveLength(3000);
    const start = now - 14 * 86_400_000;
    let prev = 0;
    for (const id of runIds) {
      expect(id).toMatch(/^\d{10}$/);
      expect(Number(id)).toBeGreaterThan(prev);
      prev = Number(id);
    }
    for (const a of attempts) {
      expect(a.head_sha).toMatch(/^[0-9a-f]{40}$/);
      expect(a.url).toBe(`https://github.com/${a.repository}/actions/runs/${a.run_id}`);
      const created = Date.parse(a.created_at!);
      expect(created).toBeGreaterThanOrEqual(start);
      expect(created).toBeLessThanOrEqual(now);
      if (a.completed_at) {
        expect(Date.parse(a.completed_at)).toBeLessThanOrEqual(now);
        expect(Date.parse(a.completed_at) - Date.parse(a.started_at!)).toBe(a.duration_ms);
      }
      // Attempts of a run share what the run is; a classification exactly when it failed.
      expect(a.classification !== null).toBe(a.conclusion !== null && failedConclusions.has(a.conclusion));
    }
  });

  it('has a realistic mix', () => {
    const attempts = take({ runs: 5000, seed: 42 });
    const repos = new Set(attempts.map((a) => a.repository));
    const workflows = new Set(attempts.map((a) => `${a.repository} ${a.workflow}`));
    expect(repos.size).toBeGreaterThanOrEqual(4);
    expect(workflows.size).toBeGreaterThanOrEqual(10);
    const completed = attempts.filter((a) => a.status === 'completed');
    const failed = completed.filter((a) => failedConclusions.has(a.conclusion!));
    const rate = failed.length / completed.length;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.3);
    expect(attempts.some((a) => a.attempt === 2)).toBe(true);
    expect(new Set(attempts.map((a) => a.event))).toEqual(new Set(['push', 'pull_request', 'schedule', 'workflow_dispatch']));
    expect(attempts.some((a) => a.branch?.startsWith('dependabot/'))).toBe(true);
    expect(attempts.some((a) => a.branch?.startsWith('release/'))).toBe(true);
    expect(attempts.some((a) => a.status === 'in_progress' || a.status === 'queued')).toBe(true);
    const classes = new Set(failed.map((a) => a.classification!.class));
    for (const c of ['test_failure', 'build_failure', 'lint_failure', 'transient', 'rate_limit', 'configuration', 'permission', 'resource']) expect(classes).toContain(c);
    // Re-runs recover transient failures more often than configuration ones.
    const recovered = (cls: string) => {
      const firsts = attempts.filter((a) => a.attempt === 1 && a.classification?.class === cls);
      const reran = firsts.map((f) => attempts.find((a) => a.run_id === f.run_id && a.attempt === 2)).filter(Boolean) as DemoAttempt[];
      return reran.length ? reran.filter((a) => a.conclusion === 'success').length / reran.length : 0;
    };
    expect(recovered('transient')).toBeGreaterThan(0.5);
  });

  it('has a broken workflow: three or more consecutive failed runs, for detection to find', () => {
    const latest = new Map<string, DemoAttempt>();
    for (const a of take({ runs: 3000, seed: 42 })) latest.set(a.run_id, a); // attempts arrive in order
    const streak = new Map<string, number>();
    let longest = 0;
    for (const a of latest.values()) {
      if (a.status !== 'completed') continue;
      const key = `${a.repository} ${a.workflow}`;
      const n = failedConclusions.has(a.conclusion!) ? (streak.get(key) ?? 0) + 1 : 0;
      streak.set(key, n);
      longest = Math.max(longest, n);
    }
    expect(longest).toBeGreaterThanOrEqual(3);
  });

  it('classifies every failure from the text of its own log', () => {
    const failures = take({ runs: 4000, seed: 3 }).filter((a) => a.failure);
    for (const a of failures) {
      const log = renderFailureLog(a);
      expect(classify({ text: log, exitCode: a.failure!.exitCode })).toEqual(a.classification);
    }
  });

  it('streams: the first runs of a million arrive without generating the rest', () => {
    const it = generateDemo({ runs: 1_000_000, days: 14, seed: 1, now });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) it.next();
    expect(performance.now() - t0).toBeLessThan(1000);
    it.return(undefined);
  });
});

describe('writeDemo', () => {
  it('writes the same ledger and the same logs for the same seed and now', () => {
    const a = tempDir();
    const b = tempDir();
    const sa = writeDemo({ dir: a, runs: 1500, days: 14, seed: 42, now });
    writeDemo({ dir: b, runs: 1500, days: 14, seed: 42, now });
    expect(dumpLedger(ledgerOf(a))).toEqual(dumpLedger(ledgerOf(b)));
    expect(tree(join(a, 'docs'))).toEqual(tree(join(b, 'docs')));
    expect(sa.logs.length).toBe(200);

    const c = tempDir();
    writeDemo({ dir: c, runs: 1500, days: 14, seed: 43, now });
    expect(dumpLedger(ledgerOf(c))).not.toEqual(dumpLedger(ledgerOf(a)));
  });

  it('leaves a WAL ledger marked as a demo, the default config, and nothing temporary', () => {
    const dir = tempDir();
    // Left by an interrupted demo whose process is gone.
    mkdirSync(join(dir, '.ops'));
    writeFileSync(join(dir, '.ops', 'ledger.db.tmp-999999999'), 'half a ledger');
    const s = writeDemo({ dir, runs: 800, days: 7, seed: 5, now });
    expect(readdirSync(join(dir, '.ops')).sort()).toEqual(
      ['.gitignore', 'config.json', 'detection-rules.json', 'killswitch-rules.json', 'ledger.db', 'mask-rules.json', 'retry-policy.json', 'schedule.json'].sort(),
    );
    const db = new Database(ledgerOf(dir), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(JSON.parse((db.prepare(`SELECT value FROM meta WHERE key = 'demo'`).get() as { value: string }).value)).toEqual({
        seed: 5,
        runs: 800,
        days: 7,
        generated_for: NOW,
      });
      const counts = db.prepare('SELECT COUNT(*) AS attempts, COUNT(DISTINCT run_id) AS runs, SUM(is_latest) AS latest FROM run_attempts').get();
      expect(counts).toEqual({ attempts: s.attempts, runs: 800, latest: 800 });
      // The secondary indexes dropped for the bulk load are back: the same as a fresh ledger's.
      const indexSql = `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`;
      const fresh = openLedger(join(tempDir(), 'fresh.db'), { create: true });
      const expected = fresh.prepare(indexSql).all();
      fresh.close();
      expect(expected.length).toBeGreaterThan(0);
      expect(db.prepare(indexSql).all()).toEqual(expected);
    } finally {
      db.close();
    }
  });

  it('stores the failures with their classification and writes their logs under the JST date of the run', () => {
    const dir = tempDir();
    const s = writeDemo({ dir, runs: 2000, days: 14, seed: 11, now, maxLogs: 50 });
    expect(s.logs).toHaveLength(50);
    const rows = query<{ run_id: string; attempt: number; job: string | null; workflow: string; created_at: string; classification: string }>(
      dir,
      `SELECT run_id, attempt, job, workflow, created_at, classification FROM run_attempts WHERE classification IS NOT NULL`,
    );
    const byKey = new Map(rows.map((r) => [`${r.run_id}/attempt-${r.attempt}`, r]));
    for (const rel of s.logs) {
      const m = /^docs\/reports\/(\d{4}-\d{2}-\d{2})\/artifacts\/(\d+)\/attempt-(\d+)\/([a-z0-9-]+)\.log$/.exec(rel);
      expect(m, rel).not.toBeNull();
      const row = byKey.get(`${m![2]}/attempt-${m![3]}`)!;
      expect(row, rel).toBeDefined();
      expect(m![1]).toBe(zonedDate(Date.parse(row.created_at), 'Asia/Tokyo'));
      const text = readFileSync(join(dir, rel), 'utf8');
      // GitHub's log format, and the classification stored is what the log says.
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z /);
      const stored = JSON.parse(row.classification);
      expect(classify({ text }).class).toBe(stored.class);
      // Evidence must never carry anything secret-looking (SPEC §3.3 rules would fire).
      expect(text).not.toMatch(/gh[pousr]_[A-Za-z0-9]{20,}|xox[abp]-|AKIA[0-9A-Z]{16}|-----BEGIN|hooks\.slack\.com|Bearer [A-Za-z0-9]/);
    }
    // The most recent failures: no failed attempt created after the oldest written one is missing.
    const written = new Set(s.logs.map((l) => l.split('/').slice(4, 6).join('/')));
    const oldest = Math.min(...[...written].map((k) => Date.parse(byKey.get(k)!.created_at)));
    const newer = rows.filter((r) => Date.parse(r.created_at) > oldest);
    for (const r of newer) expect(written.has(`${r.run_id}/attempt-${r.attempt}`)).toBe(true);
  });

  it('refuses a workspace whose ledger is not a demo (exit 2) and changes nothing', () => {
    const dir = tempDir();
    initWorkspace(dir, ledgerOf(dir), NOW);
    const before = readFileSync(ledgerOf(dir));
    let err: unknown;
    try {
      writeDemo({ dir, runs: 100, days: 3, seed: 1, now });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).code).toBe(2);
    expect((err as OpsError).message).toBe('is an ops workspace that is not a demo; refusing to overwrite its ledger');
    expect(readFileSync(ledgerOf(dir))).toEqual(before);
    expect(existsSync(join(dir, 'docs'))).toBe(false);
  });

  it('regenerates a demo workspace in place, replacing the previous evidence, keeping edited config', () => {
    const dir = tempDir();
    writeDemo({ dir, runs: 600, days: 7, seed: 1, now });
    const cfg = join(dir, '.ops', 'retry-policy.json');
    writeFileSync(cfg, JSON.stringify({ maxRetries: 5 }, null, 2) + '\n');
    writeDemo({ dir, runs: 900, days: 7, seed: 2, now });
    // (Checked first: the read-only connections below leave -wal/-shm files of their own.)
    expect(readdirSync(join(dir, '.ops')).filter((f) => f.includes('.tmp-') || f.endsWith('-wal') || f.endsWith('-shm'))).toEqual([]);
    expect(query<{ n: number }>(dir, 'SELECT COUNT(DISTINCT run_id) AS n FROM run_attempts')[0]!.n).toBe(900);
    expect(readFileSync(cfg, 'utf8')).toContain('"maxRetries": 5');
    // Every log on disk belongs to a run of the new ledger.
    const ids = new Set(query<{ run_id: string }>(dir, 'SELECT DISTINCT run_id FROM run_attempts').map((r) => r.run_id));
    const files = Object.keys(tree(join(dir, 'docs')));
    for (const f of files.filter((f) => f.split('/')[2] === 'artifacts')) expect(ids.has(f.split('/')[3]!), f).toBe(true);
    // …and every ticket to an incident of the new ledger (the demo's killswitch engagement at least).
    const tickets = files.filter((f) => f.includes('/audit_tickets/') && f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, 'docs', f), 'utf8')));
    expect(tickets.some((t) => t.kind === 'killswitch')).toBe(true);
    for (const t of tickets) if (t.run) expect(ids.has(t.run.run_id)).toBe(true);

    // The same as a fresh demo under the same policy (it decides what waits in the retry queue).
    const fresh = tempDir();
    mkdirSync(join(fresh, '.ops'));
    writeFileSync(join(fresh, '.ops', 'retry-policy.json'), readFileSync(cfg));
    writeDemo({ dir: fresh, runs: 900, days: 7, seed: 2, now });
    expect(dumpLedger(ledgerOf(dir))).toEqual(dumpLedger(ledgerOf(fresh)));
    expect(query<{ max_attempts: number }>(dir, 'SELECT DISTINCT max_attempts FROM retry_queue')).toEqual([{ max_attempts: 5 }]);
  });

  it('an invalid config is exit 2 before anything is written, the old demo stays', () => {
    const dir = tempDir();
    writeDemo({ dir, runs: 300, days: 3, seed: 1, now });
    const before = dumpLedger(ledgerOf(dir));
    writeFileSync(join(dir, '.ops', 'config.json'), '{"timezone": "Mars/Olympus"}');
    expect(() => writeDemo({ dir, runs: 300, days: 3, seed: 9, now })).toThrow(OpsError);
    expect(dumpLedger(ledgerOf(dir))).toEqual(before);
  });

  it('writes 50 000 runs in reasonable time', () => {
    const dir = tempDir();
    const t0 = performance.now();
    const s = writeDemo({ dir, runs: 50_000, days: 14, seed: 42, now });
    const ms = performance.now() - t0;
    expect(s.runs).toBe(50_000);
    expect(s.attempts).toBeGreaterThan(50_000);
    expect(query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM run_attempts')[0]!.n).toBe(s.attempts);
    expect(ms).toBeLessThan(20_000);
  });
});

describe('ops demo (CLI)', () => {
  it('classifies its failures: unknown is the exception (under 10 % of failed attempts), tests fail as test_failure', () => {
    const dir = tempDir();
    const r = opsProcess(['demo', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const failed = [...failedConclusions].map((c) => `'${c}'`).join(', ');
    const rows = query<{ cls: string | null; n: number }>(
      dir,
      `SELECT json_extract(classification, '$.class') AS cls, COUNT(*) AS n FROM run_attempts WHERE conclusion IN (${failed}) GROUP BY 1`,
    );
    const total = rows.reduce((a, x) => a + x.n, 0);
    const unknown = rows.filter((x) => x.cls === 'unknown' || x.cls === null).reduce((a, x) => a + x.n, 0);
    expect(total).toBeGreaterThan(300);
    // Was 279 of 440 (63 %) before test, build, lint, capacity, timeout and cancelled had classes.
    expect(unknown / total).toBeLessThan(0.1);
    const byClass = new Map(rows.map((x) => [x.cls, x.n]));
    expect(byClass.get('test_failure')).toBeGreaterThan(total * 0.3);
    for (const c of ['build_failure', 'lint_failure', 'capacity', 'timeout', 'transient']) expect(byClass.get(c), c).toBeGreaterThan(0);
  });

  it('writes a workspace and prints a summary with how to open it', async () => {
    const cwd = tempDir();
    const r = await ops(['demo', 'ws', '--runs', '500'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^demo workspace written to ws \(/);
    expect(r.stdout).toMatch(/500 runs, [\d,]+ attempts over 14 days up to 2025-11-14T00:00:00Z \(seed 42\)/);
    expect(r.stdout).toMatch(/open it: ops-console --workspace ws\n$/);
    expect(query<{ n: number }>(join(cwd, 'ws'), 'SELECT COUNT(DISTINCT run_id) AS n FROM run_attempts')[0]!.n).toBe(500);
  });

  it('--json prints one document', async () => {
    const dir = tempDir();
    const r = await opsDemo([dir, '--runs', '300', '--days', '5', '--seed', '9', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ dir, ledger: ledgerOf(dir), seed: 9, days: 5, runs: 300, generated_for: NOW });
    expect(doc.attempts).toBeGreaterThanOrEqual(300);
    expect(Array.isArray(doc.logs)).toBe(true);
  });

  it.each([
    [['--runs', '0'], /^ops: --runs: must be an integer from 1 to 5000000, got 0\n$/],
    [['--runs', '6000000'], /^ops: --runs: must be an integer from 1 to 5000000/],
    [['--runs', 'many'], /^ops: --runs: must be an integer/],
    [['--days', '1.5'], /^ops: --days: must be an integer from 1 to 365/],
    [['--seed', '-1'], /^ops: --seed: must be an integer from 0 to 4294967295/],
  ])('usage error %j → exit 2, nothing written', async (flags, message) => {
    const dir = tempDir();
    const r = await opsDemo([join(dir, 'ws'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'ws'))).toBe(false);
  });

  it('refuses a real workspace with exit 2 and one line on stderr', async () => {
    const dir = tempDir();
    initWorkspace(dir, ledgerOf(dir), NOW);
    const r = await opsDemo([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`ops: ${dir}: is an ops workspace that is not a demo; refusing to overwrite its ledger\n`);
  });

  it('honours OPS_TZ for the evidence folders', async () => {
    const dir = tempDir();
    const r = await opsDemo([dir, '--runs', '400', '--json'], { OPS_TZ: 'America/Los_Angeles' });
    const doc = JSON.parse(r.stdout);
    const rows = query<{ run_id: string; created_at: string }>(dir, 'SELECT run_id, created_at FROM run_attempts');
    const created = new Map(rows.map((x) => [x.run_id, x.created_at]));
    for (const rel of doc.logs as string[]) {
      const [, , date, , runId] = rel.split('/');
      expect(date).toBe(zonedDate(Date.parse(created.get(runId!)!), 'America/Los_Angeles'));
    }
  });
});
