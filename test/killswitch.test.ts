import { spawn } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, NOW, OPS_BIN, ops, workspaceDir } from './helpers';

const at = (iso: string) => ({ env: { OPS_NOW: iso, OPS_ACTOR: 'alice' } });

describe('ops killswitch', () => {
  it('engage → guard exits 3 naming who and why; release → guard exits 0; history lists both; audit verifies', async () => {
    const ws = workspaceDir();
    const on = await ops(['killswitch', '--reason', 'deploys corrupting prod DB', '--workspace', ws], at('2025-11-14T01:00:00Z'));
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/^KILLSWITCH ENGAGED for all workflows by alice at 2025-11-14T01:00:00Z: deploys corrupting prod DB\n$/);

    const blocked = await ops(['guard', '--workflow', 'CI', '--workspace', ws], at('2025-11-14T01:05:00Z'));
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toBe('');
    expect(blocked.stderr).toBe('ops: guard: blocked: killswitch engaged for all workflows by alice since 2025-11-14T01:00:00Z: deploys corrupting prod DB\n');

    const off = await ops(['killswitch', '--release', '--reason', 'restored from backup', '--workspace', ws], { env: { OPS_NOW: '2025-11-14T02:00:00Z', OPS_ACTOR: 'bob' } });
    expect(off.stdout).toMatch(/^killswitch released for all workflows by bob at 2025-11-14T02:00:00Z: restored from backup/);
    expect((await ops(['guard', '--workflow', 'CI', '--workspace', ws])).code).toBe(0);

    const history = JSON.parse((await ops(['killswitch', 'history', '--json', '--workspace', ws])).stdout);
    expect(history).toEqual([
      { at: '2025-11-14T01:00:00Z', action: 'engage', scope: '*', actor: 'alice', reason: 'deploys corrupting prod DB', expires_at: null, engagement_id: 1 },
      { at: '2025-11-14T02:00:00Z', action: 'release', scope: '*', actor: 'bob', reason: 'restored from backup', expires_at: null, engagement_id: 1 },
    ]);
    const verify = await ops(['audit', 'verify', '--workspace', ws]);
    expect(verify).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log intact: 2 events, head [0-9a-f]{12}\n$/) });
    const log = JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout);
    expect(log.map((e: { event: string; actor: string; role: string }) => [e.event, e.actor, e.role])).toEqual([
      ['killswitch.release', 'bob', 'operator'],
      ['killswitch.engage', 'alice', 'operator'],
    ]);
  });

  it('a scoped engagement blocks only that workflow', async () => {
    const ws = workspaceDir();
    await ops(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'bad release 2025.11', '--workspace', ws], at(NOW));
    expect((await ops(['guard', '--workflow', 'Deploy', '--workspace', ws])).code).toBe(3);
    expect((await ops(['guard', '--workflow', 'CI', '--workspace', ws])).code).toBe(0);
    expect((await ops(['guard', '--workspace', ws])).code).toBe(0);
    // In CI the workflow comes from GITHUB_WORKFLOW.
    expect((await ops(['guard', '--workspace', ws], { env: { GITHUB_WORKFLOW: 'Deploy' } })).code).toBe(3);
    const status = JSON.parse((await ops(['killswitch', 'status', '--scope', 'Deploy', '--json', '--workspace', ws])).stdout);
    expect(status).toMatchObject({ engaged: true, scope: 'Deploy', reason: 'bad release 2025.11', actor: 'alice', since: NOW, expires_at: null });
    const global = JSON.parse((await ops(['killswitch', 'status', '--json', '--workspace', ws])).stdout);
    expect(global).toMatchObject({ engaged: false, scope: null, active: [expect.objectContaining({ scope: 'Deploy' })] });
  });

  it('engaging an engaged scope says so and changes nothing; releasing a released one likewise', async () => {
    const ws = workspaceDir();
    await ops(['killswitch', '--reason', 'first', '--workspace', ws], at(NOW));
    const again = await ops(['killswitch', '--reason', 'second', '--workspace', ws], at('2025-11-14T00:10:00Z'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already engaged, nothing changed: killswitch engaged for all workflows by alice since 2025-11-14T00:00:00Z: first\n$/);
    await ops(['killswitch', '--release', '--reason', 'done', '--workspace', ws], at('2025-11-14T00:20:00Z'));
    const twice = await ops(['killswitch', '--release', '--reason', 'done', '--workspace', ws], at('2025-11-14T00:30:00Z'));
    expect(twice).toMatchObject({ code: 0, stdout: 'killswitch is not engaged for all workflows; nothing changed\n' });
    expect(JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout)).toHaveLength(2);
  });

  it.each([
    [['killswitch'], /^ops: --reason: required and not blank/],
    [['killswitch', '--reason', '   '], /^ops: --reason: required and not blank/],
    [['killswitch', '--release'], /^ops: --reason: required and not blank/],
    [['killswitch', '--reason', 'x', '--expires', 'soon'], /^ops: --expires: expected a duration such as 30m, 4h or 1d, got "soon"/],
    [['killswitch', '--release', '--reason', 'x', '--expires', '1h'], /^ops: --expires: only applies when engaging/],
  ])('%j → exit 2, nothing recorded', async (args, message) => {
    const ws = workspaceDir();
    const r = await ops([...args, '--workspace', ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(ws, '.ops', 'ledger.db'))).toBe(false);
  });

  it('an expired engagement counts as released, and is recorded as such when first observed', async () => {
    const ws = workspaceDir();
    await ops(['killswitch', '--reason', 'freeze for the migration', '--expires', '2h', '--workspace', ws], at('2025-11-14T00:00:00Z'));
    expect((await ops(['guard', '--workspace', ws], at('2025-11-14T01:59:00Z'))).code).toBe(3);
    // The guard reads only: past the expiry it lets runs through without writing.
    expect((await ops(['guard', '--workspace', ws], at('2025-11-14T02:00:01Z'))).code).toBe(0);
    const status = await ops(['killswitch', 'status', '--workspace', ws], at('2025-11-14T03:00:00Z'));
    expect(status.stdout).toBe('not engaged\n');
    const history = JSON.parse((await ops(['killswitch', 'history', '--json', '--workspace', ws], at('2025-11-14T04:00:00Z'))).stdout);
    expect(history.at(-1)).toEqual({ at: '2025-11-14T02:00:00Z', action: 'expire', scope: '*', actor: 'ops', reason: 'expired', expires_at: '2025-11-14T02:00:00Z', engagement_id: 1 });
    const events = JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout);
    expect(events.map((e: { event: string; role: string }) => `${e.event}/${e.role}`)).toEqual(['killswitch.expire/system', 'killswitch.engage/operator']);
    expect((await ops(['audit', 'verify', '--workspace', ws])).code).toBe(0);
    // A new engagement is possible once the old one lapsed.
    const again = await ops(['killswitch', '--reason', 'again', '--workspace', ws], at('2025-11-14T05:00:00Z'));
    expect(again.stdout).toMatch(/^KILLSWITCH ENGAGED/);
  });

  it('the same --idempotency-key twice: one engagement, one audit event, the second call reports the first', async () => {
    const ws = workspaceDir();
    const args = ['killswitch', '--reason', 'runaway retries', '--idempotency-key', 'gh-run-19283746501', '--workspace', ws, '--json'];
    const first = JSON.parse((await ops(args, at('2025-11-14T00:00:00Z'))).stdout);
    const second = JSON.parse((await ops(args, { env: { OPS_NOW: '2025-11-14T00:05:00Z', OPS_ACTOR: 'ci-bot' } })).stdout);
    expect(first).toMatchObject({ action: 'engaged', replayed: false, audit_seq: 1 });
    expect(second).toEqual({ ...first, replayed: true, expired: [] });
    const human = await ops(args.slice(0, -1), at('2025-11-14T00:06:00Z'));
    expect(human.stdout).toMatch(/KILLSWITCH ENGAGED for all workflows by alice at 2025-11-14T00:00:00Z: runaway retries\n\(the same idempotency key was used before: this reports that call, audit event #1; nothing was done now\)\n$/);
    const events = JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout);
    expect(events).toHaveLength(1);
    expect(events[0].idempotency_key).toBe('gh-run-19283746501');
    const history = JSON.parse((await ops(['killswitch', 'history', '--json', '--workspace', ws])).stdout);
    expect(history).toHaveLength(1);
    // Past the TTL (config idempotencyTtlSeconds, default 1 day) the key is forgotten.
    const later = JSON.parse((await ops(args, at('2025-11-15T00:00:01Z'))).stdout);
    expect(later).toMatchObject({ action: 'already_engaged', replayed: false });
  });

  it('two concurrent ops killswitch processes never leave two active engagements for one scope', async () => {
    const ws = workspaceDir();
    await ops(['init', '--workspace', ws]);
    const run = (i: number) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [OPS_BIN, 'killswitch', '--reason', `racer ${i}`, '--scope', 'Deploy', '--force', '--workspace', ws, '--json'], {
          env: { PATH: process.env.PATH, OPS_NOW: NOW, OPS_ACTOR: `racer-${i}` },
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map(run));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const actions = results.map((r) => JSON.parse(r.out).action).sort();
    expect(actions).toEqual(['already_engaged', 'already_engaged', 'already_engaged', 'already_engaged', 'already_engaged', 'engaged']);
    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM killswitch_engagements WHERE released_at IS NULL AND scope = 'Deploy'`).get()).toEqual({ n: 1 });
    db.close();
    expect((await ops(['audit', 'verify', '--workspace', ws])).code).toBe(0);
  });

  it('writes a line per change to logs/killswitch_log_YYYYMMDD.log in the JST folder of the moment', async () => {
    const ws = workspaceDir();
    // 16:30 UTC on the 13th is 01:30 JST on the 14th.
    await ops(['killswitch', '--reason', 'night freeze', '--expires', '30m', '--workspace', ws], at('2025-11-13T16:30:00Z'));
    await ops(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'x', '--workspace', ws], at('2025-11-13T16:40:00Z'));
    await ops(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'y', '--workspace', ws], { env: { OPS_NOW: '2025-11-13T16:50:00Z', OPS_ACTOR: 'bob', GITHUB_ACTIONS: 'true' } });
    const file = join(ws, 'docs', 'reports', '2025-11-14', 'logs', 'killswitch_log_20251114.log');
    expect(readFileSync(file, 'utf8').split('\n')).toEqual([
      '2025-11-13T16:30:00Z ENGAGE scope=global actor="alice" role=operator engagement=1 audit=1 expires=2025-11-13T17:00:00Z reason="night freeze"',
      '2025-11-13T16:40:00Z ENGAGE scope="Deploy" actor="alice" role=operator engagement=2 audit=2 expires=- reason="x"',
      // The global engagement lapsed at 17:00 UTC; the release at 16:50 sees it still active.
      '2025-11-13T16:50:00Z RELEASE scope="Deploy" actor="bob" role=ci engagement=2 audit=3 expires=- reason="y"',
      '',
    ]);
    // OPS_TZ moves the folder: 16:30 UTC is still the 13th in New York.
    const ny = workspaceDir();
    await ops(['killswitch', '--reason', 'ny', '--workspace', ny], { env: { OPS_NOW: '2025-11-13T16:30:00Z', OPS_TZ: 'America/New_York' } });
    expect(existsSync(join(ny, 'docs', 'reports', '2025-11-13', 'logs', 'killswitch_log_20251113.log'))).toBe(true);
  });

  it('an unwritable log folder is a warning: the killswitch is still engaged and says so', async () => {
    const ws = workspaceDir();
    mkdirSync(join(ws, 'docs'));
    writeFileSync(join(ws, 'docs', 'reports'), 'a file where the reports folder should be');
    const r = await ops(['killswitch', '--reason', 'stop', '--workspace', ws], at(NOW));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KILLSWITCH ENGAGED/);
    expect(r.stderr).toMatch(/^ops: warning: .*killswitch log not written .*the ledger and audit log have the change\nops: warning: audit ticket not written .*run ops audit ticket to write it\nops: warning: evidence summaries not written .*run ops report to write them\nops: warning: notifications: log: ENOTDIR.*\(queued again: ops notify list\)\n$/);
    expect((await ops(['guard', '--workspace', ws])).code).toBe(3);
  });

  it('ops status leads with the killswitch, loud when engaged, and --json carries the §10.4 state', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    expect((await ops(['status', '--workspace', ws])).stdout).toMatch(/^ops status .*\nkillswitch: not engaged\n/);
    await ops(['killswitch', '--reason', 'prod incident', '--expires', '1h', '--workspace', ws], at(NOW));
    await ops(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'bad build', '--workspace', ws], at(NOW));
    const text = await ops(['status', '--workspace', ws], { isTTY: true, ...at('2025-11-14T00:30:00Z') });
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`\x1b[31m\x1b[1m!!! KILLSWITCH ENGAGED !!! killswitch engaged for all workflows by alice since ${NOW}, expires 2025-11-14T01:00:00Z: prod incident\x1b[22m\x1b[39m`);
    expect(lines[1]).toMatch(/KILLSWITCH ENGAGED !!! killswitch engaged for workflow "Deploy" by alice/);
    const json = JSON.parse((await ops(['status', '--workspace', ws, '--json'], at('2025-11-14T00:30:00Z'))).stdout);
    expect(json.killswitch).toMatchObject({ engaged: true, scope: null, reason: 'prod incident', actor: 'alice', since: NOW, expires_at: '2025-11-14T01:00:00Z' });
    expect(json.killswitch.active).toHaveLength(2);
    // Past the expiry only the scoped engagement is left.
    const later = JSON.parse((await ops(['status', '--workspace', ws, '--json'], at('2025-11-14T02:00:00Z'))).stdout);
    expect(later.killswitch).toMatchObject({ engaged: false, active: [expect.objectContaining({ scope: 'Deploy' })] });
  });
});
