import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, ops, workspaceDir } from './helpers';

/** `ops report` (SPEC §5.1): every generated file of a date, deterministic. */

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

async function busyDay() {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, 'scenario.json'), JSON.stringify({ rerun: { '*': [{ exit: 1, stderr: 'HTTP 403: Resource not accessible by integration' }] } }));
  const env = { PATH: process.env.PATH, OPS_GH: FAKE_GH, FAKE_GH_LOG: join(ws, 'gh.log'), FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
  writeFileSync(join(ws, 'job.log'), 'token=supersecretvalue123456\nHTTP 503: Service Unavailable\n');
  const ci = { GITHUB_RUN_ID: '8001', GITHUB_RUN_ATTEMPT: '1', GITHUB_WORKFLOW: 'CI', GITHUB_REPOSITORY: 'acme/api', GITHUB_SERVER_URL: 'https://github.com' };
  expect((await ops(['evidence', 'collect', '--logs', 'job.log', '--conclusion', 'failure'], { cwd: ws, env: { ...env, ...ci } })).code).toBe(0);
  await ops(['retry', 'replay'], { env });
  await ops(['killswitch', '--reason', 'storm', '--expires', '1h'], { env });
  return { ws, env, day: join(ws, 'docs', 'reports', '2025-11-14') };
}

describe('ops report', () => {
  it('writes every file of the date; a second run and a regeneration from scratch give the same bytes', async () => {
    const { env, day } = await busyDay();
    const first = await ops(['report', '--date', '2025-11-14', '--json'], { env });
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    const names = report.dates[0].files.map((f: { path: string }) => f.path);
    for (const f of ['RUNS_SUMMARY.json', 'AUTO_RETRY_MANIFEST.json', 'PHASE4_AUDIT_SUMMARY.md', 'OPS_HEALTH_KPI.md', 'ROLLBACK_PROTOCOL.md', '_evidence_index.md']) expect(names).toContain(`2025-11-14/${f}`);
    expect(names.filter((n: string) => n.includes('audit_tickets/'))).toHaveLength(4); // the 403 failure and the engagement

    const before = tree(day);
    const again = JSON.parse((await ops(['report', '--date', '2025-11-14', '--json'], { env })).stdout);
    expect(again.dates[0].files.every((f: { written: boolean }) => !f.written)).toBe(true);
    expect(tree(day)).toEqual(before);

    // Delete every generated file and log (not the collected evidence): they come back byte for byte.
    const generated = Object.keys(before).filter((f) => !f.startsWith('artifacts/'));
    expect(generated.filter((f) => f.startsWith('logs/')).sort()).toEqual(['logs/killswitch_log_20251114.log', 'logs/notification_log_20251114.log', 'logs/retry_log_20251114.log']);
    for (const f of generated) rmSync(join(day, f));
    expect((await ops(['report', '--date', '2025-11-14'], { env })).stdout).toMatch(/^2025-11-14: \d+ files, \d+ written → /);
    expect(tree(day)).toEqual(before);
  });

  it('the audit summary covers runs, failures by class, retries, killswitch, tickets, sanitization and integrity; its links resolve', async () => {
    const { env, day } = await busyDay();
    await ops(['report', '--date', '2025-11-14'], { env });
    const md = readFileSync(join(day, 'PHASE4_AUDIT_SUMMARY.md'), 'utf8');
    expect(md).toContain('| failure | 1 |');
    expect(md).toMatch(/\| transient \| 503 \| service unavailable \| 1 \|/);
    expect(md).toMatch(/\| failed \| 1 \|/);
    expect(md).toContain('0 runs recovered, 1 failed for good');
    expect(md).toMatch(/\| 2025-11-14T00:00:00Z \| engage \| all workflows \| alice \| storm \|/);
    expect(md).toMatch(/\[audit_ticket_20251114_090000\]\(audit_tickets\/audit_ticket_20251114_090000\.md\) \| high \| 403 \| permission/);
    expect(md).toMatch(/\| password-assignment|\| [a-z-]+ \| 1 \| 1 \|/);
    expect(md).toContain('All 1 collected file match');
    expect(md).not.toContain('supersecretvalue123456');
    for (const name of ['PHASE4_AUDIT_SUMMARY.md', '_evidence_index.md']) {
      const text = readFileSync(join(day, name), 'utf8');
      for (const [, link] of text.matchAll(/\]\(([^)]+)\)/g)) {
        if (/^https?:/.test(link!)) continue;
        expect(() => statSync(resolve(dirname(join(day, name)), decodeURI(link!))), `${name}: ${link}`).not.toThrow();
      }
    }
    const kpi = readFileSync(join(day, 'OPS_HEALTH_KPI.md'), 'utf8');
    // One run, failed: 0 % against the 95 % target; one retry, given up.
    expect(kpi).toMatch(/\| `success_rate` \| 0\.0% \| >= 95\.0% \| \*\*breach\*\* \|/);
    expect(kpi).toMatch(/\| `retries_total` \| 1 \|/);
    expect(kpi).toMatch(/\| `retry_success_rate` \| 0\.0% \| >= 80\.0% \| \*\*breach\*\* \|/);
    expect(kpi).toContain('| 2025-11-14 | 1 | 1 | 0.0% | 1 |');
    const rollback = readFileSync(join(day, 'ROLLBACK_PROTOCOL.md'), 'utf8');
    expect(rollback).toContain('`{gh} workflow disable {workflow}`');
    expect(rollback).toContain('## Rollbacks on this date\n\nNone.\n');
  });

  it('log files come back in time order from the ledger, but one with a line the ledger does not know is kept as it is', async () => {
    const { env, day } = await busyDay();
    const log = join(day, 'logs', 'killswitch_log_20251114.log');
    const line = readFileSync(log, 'utf8');
    writeFileSync(log, line + 'a line written by hand\n');
    const r = await ops(['report', '--date', '2025-11-14'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('ops: warning: 2025-11-14/logs/killswitch_log_20251114.log: kept as it is: it has lines the ledger does not know (written by an older ops)\n');
    expect(readFileSync(log, 'utf8')).toBe(line + 'a line written by hand\n');
  });

  it('bad dates are exit 2 naming the flag; --from/--to covers a range', async () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws };
    await ops(['init'], { env });
    expect(await ops(['report', '--date', '2025-02-30'], { env })).toMatchObject({ code: 2, stderr: 'ops: --date: expected a date YYYY-MM-DD, got "2025-02-30"\n' });
    expect((await ops(['report', '--from', '2025-11-14'], { env })).stderr).toBe('ops: --to: a range needs both --from and --to\n');
    expect((await ops(['report', '--from', '2025-11-14', '--to', '2025-11-01'], { env })).stderr).toBe('ops: --to: 2025-11-01 is before --from 2025-11-14\n');
    const r = JSON.parse((await ops(['report', '--from', '2025-11-12', '--to', '2025-11-14', '--json'], { env })).stdout);
    expect(r.dates.map((d: { date: string }) => d.date)).toEqual(['2025-11-12', '2025-11-13', '2025-11-14']);
    // Default: today in the report zone (OPS_NOW 00:00Z is 09:00 JST).
    expect(JSON.parse((await ops(['report', '--json'], { env })).stdout).dates[0].date).toBe('2025-11-14');
  });
});
