import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { randomInt } from 'node:crypto';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { runCli } from '../src/cli/main';
import { memoryIO } from '../src/cli/io';
import { registry } from '../commands/registry';

export const ROOT = resolve(import.meta.dirname, '..');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A GitHub classic token made at run time: no secret-shaped literal lives in the repository. */
export const runtimeGithubToken = (): string => 'ghp_' + Array.from({ length: 36 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
export const OPS_BIN = join(ROOT, 'bin', 'ops');
export const FAKE_GH = join(ROOT, 'fixtures', 'bin', 'gh');
export const GH_RUNS = join(ROOT, 'fixtures', 'gh', 'runs.json');
export const NOW = '2025-11-14T00:00:00Z';

const made: string[] = [];
afterEach(() => {
  // Retries: a child a test started (the console's background ops) may still be finishing a write.
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(prefix = 'ops-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A fresh temp folder that is an ops workspace: it has a `.ops/` folder, as a checkout with
 * committed `.ops/*.json` does, and no ledger yet (the first writing command makes it). Only
 * `ops init` and `ops demo` turn a bare folder into a workspace.
 */
export function workspaceDir(prefix = 'ops-test-'): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, '.ops'));
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ops ARGS` in-process with a pinned clock, like a non-TTY CI shell. */
export async function ops(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; isTTY?: boolean } = {}): Promise<CliResult> {
  const io = memoryIO({
    isTTY: opts.isTTY,
    cwd: opts.cwd ?? process.cwd(),
    env: { OPS_NOW: NOW, ...opts.env },
    stdin: Readable.from(opts.stdin === undefined ? [] : [opts.stdin]),
  });
  const code = await runCli(args, io, registry);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** Runs the built `bin/ops` as a real child process (needs `npm run build`). */
export function opsProcess(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [OPS_BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, OPS_NOW: NOW, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every row of every table, in a stable order: "the ledger is identical" made checkable. */
export function dumpLedger(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
    return tables
      // meta's workspace_id is the ledger's identity (migration 18: random, made once per ledger), not its content.
      .map(({ name }) => `${name}\n` + (db.prepare(`SELECT * FROM "${name}"${name === 'meta' ? ` WHERE key <> 'workspace_id'` : ''} ORDER BY 1, 2`).all() as object[]).map((r) => JSON.stringify(r)).join('\n'))
      .join('\n\n');
  } finally {
    db.close();
  }
}

export function sh(script: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync('sh', ['-c', script], { cwd: opts.cwd, env: { ...process.env, OPS_NOW: NOW, ...opts.env }, encoding: 'utf8' });
}

/** The environment of a GitHub Actions job step (run `runId`, attempt 1, workflow CI of acme/api). */
export const githubEnv = (runId: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  OPS_NOW: NOW,
  GITHUB_ACTIONS: 'true',
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW: 'CI',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_SHA: '3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_ACTOR: 'octocat',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_JOB: 'test',
  ...extra,
});
