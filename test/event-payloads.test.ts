import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS, sha256 } from '../src/events/chain';
import { openLedger } from '../src/ledger/open';
import { migrations } from '../src/ledger/migrations';
import { FAKE_GH, ops, opsProcess, workspaceDir } from './helpers';

/** Events carry their payload (issue 20 §1): what happened and why, hashed, masked, verified. */

const TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

describe('event payloads', () => {
  it('ops audit log shows why: the killswitch reason and scope, and the rollback reason; --json carries the payload', async () => {
    const ws = workspaceDir();
    const wf = join(ws, '.github', 'workflows');
    mkdirSync(wf, { recursive: true });
    writeFileSync(join(wf, 'deploy.yml'), 'name: deploy\non: push\n');
    writeFileSync(join(ws, 'scenario.json'), '{}');
    const env = { PATH: process.env.PATH, OPS_GH: FAKE_GH, FAKE_GH_SCENARIO: join(ws, 'scenario.json'), OPS_WORKSPACE: ws, OPS_ACTOR: 'alice', OPS_NOW: '2025-11-14T12:00:00Z' };
    await ops(['init'], { env });
    expect((await ops(['killswitch', '--scope', 'Deploy', '--force', '--expires', '4h', '--reason', 'INC-4242 deploys corrupting DB'], { env })).code).toBe(0);
    await ops(['snapshot', 'create'], { env });
    writeFileSync(join(wf, 'deploy.yml'), 'broken\n');
    expect((await ops(['rollback', '--reason', 'bad release 2025.11'], { env })).code).toBe(0);

    const log = JSON.parse((await ops(['audit', 'log', '--json'], { env })).stdout) as { seq: number; event: string; payload: any; payload_sha256: string; summary: string }[];
    const engage = log.find((e) => e.event === 'killswitch.engage')!;
    expect(engage.payload).toEqual({ scope: 'Deploy', reason: 'INC-4242 deploys corrupting DB', expires_at: '2025-11-14T16:00:00Z' });
    expect(engage.summary).toBe('killswitch.engage by alice: "INC-4242 deploys corrupting DB" scope Deploy until 16:00 UTC');
    expect(log.find((e) => e.event === 'rollback.start')!.payload).toMatchObject({ reason: 'bad release 2025.11' });
    expect(log.find((e) => e.event === 'rollback.complete')!.payload).toMatchObject({ reason: 'bad release 2025.11', state: 'completed' });
    const text = (await ops(['audit', 'log'], { env })).stdout;
    expect(text).toContain('killswitch.engage by alice: "INC-4242 deploys corrupting DB" scope Deploy until 16:00 UTC');
    expect(text).toMatch(/rollback\.complete by alice: rollback 1 completed "bad release 2025\.11"/);
    expect((await ops(['audit', 'verify'], { env })).code).toBe(0);
  });

  it('a payload edited with a SQLite shell fails ops audit verify (exit 4) naming the event', () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    expect(opsProcess(['killswitch', '--reason', 'first'], { env }).code).toBe(0);
    expect(opsProcess(['killswitch', '--release', '--reason', 'the real reason'], { env }).code).toBe(0);
    expect(opsProcess(['audit', 'verify'], { env }).code).toBe(0);
    const db = new Database(join(ws, '.ops', 'ledger.db'));
    db.prepare(`UPDATE audit_events SET payload = replace(payload, 'the real reason', 'nothing to see') WHERE seq = 2`).run();
    db.close();
    const r = opsProcess(['audit', 'verify'], { env });
    expect(r).toMatchObject({ code: 4, stdout: '', stderr: 'ops: audit event 2: edited: its payload no longer matches its payload_sha256\n' });
  });

  it('no secret enters a payload: a token pasted into a reason is masked in the event, the engagement and the log', () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    expect(opsProcess(['killswitch', '--reason', `leaked ${TOKEN} in logs`], { env }).code).toBe(0);
    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    const payload = db.prepare('SELECT payload FROM audit_events WHERE seq = 1').pluck().get() as string;
    const reason = db.prepare('SELECT reason FROM killswitch_engagements').pluck().get() as string;
    db.close();
    expect(payload).not.toContain(TOKEN);
    expect(payload).toMatch(/leaked \[MASKED[^\]]*\] in logs/);
    expect(reason).not.toContain(TOKEN);
    expect(opsProcess(['audit', 'log', '--json'], { env }).stdout).not.toContain(TOKEN);
    expect(opsProcess(['audit', 'verify'], { env }).code).toBe(0);
  });

  it('a ledger from before payloads migrates: old events keep their hash, have no payload, and say so', () => {
    const ws = workspaceDir();
    const path = join(ws, '.ops', 'ledger.db');
    const old = openLedger(path, { create: true, migrations: migrations.filter((m) => m.version < 10), now: '2025-11-13T00:00:00Z' });
    const fields = { seq: 1, ts: '2025-11-13T00:00:00Z', actor: 'bob', role: 'operator', event: 'killswitch.engage', run_id: null, target_id: '*', payload_sha256: sha256('{"reason":"old"}'), idempotency_key: null, prev_hash: GENESIS };
    const hash = eventHash(fields);
    old.prepare(`INSERT INTO audit_events (seq, ts, actor, role, event, run_id, target_id, payload_sha256, idempotency_key, prev_hash, hash) VALUES (@seq, @ts, @actor, @role, @event, @run_id, @target_id, @payload_sha256, @idempotency_key, @prev_hash, @hash)`).run({ ...fields, hash });
    old.prepare(`INSERT INTO meta (key, value) VALUES ('audit_head', ?)`).run(JSON.stringify({ seq: 1, hash }));
    old.close();

    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    expect(opsProcess(['killswitch', '--reason', 'new'], { env }).code).toBe(0);
    const log = JSON.parse(opsProcess(['audit', 'log', '--json'], { env }).stdout);
    expect(log[1]).toMatchObject({ seq: 1, hash, payload: null, payload_note: expect.stringMatching(/^payload not recorded/) });
    expect(log[0]).toMatchObject({ seq: 2, prev_hash: hash, payload: { reason: 'new', scope: '*', expires_at: null } });
    expect(opsProcess(['audit', 'log'], { env }).stdout).toMatch(/killswitch\.engage by bob: payload not recorded/);
    expect(opsProcess(['audit', 'verify'], { env })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log intact: 2 events/) });
  });
});
