import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, opsProcess, tempDir } from './helpers';

// Secrets are made at run time from random bytes: nothing real-looking is committed.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number, alphabet = ALNUM) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join('');

const githubEnv = (runId: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  OPS_NOW: NOW,
  GITHUB_ACTIONS: 'true',
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_SHA: '3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_JOB: 'test',
  ...extra,
});

/** A workspace (ops init) with logs/job.log holding `log`. */
function workspaceWithLog(log: string): string {
  const ws = tempDir();
  expect(opsProcess(['init', '--workspace', ws]).code).toBe(0);
  mkdirSync(join(ws, 'logs'));
  writeFileSync(join(ws, 'logs', 'job.log'), log);
  return ws;
}

/** `ops evidence collect` of logs/*.log through the real binary; the collected copy's text. */
function collectLog(ws: string, runId: string, env: NodeJS.ProcessEnv = {}): string {
  const r = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--workspace', ws, '--json'], { cwd: ws, env: githubEnv(runId, env) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'artifacts', runId, 'attempt-1', 'logs', 'job.log'), 'utf8');
}

describe('a secret inside a URL', () => {
  it('only the secret is masked: the scheme, user, host and path stay readable (they are evidence)', () => {
    const s = { ghp: `ghp_${rand(36)}`, glpat: `glpat-${rand(20)}`, pw: rand(18), redis: rand(16), tok: rand(24), env: rand(20) };
    const lines = [
      [`git clone https://x-access-token:${s.ghp}@github.com/acme/api.git`, 'git clone https://x-access-token:[MASKED:github-pat]@github.com/acme/api.git'],
      [`git remote set-url origin https://${s.ghp}@github.com/acme/api.git`, 'git remote set-url origin https://[MASKED:github-pat]@github.com/acme/api.git'],
      [`git push https://oauth2:${s.glpat}@gitlab.com/acme/api.git HEAD`, 'git push https://oauth2:[MASKED:gitlab-pat]@gitlab.com/acme/api.git HEAD'],
      [`DATABASE_URL=postgres://app:${s.pw}@db.internal:5432/app`, 'DATABASE_URL=postgres://app:[MASKED:basic-auth-url]@db.internal:5432/app'],
      [`connecting to https://password:${s.pw}@example.com/x done`, 'connecting to https://password:[MASKED:basic-auth-url]@example.com/x done'],
      [`cache: redis://:${s.redis}@cache.internal:6379/0`, 'cache: redis://:[MASKED:basic-auth-url]@cache.internal:6379/0'],
      [`GET https://api.example.com/cb?access_token=${s.tok}&state=2 200`, 'GET https://api.example.com/cb?access_token=[MASKED:token-assignment]&state=2 200'],
      [`pip install --index-url https://ci:${s.env}@pypi.example.com/simple/ app`, 'pip install --index-url https://ci:[MASKED:env-secret]@pypi.example.com/simple/ app'],
    ];
    const ws = workspaceWithLog(lines.map(([line]) => line).join('\n') + '\n');
    const out = collectLog(ws, '8101', { PYPI_PASSWORD: s.env });
    expect(out).toBe(lines.map(([, masked]) => masked).join('\n') + '\n');
    for (const secret of Object.values(s)) expect(out).not.toContain(secret);
  });
});
