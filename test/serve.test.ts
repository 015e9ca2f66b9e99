import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GH_RUNS, opsProcess, workspaceDir } from './helpers';
import { call, createKey, sse, startServe } from './serve-helpers';

/** A workspace with the fixture's runs, and a key of each role. */
function workspace() {
  const ws = workspaceDir('ops-serve-');
  const imported = opsProcess(['runs', 'import', GH_RUNS, '--repo', 'acme/api', '--workspace', ws]);
  expect(imported.code).toBe(0);
  return { ws, viewer: createKey(ws, 'vera', 'viewer'), operator: createKey(ws, 'alice-laptop', 'operator'), admin: createKey(ws, 'root', 'admin') };
}

describe('ops serve: access', () => {
  it('answers /healthz without a key, 401 (problem JSON) without or with a wrong key, 403 for a viewer that acts', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(s.url, '/api/v1/healthz')).json.ok).toBe(true);

    const none = await call(s.url, '/api/v1/runs');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.json).toMatchObject({ status: 401, title: expect.any(String), type: expect.stringMatching(/^https?:\/\//), detail: expect.any(String) });
    expect((await call(s.url, '/api/v1/runs', { key: 'ops_not-a-key' })).status).toBe(401);

    const denied = await call(s.url, '/api/v1/killswitch', { key: viewer, body: { reason: 'viewer tries' } });
    expect(denied.status).toBe(403);
    expect(denied.json.detail).toContain('operator');
    // Nothing was engaged.
    expect(JSON.parse(opsProcess(['killswitch', 'status', '--json', '--workspace', ws]).stdout).engaged).toBe(false);
  });

  it('a revoked key is refused from the next request on', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    expect((await call(s.url, '/api/v1/status', { key: viewer })).status).toBe(200);
    expect(opsProcess(['serve', 'keys', 'revoke', 'vera', '--workspace', ws]).code).toBe(0);
    expect((await call(s.url, '/api/v1/status', { key: viewer })).status).toBe(401);
    const list = JSON.parse(opsProcess(['serve', 'keys', 'list', '--json', '--workspace', ws]).stdout);
    expect(list.find((k: { name: string }) => k.name === 'vera').revoked_at).not.toBeNull();
    // Only hashes are stored: the key itself is nowhere in the ledger.
    expect(readFileSync(join(ws, '.ops', 'ledger.db')).includes(viewer)).toBe(false);
  });
});

describe('ops serve: the same answers as the CLI', () => {
  it('GET /status is what ops status --json prints; /runs what ops runs list --json prints; /kpi what ops kpi --json prints', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    const cli = (args: string[]) => JSON.parse(opsProcess([...args, '--json', '--workspace', ws]).stdout);
    expect((await call(s.url, '/api/v1/status', { key: viewer })).json).toEqual(cli(['status']));
    expect((await call(s.url, '/api/v1/runs', { key: viewer })).json).toEqual(cli(['runs', 'list']));
    expect((await call(s.url, '/api/v1/runs?workflow=deploy&limit=5', { key: viewer })).json).toEqual(cli(['runs', 'list', '--workflow', 'deploy', '--limit', '5']));
    expect((await call(s.url, '/api/v1/kpi?window=7d', { key: viewer })).json).toEqual(cli(['kpi', '--window', '7d']));
    const one = await call(s.url, '/api/v1/runs/19283746501', { key: viewer });
    expect(one.json).toEqual(cli(['runs', 'show', '19283746501']));
    expect((await call(s.url, '/api/v1/runs/1', { key: viewer })).status).toBe(404);
  });
});

describe('ops serve: the killswitch and live events', () => {
  it("an operator's engage is the CLI's killswitch, names the key in the audit log, and reaches SSE clients with id = its seq within 1 s of its commit", async () => {
    const { ws, operator, viewer } = workspace();
    // The real clock (no OPS_NOW), server and CLI alike: the event's ts is its commit time.
    const real = { OPS_NOW: '' };
    const s = await startServe(ws, real);
    const live = sse(s.url, viewer);
    await live.ready;
    const engaged = await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'INC-1 bad deploy', expires: '4h' } });
    expect(engaged.status).toBe(200);
    expect(engaged.json.action).toBe('engaged');
    const seq = engaged.json.audit_seq as number;
    await live.waitFor((e) => e.some((x) => x.event === 'killswitch.engage'), 1000);
    const frame = live.events.find((x) => x.event === 'killswitch.engage')!;
    expect(frame.id).toBe(String(seq));
    const data = JSON.parse(frame.data);
    expect(frame.at - Date.parse(data.ts)).toBeLessThan(1000);
    expect(data).toMatchObject({ seq, event: 'killswitch.engage', actor: 'key:alice-laptop', role: 'operator', payload: { reason: 'INC-1 bad deploy', scope: '*' } });
    // The data is `ops events tail --json`'s line for that event.
    const tail = opsProcess(['events', 'tail', '--since', String(seq - 1), '--json', '--workspace', ws], { env: real }).stdout.trim().split('\n')[0]!;
    expect(data).toEqual(JSON.parse(tail));

    const status = JSON.parse(opsProcess(['killswitch', 'status', '--json', '--workspace', ws], { env: real }).stdout);
    expect(status).toMatchObject({ engaged: true, reason: 'INC-1 bad deploy', actor: 'key:alice-laptop' });
    const audit = JSON.parse(opsProcess(['audit', 'log', '--json', '--workspace', ws], { env: real }).stdout);
    expect(audit.find((e: { seq: number }) => e.seq === seq)).toMatchObject({ actor: 'key:alice-laptop', event: 'killswitch.engage' });
    // The CLI's guard sees it: one killswitch for the API and the CLI.
    expect(opsProcess(['guard', '--workspace', ws], { env: real }).code).toBe(3);

    const released = await call(s.url, '/api/v1/killswitch/release', { key: operator, body: { reason: 'fixed' } });
    expect(released.json.action).toBe('released');
    await live.waitFor((e) => e.some((x) => x.event === 'killswitch.release'), 1000);
    expect(opsProcess(['guard', '--workspace', ws], { env: real }).code).toBe(0);
    live.close();
  });

  it('a killswitch engaged by the CLI reaches the SSE stream too (one reader of the ledger for every client)', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    const clients = Array.from({ length: 5 }, () => sse(s.url, viewer));
    await Promise.all(clients.map((c) => c.ready));
    expect(opsProcess(['killswitch', '--reason', 'from the CLI', '--workspace', ws], { env: { OPS_ACTOR: 'bob' } }).code).toBe(0);
    for (const c of clients) await c.waitFor((e) => e.some((x) => x.event === 'killswitch.engage'), 1000);
    for (const c of clients) c.close();
  });

  it('a client reconnecting with Last-Event-ID gets exactly the events it missed, then the live ones; ?types= filters', async () => {
    const { ws, viewer, operator } = workspace();
    const s = await startServe(ws);
    const first = sse(s.url, viewer);
    await first.ready;
    await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'one' } });
    await first.waitFor((e) => e.length === 1);
    const lastSeen = Number(first.events[0]!.id);
    first.close();

    // Missed while away: a release and an engage by the API, one engage by the CLI.
    const missed: number[] = [];
    missed.push((await call(s.url, '/api/v1/killswitch/release', { key: operator, body: { reason: 'two' } })).json.audit_seq);
    missed.push((await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'three' } })).json.audit_seq);
    expect(opsProcess(['killswitch', '--release', '--reason', 'four', '--workspace', ws]).code).toBe(0);
    const head = JSON.parse(opsProcess(['events', 'tail', '--json', '--workspace', ws]).stdout.trim().split('\n').at(-1)!).seq as number;
    const expected = Array.from({ length: head - lastSeen }, (_, i) => String(lastSeen + 1 + i));

    const again = sse(s.url, viewer, { lastEventId: lastSeen });
    await again.waitFor((e) => e.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300)); // nothing more, nothing twice
    expect(again.events.map((e) => e.id)).toEqual(expected);
    // Then live.
    const next = (await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'five' } })).json.audit_seq;
    await again.waitFor((e) => e.at(-1)?.id === String(next));
    expect(again.events.map((e) => e.id)).toEqual([...expected, String(next)]);
    again.close();

    const filtered = sse(s.url, viewer, { query: `since=0&types=killswitch.release` });
    await filtered.waitFor((e) => e.length >= 2);
    expect(filtered.events.every((e) => e.event === 'killswitch.release')).toBe(true);
    expect(filtered.events.map((e) => Number(e.id))).toEqual([missed[0], head]);
    filtered.close();
  });

  it('sends a heartbeat comment while idle', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws, { OPS_SERVE_HEARTBEAT_MS: '100' });
    const c = sse(s.url, viewer);
    await c.ready;
    const until = Date.now() + 2000;
    while (!c.comments.some((x) => x === ': heartbeat') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(c.comments).toContain(': heartbeat');
    c.close();
  });
});

describe('ops serve: a slow SSE client', () => {
  it('is dropped once its unsent bytes pass the bound; the other clients get every event', async () => {
    const { ws, viewer, operator } = workspace();
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ serve: { rateLimit: { perMinute: 100_000, burst: 10_000 } } }));
    const s = await startServe(ws);
    const { port } = new URL(s.url);
    // Asks for the stream, then never reads a byte.
    const stalled = connect({ host: '127.0.0.1', port: Number(port) });
    stalled.write(`GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\n\r\n`);
    stalled.pause();
    const closed = new Promise((resolve) => stalled.once('close', resolve));
    stalled.on('error', () => undefined);
    const reader = sse(s.url, viewer);
    await reader.ready;
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(s.url, '/api/v1/healthz')).json.sse_clients).toBe(2);
    // ~120 KB per event (a long reason): the kernel's socket buffers fill, then the server's bound.
    const reason = 'r'.repeat(120_000);
    let sent = 0;
    for (; sent < 200; sent++) {
      await call(s.url, sent % 2 ? '/api/v1/killswitch/release' : '/api/v1/killswitch', { key: operator, body: { reason } });
      if ((await call(s.url, '/api/v1/healthz')).json.sse_dropped > 0) break;
    }
    const health = (await call(s.url, '/api/v1/healthz')).json;
    expect(health.sse_dropped).toBe(1);
    expect(health.sse_clients).toBe(1);
    stalled.resume();
    await closed;
    await reader.waitFor((e) => e.length === sent + 1, 5000);
    reader.close();
  });
});
