import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpLedger, FAKE_GH, GH_RUNS, ops, opsProcess, sh, OPS_BIN, workspaceDir } from './helpers';

const ghRuns = () => JSON.parse(readFileSync(GH_RUNS, 'utf8')) as Record<string, unknown>[];

async function workspaceWithImport(file = GH_RUNS) {
  const ws = workspaceDir();
  const r = await ops(['runs', 'import', file, '--workspace', ws, '--json']);
  // Nothing but what detection found after the write (the fixture has runs in progress for hours).
  expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('ops: alert: '))).toEqual([]);
  expect(r.code).toBe(0);
  return { ws, ledger: join(ws, '.ops', 'ledger.db'), result: JSON.parse(r.stdout) };
}

describe('ops runs import', () => {
  it('imports gh run JSON and counts what it did', async () => {
    const { result } = await workspaceWithImport();
    expect(result).toEqual({ input: GH_RUNS, records: 6, inserted: 6, updated: 0, unchanged: 0, enqueued: 0 });
  });

  it('importing the same JSON twice leaves the ledger byte-for-byte identical', async () => {
    const { ws, ledger } = await workspaceWithImport();
    const before = dumpLedger(ledger);
    const fileBefore = readFileSync(ledger);
    const again = await ops(['runs', 'import', GH_RUNS, '--workspace', ws, '--json'], { env: { OPS_NOW: '2025-11-20T00:00:00Z' } });
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, updated: 0, unchanged: 6 });
    expect(dumpLedger(ledger)).toBe(before);
    expect(readFileSync(ledger).equals(fileBefore)).toBe(true);
  });

  it('keeps attempt 2 as a second attempt of the same run, not a second run', async () => {
    const { ws } = await workspaceWithImport();
    const list = JSON.parse((await ops(['runs', 'list', '--workspace', ws, '--json'])).stdout);
    expect(list.filter((r: { run_id: string }) => r.run_id === '19283746501')).toHaveLength(1);
    expect(list).toHaveLength(5);
    const show = JSON.parse((await ops(['runs', 'show', '19283746501', '--workspace', ws, '--json'])).stdout);
    expect(show.attempt).toBe(2);
    expect(show.conclusion).toBe('success');
    expect(show.attempts.map((a: { attempt: number; conclusion: string }) => [a.attempt, a.conclusion])).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
  });

  it('maps gh fields to the SPEC §10.4 run, with "" and the zero time meaning not yet', async () => {
    const { ws } = await workspaceWithImport();
    const show = async (id: string) => JSON.parse((await ops(['runs', 'show', id, '--workspace', ws, '--json'])).stdout);
    const done = await show('19283700777');
    expect(done).toMatchObject({
      run_id: '19283700777',
      attempt: 1,
      repository: 'acme/api',
      workflow: 'CI',
      event: 'pull_request',
      branch: 'dependabot/npm_and_yarn/lodash-4.17.21',
      head_sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e',
      status: 'completed',
      conclusion: 'failure',
      started_at: '2025-11-13T15:10:03Z',
      completed_at: '2025-11-13T15:12:30Z',
      duration_ms: 147_000,
      url: 'https://github.com/acme/api/actions/runs/19283700777',
    });
    const running = await show('19283799002');
    expect(running).toMatchObject({ status: 'in_progress', conclusion: null, completed_at: null, duration_ms: null });
    const queued = await show('19283800123');
    expect(queued).toMatchObject({ status: 'queued', conclusion: null, started_at: '2025-11-13T17:05:00Z' });
  });

  it('updates a run when a later import brings its conclusion, and says so', async () => {
    const { ws } = await workspaceWithImport();
    const later = ghRuns().map((r) => (r.databaseId === 19283799002 ? { ...r, status: 'completed', conclusion: 'success', updatedAt: '2025-11-13T17:09:00Z' } : r));
    const file = join(ws, 'later.json');
    writeFileSync(file, JSON.stringify(later));
    const r = JSON.parse((await ops(['runs', 'import', file, '--workspace', ws, '--json'])).stdout);
    expect(r).toMatchObject({ inserted: 0, updated: 1, unchanged: 5 });
    const run = JSON.parse((await ops(['runs', 'show', '19283799002', '--workspace', ws, '--json'])).stdout);
    expect(run).toMatchObject({ conclusion: 'success', duration_ms: 415_000 });
  });

  it('reads NDJSON and a single object (gh run view --json)', async () => {
    const ws = workspaceDir();
    const nd = join(ws, 'runs.ndjson');
    writeFileSync(nd, ghRuns().map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(JSON.parse((await ops(['runs', 'import', nd, '--workspace', ws, '--json'])).stdout)).toMatchObject({ records: 6, inserted: 6 });
    const one = join(ws, 'one.json');
    writeFileSync(one, JSON.stringify({ ...ghRuns()[0], attempt: 3 }, null, 2));
    expect(JSON.parse((await ops(['runs', 'import', one, '--workspace', ws, '--json'])).stdout)).toMatchObject({ records: 1, inserted: 1 });
  });

  it('round-trips its own JSON: ops runs list --json | ops runs import -', async () => {
    const { ws } = await workspaceWithImport();
    const listed = (await ops(['runs', 'list', '--workspace', ws, '--json'])).stdout;
    const other = workspaceDir();
    const r = await ops(['runs', 'import', '-', '--workspace', other, '--json'], { stdin: listed });
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 5, inserted: 5 });
    expect((await ops(['runs', 'list', '--workspace', other, '--json'])).stdout).toBe(listed);
  });

  it('a malformed record exits 2 naming its position, and nothing of that input is written', async () => {
    const { ws, ledger } = await workspaceWithImport();
    const before = dumpLedger(ledger);
    const runs = ghRuns().map((r) => ({ ...r, databaseId: (r.databaseId as number) + 1 }));
    runs[4] = { ...runs[4], status: 42 } as (typeof runs)[number];
    const file = join(ws, 'half.json');
    writeFileSync(file, JSON.stringify(runs, null, 1));
    const r = await ops(['runs', 'import', file, '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ops: .*half\.json: record 5 \(line \d+\): status: .*nothing was imported\n$/);
    expect(dumpLedger(ledger)).toBe(before);
  });

  it.each([
    ['garbage', 'this is not json at all', /record 1 \(line 1\): invalid JSON/],
    ['truncated', '[{"databaseId": 1, "workflowName": "CI", "status": "completed"', /record 1 \(line 1\): invalid JSON: input ends inside this record/],
    ['empty', '', /input is empty/],
    ['a scalar record', '[1]', /record 1 \(line 1\): \(record\): expected an object, got number/],
    ['no repository', '[{"databaseId": 5, "workflowName": "CI", "status": "queued"}]', /record 1 .*repository: unknown.*--repo/],
    ['a bad time', '{"databaseId": 5, "workflowName": "CI", "status": "queued", "createdAt": "yesterday", "url": "https://github.com/a/b/actions/runs/5"}', /createdAt: not an ISO-8601 time/],
  ])('rejects %s with exit 2 and writes nothing', async (_name, content, message) => {
    const ws = workspaceDir();
    const file = join(ws, 'bad.json');
    writeFileSync(file, content);
    const r = await ops(['runs', 'import', file, '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The ledger exists (import creates it) but holds no run.
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).not.toMatch(/"run_id"/);
  });

  it('names a missing input file with exit 2', async () => {
    const ws = workspaceDir();
    const r = await ops(['runs', 'import', 'nope.json', '--workspace', ws], { cwd: ws });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('ops: nope.json: no such file\n');
  });

  it('takes --repo for records without a url, and refuses a malformed one', async () => {
    const ws = workspaceDir();
    const file = join(ws, 'r.json');
    writeFileSync(file, '[{"databaseId": 5, "workflowName": "CI", "status": "queued"}]');
    expect((await ops(['runs', 'import', file, '--repo', 'acme/web', '--workspace', ws])).code).toBe(0);
    const run = JSON.parse((await ops(['runs', 'show', '5', '--workspace', ws, '--json'])).stdout);
    expect(run.repository).toBe('acme/web');
    const bad = await ops(['runs', 'import', file, '--repo', 'acme', '--workspace', ws]);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toMatch(/^ops: --repo: expected OWNER\/NAME/);
  });

  it('imports what the (fake) gh CLI prints, through a real pipe into bin/ops', () => {
    const ws = workspaceDir();
    const fields = 'databaseId,attempt,workflowName,status,conclusion,event,headBranch,headSha,createdAt,startedAt,updatedAt,url';
    const out = sh(`"${FAKE_GH}" run list --json ${fields} --limit 50 | "${process.execPath}" "${OPS_BIN}" runs import - --workspace "${ws}"`);
    expect(out).toBe('imported 5 records from stdin: 5 inserted, 0 updated, 0 unchanged\n');
    const one = sh(`"${FAKE_GH}" run view 19283746501 --attempt 1 --json ${fields} | "${process.execPath}" "${OPS_BIN}" runs import - --workspace "${ws}"`);
    expect(one).toMatch(/1 inserted/);
    const shown = opsProcess(['runs', 'show', '19283746501', '--workspace', ws, '--json']);
    expect(JSON.parse(shown.stdout).attempts).toHaveLength(2);
  });

  it('streams a large NDJSON input in batches and stays all-or-nothing', async () => {
    const ws = workspaceDir();
    const lines: string[] = [];
    for (let i = 1; i <= 10_000; i++) lines.push(JSON.stringify({ ...ghRuns()[0], databaseId: 5_000_000 + i, attempt: 1 }));
    const file = join(ws, 'big.ndjson');
    writeFileSync(file, lines.join('\n') + '\n{"databaseId": "x"}\n');
    const bad = await ops(['runs', 'import', file, '--workspace', ws]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/record 10001 \(line 10001\): databaseId/);
    writeFileSync(file, lines.join('\n'));
    const ok = await ops(['runs', 'import', file, '--workspace', ws, '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ records: 10_000, inserted: 10_000 });
  });
});

describe('ops runs import as a real process (parsing on a worker thread)', () => {
  it('imports, refuses a bad record with nothing written, and re-imports as unchanged', () => {
    const ws = workspaceDir();
    const lines: string[] = [];
    for (let i = 1; i <= 5000; i++) lines.push(JSON.stringify({ ...ghRuns()[0], databaseId: 7_000_000 + i }));
    const good = join(ws, 'good.ndjson');
    writeFileSync(good, lines.join('\n'));
    const bad = join(ws, 'bad.ndjson');
    writeFileSync(bad, [...lines.slice(0, 4000), '{"databaseId": 1, "workflowName": "CI", "status": "done"}', ...lines.slice(4000)].join('\n'));

    const refused = opsProcess(['runs', 'import', bad, '--workspace', ws]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^ops: .*bad\.ndjson: record 4001 \(line 4001\): status: .*nothing was imported\n$/);
    expect(dumpLedger(join(ws, '.ops', 'ledger.db'))).not.toMatch(/"run_id"/);

    const first = opsProcess(['runs', 'import', good, '--workspace', ws, '--json']);
    expect(JSON.parse(first.stdout)).toEqual({ input: good, records: 5000, inserted: 5000, updated: 0, unchanged: 0, enqueued: 0 });
    const again = opsProcess(['runs', 'import', good, '--workspace', ws, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: 5000 });
  });
});
