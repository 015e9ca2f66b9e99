import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, dumpLedger, ops, opsProcess, tempDir } from './helpers';

/**
 * `ops runs sync` (issue 21 part 1) against the stateful fake gh: runs generated from the
 * FAKE_GH_API config (no fixture files), with pagination, ETags, rate-limit headers,
 * secondary limits, jobs and job logs; FAKE_GH_LOG counts the requests.
 */

interface RepoConf {
  runs: number;
  newest?: string;
  spacing_s?: number;
  fail_every?: number;
  /** Run numbers (1 = the oldest) that failed. */
  failed?: number[];
  in_progress?: number;
  overrides?: Record<string, object>;
}

function setUp(repos: Record<string, RepoConf>, opts: { configRepos?: string[] } = {}) {
  const ws = tempDir('ops-sync-');
  mkdirSync(join(ws, '.ops'));
  if (opts.configRepos) writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ repos: opts.configRepos }));
  const api = join(ws, 'fake-api.json');
  const log = join(ws, 'gh.log');
  const conf = { repos: Object.fromEntries(Object.entries(repos).map(([k, v]) => [k, { newest: '2025-11-13T23:50:00Z', spacing_s: 240, ...v }])) } as Record<string, unknown>;
  const write = (c: Record<string, unknown>) => writeFileSync(api, JSON.stringify(c));
  write(conf);
  const env = { OPS_GH: FAKE_GH, FAKE_GH_API: api, FAKE_GH_LOG: log, OPS_ACTOR: 'alice' };
  const requests = () => readLines(log).filter((l) => l.startsWith('api ')).length;
  const sync = (args: string[] = []) => opsProcess(['runs', 'sync', ...args], { cwd: ws, env });
  const ledger = join(ws, '.ops', 'ledger.db');
  const query = (sql: string) => {
    const db = new Database(ledger, { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  };
  return { ws, env, conf, write, log, requests, sync, ledger, query };
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

describe('ops runs sync', () => {
  it('inside GitHub Actions: a table per repository in the job summary, and a repository that stopped is an ::error annotation', () => {
    const s = setUp({ 'acme/api': { runs: 150, failed: [149] } });
    const summary = join(s.ws, 'summary.md');
    const env = { ...s.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const r = opsProcess(['runs', 'sync', '--repo', 'acme/api', '--repo', 'acme/nope'], { cwd: s.ws, env });
    expect(r.code).toBe(1);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/^### ops runs sync$/m);
    expect(md).toMatch(/^\| acme\/api \| +150 \| +150 \| +1 \| +1 \| *\|$/m);
    expect(md).toMatch(/^\| acme\/nope \| +0 \| +0 \| +0 \| +0 \| .*HTTP 404/m);
    expect(r.stdout).toMatch(/^::error title=ops runs sync::acme\/nope: /m);
  });

  it('3 repositories x 2 000 runs (20 pages each): every run once; a second sync makes one request per repository and changes nothing', () => {
    const s = setUp({ 'acme/api': { runs: 2000, failed: [1999] }, 'acme/web': { runs: 2000, failed: [1999] }, 'acme/infra': { runs: 2000, failed: [1999] } }, { configRepos: ['acme/api', 'acme/web', 'acme/infra'] });
    const first = s.sync();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // One failed run per repository (the second newest): its jobs and the failed job's log.
    expect(first.stdout).toBe(
      ['acme/api', 'acme/web', 'acme/infra'].map((r) => `${r}: 2000 runs (2000 new, 1 failed, 1 queued for retry)\n`).join(''),
    );
    expect(s.requests()).toBe(3 * (20 + 2));
    expect(s.query('SELECT repository, COUNT(*) AS runs, COUNT(DISTINCT run_id) AS ids FROM run_attempts GROUP BY repository ORDER BY repository')).toEqual([
      { repository: 'acme/api', runs: 2000, ids: 2000 },
      { repository: 'acme/infra', runs: 2000, ids: 2000 },
      { repository: 'acme/web', runs: 2000, ids: 2000 },
    ]);
    const before = dumpLedger(s.ledger);
    const evidence = files(join(s.ws, 'docs'));

    const second = s.sync(['--json']);
    expect(second.code).toBe(0);
    expect(s.requests()).toBe(3 * 22 + 3);
    expect(readLines(s.log).slice(-3).every((l) => /If-None-Match: W\/"[0-9a-f]{40}" \/repos\/acme\/\w+\/actions\/runs\?per_page=100$/.test(l))).toBe(true);
    const json = JSON.parse(second.stdout);
    expect(json.requests).toBe(3);
    expect(json.repos.map((r: { repo: string; runs: number; not_modified: boolean; inserted: number }) => [r.repo, r.runs, r.not_modified, r.inserted])).toEqual([
      ['acme/api', 2000, true, 0],
      ['acme/web', 2000, true, 0],
      ['acme/infra', 2000, true, 0],
    ]);
    expect(dumpLedger(s.ledger)).toBe(before);
    expect(files(join(s.ws, 'docs'))).toEqual(evidence);
  }, 60_000);

  it('incremental: new runs and a run that finished arrive with one request; nothing is imported twice', () => {
    const s = setUp({ 'acme/api': { runs: 250, in_progress: 1, failed: [249] } });
    // The second newest run failed: its jobs and its failed job's log.
    expect(s.sync(['--repo', 'acme/api']).stdout).toBe('acme/api: 250 runs (250 new, 1 failed, 1 queued for retry)\n');
    expect(s.requests()).toBe(3 + 2);
    expect(s.query(`SELECT status FROM run_attempts WHERE run_id = '${46324000250}'`)).toEqual([{ status: 'in_progress' }]);

    // 3 new runs at the top; the one in progress completed (it is now the 4th newest).
    s.write({ repos: { 'acme/api': { ...(s.conf.repos as Record<string, RepoConf>)['acme/api'], runs: 253, newest: '2025-11-14T00:02:00Z', in_progress: 0 } } });
    const r = s.sync(['--repo', 'acme/api', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).repos[0]).toMatchObject({ runs: 253, received: 100, inserted: 3, updated: 1, not_modified: false, requests: 1 });
    expect(s.query(`SELECT status, conclusion FROM run_attempts WHERE run_id = '${46324000250}'`)).toEqual([{ status: 'completed', conclusion: 'success' }]);
    expect(s.query('SELECT COUNT(*) AS n, COUNT(DISTINCT run_id) AS ids FROM run_attempts')).toEqual([{ n: 253, ids: 253 }]);
  });

  it('a run still in progress below the newest page is asked for by itself until it completes', () => {
    const s = setUp({ 'acme/api': { runs: 150, failed: [149] } });
    const id = 46324000150 - 120; // on page 2
    const conf = s.conf.repos as Record<string, RepoConf>;
    s.write({ repos: { 'acme/api': { ...conf['acme/api'], overrides: { [id]: { status: 'in_progress', conclusion: null } } } } });
    expect(s.sync(['--repo', 'acme/api']).code).toBe(0);
    expect(s.requests()).toBe(2 + 2);
    s.write({ repos: { 'acme/api': { ...conf['acme/api'], overrides: { [id]: { status: 'completed', conclusion: 'success', updated_at: '2025-11-13T23:59:00Z' } } } } });
    const r = s.sync(['--repo', 'acme/api', '--json']);
    // Page 1 unchanged (304), then the run by itself.
    expect(readLines(s.log).slice(4).map((l) => l.replace(/.* \//, '/'))).toEqual(['/repos/acme/api/actions/runs?per_page=100', `/repos/acme/api/actions/runs/${id}`]);
    expect(JSON.parse(r.stdout).repos[0]).toMatchObject({ updated: 1, not_modified: true });
    expect(s.query(`SELECT status, completed_at FROM run_attempts WHERE run_id = '${id}'`)).toEqual([{ status: 'completed', completed_at: '2025-11-13T23:59:00Z' }]);
  });

  it('a secondary rate limit mid-sync: waits for Retry-After, says so, and completes', () => {
    const s = setUp({ 'acme/api': { runs: 500, failed: [499] } });
    s.write({ ...s.conf, secondary: { at: 3, retry_after: 1 } });
    const started = Date.now();
    const r = s.sync(['--repo', 'acme/api']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('ops: runs sync: secondary rate limit (HTTP 403, retry-after 1): waiting 1 s\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r.stdout).toBe('acme/api: 500 runs (500 new, 1 failed, 1 queued for retry)\n');
    // Pages 1, 2, 3 (refused), 3 again, 4, 5; the failed run's jobs and log.
    expect(s.requests()).toBe(8);
    expect(s.query('SELECT COUNT(*) AS n, COUNT(DISTINCT run_id) AS ids FROM run_attempts')).toEqual([{ n: 500, ids: 500 }]);
  });

  it('the primary rate limit exhausted (403, x-ratelimit-remaining 0): waits for x-ratelimit-reset, says so, and completes', () => {
    const s = setUp({ 'acme/api': { runs: 300 } });
    s.write({ ...s.conf, primary: { at: 2, reset_in: 1 } });
    const r = s.sync(['--repo', 'acme/api']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('ops: runs sync: rate limit exhausted (HTTP 403): waiting 1 s\n');
    expect(r.stdout).toBe('acme/api: 300 runs (300 new, 0 failed, 0 queued for retry)\n');
    expect(s.requests()).toBe(4);
  });

  it('shows a progress line on a terminal (stderr, rewritten in place), none in a pipe', async () => {
    const s = setUp({ 'acme/api': { runs: 150 } });
    const env = { ...s.env, PATH: process.env.PATH, OPS_WORKSPACE: s.ws };
    const tty = await ops(['runs', 'sync', '--repo', 'acme/api'], { env, isTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toBe('\r\x1b[2Kops: runs sync: repo 1/1: acme/api: page 1, 100 runs\r\x1b[2Kops: runs sync: repo 1/1: acme/api: page 2, 150 runs\r\x1b[2K');
    expect(tty.stdout).toBe('acme/api: 150 runs (150 new, 0 failed, 0 queued for retry)\n');
  });

  it('a sync stopped half-way (a rate limit too long to wait for) records how far it got; the next sync continues from there', () => {
    const s = setUp({ 'acme/api': { runs: 500, failed: [499] } });
    s.write({ ...s.conf, secondary: { at: 3, retry_after: 100_000 } });
    const r = s.sync(['--repo', 'acme/api']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('acme/api: 200 runs (200 new, 0 failed, 0 queued for retry)\n');
    expect(r.stderr).toMatch(
      /^ops: runs sync: acme\/api: \/repositories\/\d+\/actions\/runs\?per_page=100&page=3: secondary rate limit \(HTTP 403, retry-after 100000\): would have to wait 100000 s \(more than 900 s\); stopped after 2 pages \(recorded: the next sync continues from there\)\n$/,
    );
    expect(s.query('SELECT repo, gap_before, gap_stop FROM sync_cursors')).toEqual([{ repo: 'acme/api', gap_before: '2025-11-13T10:34:00Z', gap_stop: '2025-11-07T00:00:00Z' }]);

    s.write(s.conf);
    const n = s.requests();
    const again = s.sync(['--repo', 'acme/api']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('acme/api: 500 runs (300 new, 1 failed, 1 queued for retry)\n');
    // The newest page unchanged (304), then the gap: the 301 runs created up to the oldest one seen (4 pages).
    expect(
      readLines(s.log)
        .slice(n)
        .map((l) => l.replace(/.* \//, '/')),
    ).toEqual([
      '/repos/acme/api/actions/runs?per_page=100',
      '/repos/acme/api/actions/runs?per_page=100&created=%3C%3D2025-11-13T10%3A34%3A00Z',
      expect.stringMatching(/^\/repositories\/\d+\/actions\/runs\?per_page=100&created=%3C%3D2025-11-13T10%3A34%3A00Z&page=2$/),
      expect.stringMatching(/page=3$/),
      expect.stringMatching(/page=4$/),
      '/repos/acme/api/actions/runs/46324000499/attempts/1/jobs?per_page=100',
      '/repos/acme/api/actions/jobs/463240004992/logs',
    ]);
    expect(s.query('SELECT COUNT(*) AS n, COUNT(DISTINCT run_id) AS ids FROM run_attempts')).toEqual([{ n: 500, ids: 500 }]);
    expect(s.query('SELECT gap_before, gap_stop FROM sync_cursors')).toEqual([{ gap_before: null, gap_stop: null }]);
  });

  it("a failed run's job log arrives sanitized in the evidence folder; the run is classified from it and queued for retry", () => {
    const s = setUp({ 'acme/api': { runs: 120, fail_every: 50, failed: [119] } });
    const r = s.sync(['--repo', 'acme/api']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('acme/api: 120 runs (120 new, 3 failed, 3 queued for retry)\n');
    const runId = '46324000119'; // the second newest
    const jobId = `${runId}2`;
    // What GitHub has: the raw log, with a token in it.
    const raw = spawnSync(process.execPath, [FAKE_GH, 'api', `/repos/acme/api/actions/jobs/${jobId}/logs`], { env: { ...process.env, FAKE_GH_API: join(s.ws, 'fake-api.json') }, encoding: 'utf8' }).stdout;
    const secret = /ghp_[A-Za-z0-9]{36}/.exec(raw)![0];
    const file = join(s.ws, 'docs', 'reports', '2025-11-14', 'artifacts', runId, 'attempt-1', `job-${jobId}-test_node_20_.log`);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(secret);
    expect(stored).toContain('Authorization: token [MASKED:');
    expect(stored).toContain('curl: (22) The requested URL returned error: 503');
    // Nowhere else either: no copy of the secret anywhere in the workspace (temporary raw logs are gone).
    for (const f of files(s.ws)) if (!f.endsWith('gh.log')) expect(readFileSync(f).includes(secret), f).toBe(false);

    const show = JSON.parse(opsProcess(['runs', 'show', runId, '--json'], { cwd: s.ws, env: s.env }).stdout);
    expect(show.classification).toMatchObject({ class: 'transient', http_status: 503, retryable: true });
    const queue = JSON.parse(opsProcess(['retry', 'list', '--json'], { cwd: s.ws, env: s.env }).stdout);
    expect(queue.map((e: { run_id: string; state: string }) => [e.run_id, e.state])).toEqual(
      expect.arrayContaining([[runId, 'pending']]),
    );
    expect(queue).toHaveLength(3);
    expect(s.query(`SELECT DISTINCT command, run_id FROM sanitization_history WHERE run_id = '${runId}'`)).toEqual([{ command: 'collect', run_id: runId }]);
    expect(s.query('SELECT COUNT(*) AS n FROM sync_pending_logs')).toEqual([{ n: 0 }]);
  });

  it('refuses what it cannot do: no repository, a malformed --repo or config repos (exit 2); an unknown repository (exit 1)', () => {
    const s = setUp({ 'acme/api': { runs: 5, failed: [4] } });
    expect(s.sync()).toMatchObject({ code: 2, stderr: 'ops: runs sync: no repository: pass --repo OWNER/NAME or list them in .ops/config.json repos\n' });
    expect(s.sync(['--repo', 'acme'])).toMatchObject({ code: 2, stderr: 'ops: --repo: expected OWNER/NAME, got "acme"\n' });
    writeFileSync(join(s.ws, '.ops', 'config.json'), JSON.stringify({ repos: ['acme api'] }));
    expect(s.sync()).toMatchObject({ code: 2, stderr: 'ops: .ops/config.json: repos.0: expected OWNER/NAME\n' });
    writeFileSync(join(s.ws, '.ops', 'config.json'), JSON.stringify({ repos: ['acme/gone', 'acme/api'] }));
    const r = s.sync();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('acme/gone: 0 runs (0 new, 0 failed, 0 queued for retry)\nacme/api: 5 runs (5 new, 1 failed, 1 queued for retry)\n');
    expect(r.stderr).toBe('ops: runs sync: acme/gone: /repos/acme/gone/actions/runs?per_page=100: HTTP 404: Not Found\n');
  });
});
