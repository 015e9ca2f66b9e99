import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, ops, workspaceDir } from './helpers';

/**
 * A workspace with seven audit events: killswitch changes, an import, the two stale-run
 * alerts detection opens after it (the fixture has runs in progress for hours), a release.
 */
async function auditedWorkspace() {
  const ws = workspaceDir();
  const env = (t: string) => ({ env: { OPS_NOW: t, OPS_ACTOR: 'alice' } });
  await ops(['killswitch', '--reason', 'one', '--workspace', ws], env('2025-11-14T00:00:00Z'));
  await ops(['killswitch', '--release', '--reason', 'two', '--workspace', ws], env('2025-11-14T00:01:00Z'));
  await ops(['runs', 'import', GH_RUNS, '--workspace', ws], env('2025-11-14T00:02:00Z'));
  await ops(['killswitch', '--scope', 'Deploy', '--reason', 'four', '--workspace', ws], env('2025-11-14T00:03:00Z'));
  await ops(['killswitch', '--release', '--scope', 'Deploy', '--reason', 'five', '--workspace', ws], env('2025-11-14T00:04:00Z'));
  return { ws, ledger: join(ws, '.ops', 'ledger.db') };
}

/** Tampering the way a person would: the sqlite3 shell on the ledger file. */
const sqlite = (ledger: string, sql: string) => execFileSync('sqlite3', [ledger, sql], { encoding: 'utf8' });

describe('ops audit', () => {
  it('records every state change with actor, role, event, payload hash and the chain', async () => {
    const { ws } = await auditedWorkspace();
    const events = JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout).reverse();
    expect(events.map((e: { seq: number; event: string }) => `${e.seq} ${e.event}`)).toEqual([
      '1 killswitch.engage',
      '2 killswitch.release',
      '3 runs.import',
      '4 alert.open',
      '5 alert.open',
      '6 killswitch.engage',
      '7 killswitch.release',
    ]);
    expect(events[3]).toMatchObject({ actor: 'ops-detect', role: 'system', target_id: 'stale_run:acme/api:Deploy' });
    expect(events[2]).toMatchObject({ actor: 'alice', role: 'operator', target_id: GH_RUNS, ts: '2025-11-14T00:02:00Z' });
    for (let i = 1; i < events.length; i++) expect(events[i].prev_hash).toBe(events[i - 1].hash);
    expect(events[0].prev_hash).toBe('0'.repeat(64));
    for (const e of events) expect(e.payload_sha256).toMatch(/^[0-9a-f]{64}$/);
    const verify = await ops(['audit', 'verify', '--workspace', ws, '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toEqual({ ok: true, events: 7, head: events[6].hash });
    // Limit and the human table.
    const table = await ops(['audit', 'log', '--limit', '2', '--workspace', ws]);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stdout).toMatch(/^\s*7\s+2025-11-14T00:04:00Z\s+alice \(operator\)\s+killswitch\.release\s+Deploy/m);
  });

  it.each([
    ['an edited field', `UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`, 2, /edited: its hash no longer matches its fields/],
    ['an edited field with its hash recomputed by hand', `UPDATE audit_events SET hash = '${'a'.repeat(64)}' WHERE seq = 3`, 3, /edited/],
    ['a deleted middle event', `DELETE FROM audit_events WHERE seq = 3`, 3, /missing: the chain jumps from event 2 to 4 \(deleted\)/],
    ['a deleted first event', `DELETE FROM audit_events WHERE seq = 1`, 1, /missing: the chain jumps from event 0 to 2/],
    ['deleted newest events', `DELETE FROM audit_events WHERE seq >= 4`, 4, /missing: the log ends at event 3 but event 7 was recorded/],
    ['a reordered event', `UPDATE audit_events SET seq = 99 WHERE seq = 2`, 2, /missing: the chain jumps from event 1 to 3/],
    ['two events swapped', `UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3); UPDATE audit_events SET seq = seq + 5 WHERE seq IN (-2, -3)`, 2, /does not follow event 1|edited/],
    ['a forged event appended', `INSERT INTO audit_events (seq, ts, actor, role, event, run_id, target_id, payload_sha256, idempotency_key, prev_hash, hash, payload) SELECT 8, ts, actor, role, event, run_id, target_id, payload_sha256, idempotency_key, hash, hash, payload FROM audit_events WHERE seq = 7`, 8, /not written by ops|edited/],
    ['an emptied log', `DELETE FROM audit_events`, 1, /missing: the log ends at event 0 but event 7 was recorded/],
  ])('%s with the sqlite3 shell → exit 4 naming the first bad event', async (_what, sql, seq, problem) => {
    const { ws, ledger } = await auditedWorkspace();
    sqlite(ledger, sql);
    const r = await ops(['audit', 'verify', '--workspace', ws]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^ops: audit event ${seq}: `));
    expect(r.stderr).toMatch(problem);
  });

  it('an empty log verifies as intact with zero events', async () => {
    const ws = workspaceDir();
    await ops(['init', '--workspace', ws]);
    expect(await ops(['audit', 'verify', '--workspace', ws])).toMatchObject({ code: 0, stdout: `audit log intact: 0 events, head ${'0'.repeat(12)}\n` });
  });

  it('an import that changes nothing records no event', async () => {
    const ws = workspaceDir();
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    const first = JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout);
    expect(first.map((e: { event: string }) => e.event)).toContain('runs.import');
    await ops(['runs', 'import', GH_RUNS, '--workspace', ws]);
    // Not a second runs.import, and the alerts the first opened are not opened again.
    expect(JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout)).toEqual(first);
  });
});
