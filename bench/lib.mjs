// Shared helpers for the benchmarks: they time real processes of the built bin/ops.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPS = new URL('../bin/ops', import.meta.url).pathname;

export function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A temp workspace: a folder with `.ops/` (ops refuses a bare folder); the first write makes the ledger. */
export const tempWorkspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-bench-'));
  mkdirSync(join(dir, '.ops'));
  return dir;
};

/** gh `run list --json` records, GitHub-shaped, deterministic. */
export function writeGhRuns(path, count) {
  const workflows = ['CI', 'Deploy', 'Nightly', 'E2E', 'Release'];
  const conclusions = ['success', 'success', 'success', 'success', 'success', 'success', 'failure', 'cancelled', 'success', 'timed_out'];
  const base = Date.UTC(2025, 10, 1);
  // gh prints times without milliseconds.
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const parts = ['['];
  for (let i = 0; i < count; i++) {
    const start = base + i * 7_000;
    const id = 19_000_000_000 + i;
    parts.push(
      (i ? ',' : '') +
        JSON.stringify({
          attempt: 1 + (i % 17 === 0 ? 1 : 0),
          conclusion: conclusions[i % conclusions.length],
          createdAt: iso(start),
          databaseId: id,
          displayTitle: `Commit ${i}`,
          event: i % 4 ? 'push' : 'pull_request',
          headBranch: i % 5 ? 'main' : `feature/f-${i % 97}`,
          headSha: (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(5),
          name: workflows[i % workflows.length],
          number: i + 1,
          startedAt: iso(start + 2_000),
          status: 'completed',
          updatedAt: iso(start + 2_000 + 60_000 + (i % 600) * 1000),
          url: `https://github.com/acme/repo${i % 4}/actions/runs/${id}`,
          workflowDatabaseId: 7000 + (i % workflows.length),
          workflowName: workflows[i % workflows.length],
        }) +
        '\n',
    );
  }
  parts.push(']\n');
  writeFileSync(path, parts.join(''));
}
