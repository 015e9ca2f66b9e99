import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dumpLedger, githubEnv, NOW, OPS_BIN, ops, opsProcess, tempDir, workspaceDir } from './helpers';

/** A GitHub token shape, made up now: nothing real-looking is committed. */
const fakeGithubToken = () => 'ghp_' + randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36);

/** A repository checkout with a log (holding a secret and a 403) and build output. */
function checkout(token: string) {
  const repo = workspaceDir();
  mkdirSync(join(repo, 'logs'));
  mkdirSync(join(repo, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(repo, 'logs', 'build.log'), `2025-11-14T00:00:01Z npm ci\r\nauthenticating with ${token}\r\nHTTP 403: Resource not accessible by integration (https://api.github.com/repos/acme/api/issues)\r\n`);
  writeFileSync(join(repo, 'dist', 'app.js'), 'console.log("hello")\n');
  writeFileSync(join(repo, 'dist', 'assets', 'app.css'), 'body{}\n');
  return repo;
}

/** Every file under a folder with its sha256 and mtime: "nothing changed" made checkable. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p).split(sep).join('/')] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

const collectArgs = (repo: string) => ['evidence', 'collect', '--logs', 'logs/*.log', '--artifact', 'dist/**', '--workspace', repo, '--json'];

describe('ops evidence collect', () => {
  it('collects sanitized copies into the JST folder, records them, and verify accepts the summary; a second run changes nothing', async () => {
    const token = fakeGithubToken();
    const repo = checkout(token);
    const env = githubEnv('19283746501', { GITHUB_ACTIONS: 'true' });
    const r = await ops([...collectArgs(repo), '--conclusion', 'failure'], { cwd: repo, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    // NOW is 2025-11-14T00:00Z = 09:00 JST on the 14th.
    expect(result).toMatchObject({ run_id: '19283746501', attempt: 1, date: '2025-11-14', unchanged: false });
    expect(result.classification).toMatchObject({ class: 'permission', http_status: 403 });
    const folder = join(repo, 'docs', 'reports', '2025-11-14');
    const log = readFileSync(join(folder, 'artifacts', '19283746501', 'attempt-1', 'logs', 'build.log'), 'utf8');
    expect(log).not.toContain(token);
    expect(log).toMatch(/authenticating with \S*MASKED\S*\r\n/);
    expect(log).toMatch(/\r\nHTTP 403: Resource not accessible/);
    expect(readFileSync(join(folder, 'artifacts', '19283746501', 'attempt-1', 'dist', 'assets', 'app.css'), 'utf8')).toBe('body{}\n');

    const summary = JSON.parse(readFileSync(join(folder, 'RUNS_SUMMARY.json'), 'utf8'));
    expect(summary).toMatchObject({ date: '2025-11-14', timezone: 'Asia/Tokyo' });
    expect(summary.runs).toHaveLength(1);
    expect(summary.runs[0]).toMatchObject({
      run_id: '19283746501',
      attempt: 1,
      repository: 'acme/api',
      workflow: 'CI',
      job: 'test',
      branch: 'main',
      actor: 'octocat',
      status: 'completed',
      conclusion: 'failure',
      url: 'https://github.com/acme/api/actions/runs/19283746501',
    });
    const artifacts = summary.runs[0].artifacts;
    expect(artifacts.map((a: { name: string }) => a.name)).toEqual(['dist/app.js', 'dist/assets/app.css', 'logs/build.log']);
    for (const a of artifacts) {
      const bytes = readFileSync(join(repo, 'docs', 'reports', a.path));
      expect(a.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(a.bytes).toBe(bytes.length);
    }
    const index = readFileSync(join(folder, '_evidence_index.md'), 'utf8');
    expect(index).toContain('[RUNS_SUMMARY.json](RUNS_SUMMARY.json)');
    expect(index).toContain('[artifacts/19283746501/attempt-1/logs/build.log](artifacts/19283746501/attempt-1/logs/build.log)');
    expect(index).not.toContain(token);
    expect(await ops(['evidence', 'verify', '--workspace', repo])).toMatchObject({ code: 0, stdout: 'evidence intact: 3 files in 1 date folder\n' });

    const before = { files: tree(join(repo, 'docs')), ledger: dumpLedger(join(repo, '.ops', 'ledger.db')) };
    const again = await ops([...collectArgs(repo), '--conclusion', 'failure'], { cwd: repo, env: { ...env, OPS_NOW: '2025-11-14T00:10:00Z' } });
    expect(JSON.parse(again.stdout)).toMatchObject({ unchanged: true, audit_seq: null, first_audit_seq: result.audit_seq });
    expect(tree(join(repo, 'docs'))).toEqual(before.files);
    expect(dumpLedger(join(repo, '.ops', 'ledger.db'))).toBe(before.ledger);
    // The secret never reached the ledger either.
    expect(dumpLedger(join(repo, '.ops', 'ledger.db'))).not.toContain(token);
  });

  it('verify names a tampered and a missing artifact (exit 4)', async () => {
    const repo = checkout(fakeGithubToken());
    await ops(collectArgs(repo), { cwd: repo, env: githubEnv('555') });
    const dir = join(repo, 'docs', 'reports', '2025-11-14', 'artifacts', '555', 'attempt-1');
    writeFileSync(join(dir, 'dist', 'app.js'), 'console.log("tampered")\n');
    const r = await ops(['evidence', 'verify', '--date', '2025-11-14', '--workspace', repo]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^ops: 2025-11-14\/artifacts\/555\/attempt-1\/dist\/app\.js: sha256 mismatch/);
    writeFileSync(join(dir, 'dist', 'app.js'), 'console.log("hello")\n');
    expect((await ops(['evidence', 'verify', '--workspace', repo])).code).toBe(0);
  });

  it('a later attempt of the same run goes to the first attempt\'s folder, beside it', async () => {
    const repo = checkout(fakeGithubToken());
    await ops(collectArgs(repo), { cwd: repo, env: githubEnv('777', { OPS_NOW: '2025-11-14T14:50:00Z' }) }); // 23:50 JST on the 14th
    const r = await ops(collectArgs(repo), { cwd: repo, env: githubEnv('777', { OPS_NOW: '2025-11-14T15:20:00Z', GITHUB_RUN_ATTEMPT: '2' }) }); // 00:20 JST on the 15th
    expect(JSON.parse(r.stdout)).toMatchObject({ date: '2025-11-14', attempt: 2 });
    const summary = JSON.parse(readFileSync(join(repo, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json'), 'utf8'));
    expect(summary.runs.map((x: { attempt: number }) => x.attempt)).toEqual([1, 2]);
    expect(existsSync(join(repo, 'docs', 'reports', '2025-11-15'))).toBe(false);
  });

  it('an unreadable file and a link out of the source folder are reported (exit 1); the rest is collected', async () => {
    const repo = checkout(fakeGithubToken());
    const outside = join(tempDir(), 'secret.txt');
    writeFileSync(outside, 'outside\n');
    symlinkSync(outside, join(repo, 'dist', 'escape.txt'));
    symlinkSync(join(repo, 'nowhere'), join(repo, 'dist', 'broken.txt'));
    const r = await ops(collectArgs(repo), { cwd: repo, env: githubEnv('888') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ops: dist\/broken\.txt: /m);
    expect(r.stderr).toMatch(/^ops: dist\/escape\.txt: symlink leads outside the source folder: not followed$/m);
    const result = JSON.parse(r.stdout);
    expect(result.files.filter((f: { status: string }) => f.status === 'collected').map((f: { name: string }) => f.name)).toEqual(['logs/build.log', 'dist/app.js', 'dist/assets/app.css']);
    const dir = join(repo, 'docs', 'reports', '2025-11-14', 'artifacts', '888', 'attempt-1', 'dist');
    expect(existsSync(join(dir, 'escape.txt'))).toBe(false);
    const summary = JSON.parse(readFileSync(join(repo, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json'), 'utf8'));
    expect(summary.runs[0].artifacts.find((a: { name: string }) => a.name === 'dist/broken.txt')).toMatchObject({ status: 'unreadable', sha256: null });
  });

  it.each([
    [['--artifact', '../outside/**'], /^ops: --artifact: "\.\.\/outside\/\*\*" reaches outside the source folder/],
    [['--logs', '/etc/*.conf'], /^ops: --logs: "\/etc\/\*\.conf" reaches outside the source folder/],
  ])('refuses %j with exit 2 and writes nothing', async (flags, message) => {
    const repo = checkout(fakeGithubToken());
    const r = await ops(['evidence', 'collect', ...flags, '--workspace', repo], { cwd: repo, env: githubEnv('999') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(repo, 'docs'))).toBe(false);
    expect(existsSync(join(repo, '.ops', 'ledger.db'))).toBe(false);
  });

  it('without GITHUB_* or flags it asks which run (exit 2); flags and --run-json work outside CI', async () => {
    const repo = checkout(fakeGithubToken());
    const none = await ops(['evidence', 'collect', '--workspace', repo], { cwd: repo });
    expect(none).toMatchObject({ code: 2 });
    expect(none.stderr).toMatch(/^ops: evidence collect: which run\? missing run_id \(--run-id or GITHUB_RUN_ID\)/);
    const flags = await ops(['evidence', 'collect', '--run-id', '42', '--workflow', 'Nightly', '--repo', 'acme/web', '--conclusion', 'success', '--workspace', repo, '--json'], { cwd: repo });
    expect(JSON.parse(flags.stdout)).toMatchObject({ run_id: '42', attempt: 1 });
    const runJson = join(repo, 'run.json');
    writeFileSync(runJson, JSON.stringify({ databaseId: 43, attempt: 2, workflowName: 'Deploy', status: 'completed', conclusion: 'success', createdAt: '2025-11-13T16:30:00Z', startedAt: '2025-11-13T16:30:05Z', updatedAt: '2025-11-13T16:40:00Z', url: 'https://github.com/acme/web/actions/runs/43' }));
    const fromGh = await ops(['evidence', 'collect', '--run-json', runJson, '--logs', 'logs/*.log', '--workspace', repo, '--json'], { cwd: repo });
    // Created 16:30 UTC on the 13th = 01:30 JST on the 14th.
    expect(JSON.parse(fromGh.stdout)).toMatchObject({ run_id: '43', attempt: 2, date: '2025-11-14' });
  });

  it('8 collect processes for different runs at once: all 8 runs in RUNS_SUMMARY.json, no duplicate, all exit 0', async () => {
    const repo = checkout(fakeGithubToken());
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [OPS_BIN, ...collectArgs(repo)], { cwd: repo, env: { PATH: process.env.PATH, ...githubEnv(String(1000 + i)) } });
          child.on('exit', resolve);
        }),
      ),
    );
    expect(codes).toEqual(Array(8).fill(0));
    const summary = JSON.parse(readFileSync(join(repo, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json'), 'utf8'));
    expect(summary.runs.map((r: { run_id: string }) => r.run_id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => String(1000 + i)));
    expect((await ops(['evidence', 'verify', '--workspace', repo])).code).toBe(0);
    expect((await ops(['audit', 'verify', '--workspace', repo])).code).toBe(0);
  });

  it('a collect killed with SIGKILL at any moment never leaves a torn JSON file or a corrupt ledger', async () => {
    const repo = checkout(fakeGithubToken());
    // Enough to keep a collect busy for a while: many files to copy and index.
    for (let i = 0; i < 60; i++) writeFileSync(join(repo, 'dist', `chunk-${i}.js`), `// ${i}\n`.repeat(2000));
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [OPS_BIN, ...collectArgs(repo)], { cwd: repo, env: { PATH: process.env.PATH, ...githubEnv(String(2000 + round)) } });
      const exited = new Promise((r) => child.on('exit', r));
      // Moments spread over start-up, copying, the ledger transaction and the summaries.
      await new Promise((r) => setTimeout(r, 60 + ((round * 37) % 400)));
      child.kill('SIGKILL');
      await exited;
      const summaryPath = join(repo, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json');
      if (existsSync(summaryPath)) expect(() => JSON.parse(readFileSync(summaryPath, 'utf8'))).not.toThrow();
      const ledger = join(repo, '.ops', 'ledger.db');
      if (existsSync(ledger)) {
        const db = new Database(ledger);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        db.close();
      }
    }
    // The workspace still works after all that: the stale lock is taken over, and verify passes.
    const after = opsProcess(collectArgs(repo), { cwd: repo, env: githubEnv('3000') });
    expect(after.code).toBe(0);
    expect((await ops(['evidence', 'verify', '--workspace', repo])).code).toBe(0);
    expect((await ops(['audit', 'verify', '--workspace', repo])).code).toBe(0);
  }, 120_000);

  it('exits 5 when another process holds the workspace evidence lock past --lock-timeout, and writes nothing', async () => {
    const repo = checkout(fakeGithubToken());
    mkdirSync(join(repo, '.ops'), { recursive: true });
    const holder = new Database(join(repo, '.ops', 'evidence.lock'));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = await ops([...collectArgs(repo), '--lock-timeout', '1s'], { cwd: repo, env: githubEnv('4242') });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/evidence\.lock: workspace busy: another ops process holds the evidence lock \(waited 1 s\)\n$/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(existsSync(join(repo, 'docs'))).toBe(false);
    // Released: the same collect goes through.
    expect((await ops(collectArgs(repo), { cwd: repo, env: githubEnv('4242') })).code).toBe(0);
  });
});
