import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/notify/sign';
import { dumpLedger, FAKE_GH, ops, opsProcess, runtimeGithubToken, workspaceDir } from './helpers';

const ECHOED = runtimeGithubToken();

/** A real HTTP endpoint: records every request, answers as `respond` says. */
interface Hook {
  url: string;
  requests: { headers: IncomingMessage['headers']; body: string; path: string }[];
  server: Server;
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

async function hook(respond: 'ok' | 500 | 'hang'): Promise<Hook> {
  const requests: Hook['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body, path: req.url ?? '' });
      if (respond === 'hang') return; // never answers
      res.writeHead(respond === 'ok' ? 200 : 500, { 'content-type': 'text/plain' });
      // A careless server echoing a token back: it must be masked in the delivery log.
      res.end(respond === 'ok' ? 'ok' : `internal error; debug token ${ECHOED}`);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // The path stands for a Slack-style secret path: it must never be printed or stored.
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000SECRETPATH`, requests, server };
}

const SECRET = 'whsec-test-0123456789abcdef';
const T0 = '2025-11-14T00:00:00Z';
const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString().replace('.000Z', 'Z');

function workspace(channels: object[]) {
  const ws = workspaceDir();
  mkdirSync(join(ws, '.ops'), { recursive: true });
  writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ notifications: { channels } }));
  const log = join(ws, 'gh.log');
  const env = { PATH: process.env.PATH, OPS_WORKSPACE: ws, OPS_GH: FAKE_GH, FAKE_GH_LOG: log, OPS_HOOK_SECRET: SECRET, OPS_ACTOR: 'alice' };
  return { ws, env, log, ledger: join(ws, '.ops', 'ledger.db') };
}

const list = async (env: NodeJS.ProcessEnv) => JSON.parse((await ops(['notify', 'list', '--json'], { env })).stdout);

describe('notification outbox', () => {
  it('a killswitch engagement reaches a signed webhook: the signature verifies with the shared secret', async () => {
    const h = await hook('ok');
    const w = workspace([{ name: 'ops-hook', type: 'webhook', urlEnv: 'OPS_HOOK_URL', secretEnv: 'OPS_HOOK_SECRET' }]);
    const env = { ...w.env, OPS_HOOK_URL: h.url };
    const r = await ops(['killswitch', '--reason', 'deploys corrupting prod DB'], { env });
    expect(r.code).toBe(0);
    // Delivered by the killswitch command itself, after it printed the engagement.
    expect(h.requests).toHaveLength(1);
    const req = h.requests[0]!;
    const ts = String(req.headers['x-ops-timestamp']);
    expect(ts).toBe(String(Date.parse(T0) / 1000));
    expect(verifySignature(SECRET, ts, req.body, String(req.headers['x-ops-signature-256']))).toBe(true);
    expect(verifySignature('another secret', ts, req.body, String(req.headers['x-ops-signature-256']))).toBe(false);
    expect(verifySignature(SECRET, ts, req.body.replace('prod', 'dev'), String(req.headers['x-ops-signature-256']))).toBe(false);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ event: 'killswitch.engage', severity: 'critical', title: 'Killswitch ENGAGED: all workflows', fields: { reason: 'deploys corrupting prod DB', by: 'alice' } });
    expect(req.headers['idempotency-key']).toBe(body.idempotency_key);

    const [n] = await list(env);
    expect(n.deliveries).toHaveLength(1);
    expect(n.deliveries[0]).toMatchObject({ channel: 'ops-hook', state: 'delivered', attempts: 1 });
    expect(n.deliveries[0].log[0]).toMatchObject({ request_id: req.headers['x-request-id'], http_status: 200, error: null, response_excerpt: 'ok' });

    // Nothing due now; the secret and the URL's path are nowhere.
    expect((await ops(['notify', 'deliver'], { env })).stderr).toBe('nothing due\n');
    const test = await ops(['notify', 'test', 'ops-hook'], { env });
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^ops-hook \(webhook, http:\/\/127\.0\.0\.1:\d+\/\*\*\* from \$OPS_HOOK_URL\): delivered, HTTP 200 in \d+ ms, request [0-9a-f-]{36}\n  response: ok\n$/);
    for (const text of [dumpLedger(w.ledger), test.stdout, JSON.stringify(await list(env)), (await ops(['status'], { env })).stdout]) {
      expect(text).not.toContain('T000SECRETPATH');
      expect(text).not.toContain(SECRET);
    }
  });

  it('a server answering 500: attempts at +60 s, +300 s, +1800 s, then failed and the GitHub issue fallback carries it', async () => {
    const h = await hook(500);
    const w = workspace([
      { name: 'slack-oncall', type: 'slack', urlEnv: 'OPS_HOOK_URL' },
      { name: 'issues', type: 'github_issue', repo: 'acme/ops', labels: ['incident'], fallbackOnly: true },
    ]);
    const env = (t: string) => ({ ...w.env, OPS_HOOK_URL: h.url, OPS_NOW: t });
    expect((await ops(['killswitch', '--reason', 'runaway deploys'], { env: env(T0) })).code).toBe(0);
    const slack = async () => (await list(env(T0)))[0].deliveries.find((d: { channel: string; fallback_of: number | null }) => d.channel === 'slack-oncall');
    expect(h.requests).toHaveLength(1);
    expect(JSON.parse(h.requests[0]!.body)).toMatchObject({ text: 'CRITICAL: Killswitch ENGAGED: all workflows', blocks: expect.arrayContaining([expect.objectContaining({ type: 'header' })]) });
    expect(await slack()).toMatchObject({ state: 'pending', attempts: 1, next_attempt_at: at(T0, 60) });

    const steps: [number, number, string | null][] = [
      [59, 1, at(T0, 60)], // not yet due
      [60, 2, at(T0, 360)],
      [359, 2, at(T0, 360)],
      [360, 3, at(T0, 2160)],
      [2159, 3, at(T0, 2160)],
      [2160, 4, null], // the fourth failure is the last
    ];
    for (const [s, requests, next] of steps) {
      await ops(['notify', 'deliver'], { env: env(at(T0, s)) });
      expect(h.requests, `at +${s} s`).toHaveLength(requests);
      expect((await slack()).next_attempt_at, `at +${s} s`).toBe(next);
    }
    const [n] = await list(env(T0));
    const s = n.deliveries.find((d: { channel: string }) => d.channel === 'slack-oncall');
    expect(s).toMatchObject({ state: 'failed', attempts: 4, last_error: 'HTTP 500 Internal Server Error' });
    expect(s.log.map((a: { at: string; http_status: number }) => [a.at, a.http_status])).toEqual([
      [T0, 500],
      [at(T0, 60), 500],
      [at(T0, 360), 500],
      [at(T0, 2160), 500],
    ]);
    // The excerpt is kept, sanitized.
    expect(s.log[0].response_excerpt).toBe('internal error; debug token [MASKED:github-pat]');
    const fallback = n.deliveries.find((d: { fallback_of: number | null }) => d.fallback_of === s.id);
    expect(fallback).toMatchObject({ channel: 'issues', state: 'delivered', attempts: 1 });
    const issues = readFileSync(w.log, 'utf8').split('\n').filter((l) => l.startsWith('issue create'));
    // One issue: the issue channel is told only when Slack has given up.
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain('--title [ops] Killswitch ENGAGED: all workflows');
    expect(readFileSync(w.log, 'utf8')).toContain('--repo acme/ops --label incident');
    expect(dumpLedger(w.ledger)).not.toContain(ECHOED);
  });

  it('with no issue channel, a failed Slack delivery falls back to the notification log', async () => {
    const h = await hook(500);
    const w = workspace([{ name: 'slack', type: 'slack', urlEnv: 'OPS_HOOK_URL' }]);
    const env = (t: string) => ({ ...w.env, OPS_HOOK_URL: h.url, OPS_NOW: t });
    await ops(['killswitch', '--reason', 'stop'], { env: env(T0) });
    for (const s of [60, 360, 2160]) await ops(['notify', 'deliver'], { env: env(at(T0, s)) });
    const [n] = await list(env(T0));
    expect(n.deliveries.map((d: { channel: string; state: string }) => `${d.channel} ${d.state}`)).toEqual(['slack failed', 'log delivered']);
    const logFile = join(w.ws, 'docs', 'reports', '2025-11-14', 'logs', 'notification_log_20251114.log');
    expect(readFileSync(logFile, 'utf8')).toMatch(/^2025-11-14T00:00:00Z CRITICAL killswitch\.engage #1 Killswitch ENGAGED: all workflows scope="\*" by="alice" reason="stop"\n$/);
  });

  it('a hanging server is abandoned at 5 s and the delivery is scheduled again', async () => {
    const h = await hook('hang');
    const w = workspace([{ name: 'hook', type: 'webhook', url: h.url, secretEnv: 'OPS_HOOK_SECRET' }]);
    const started = Date.now();
    const r = await ops(['killswitch', '--reason', 'stop'], { env: w.env });
    const took = Date.now() - started;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ops: warning: notifications: hook: timed out after 5 s \(queued again: ops notify list\)\n$/);
    expect(took).toBeGreaterThanOrEqual(4900);
    expect(took).toBeLessThan(8000);
    const [n] = await list(w.env);
    expect(n.deliveries[0]).toMatchObject({ state: 'pending', attempts: 1, next_attempt_at: at(T0, 60), last_error: 'timed out after 5 s' });
    expect(n.deliveries[0].log[0].duration_ms).toBeGreaterThanOrEqual(4900);
    expect(h.requests).toHaveLength(1);
  }, 20_000);

  it('an event committed by a process killed before its consumers ran gets its outbox row, once, from the next ops process', () => {
    const w = workspace([]);
    const crashed = opsProcess(['killswitch', '--reason', 'stop'], { env: { ...w.env, OPS_FAILPOINT: 'event.committed' } });
    expect(crashed.code).toBe(-1); // killed by SIGKILL: no exit status
    const count = (sql: string) => {
      const db = new Database(w.ledger, { readonly: true });
      try {
        return (db.prepare(sql).pluck().get() as number) ?? 0;
      } finally {
        db.close();
      }
    };
    // The change and its event are in; the reaction to it is not yet.
    expect(count('SELECT COUNT(*) FROM audit_events')).toBe(1);
    expect(count('SELECT COUNT(*) FROM killswitch_engagements')).toBe(1);
    expect(count('SELECT COUNT(*) FROM notifications')).toBe(0);
    expect(opsProcess(['guard'], { env: w.env }).code).toBe(3);

    // Any later ops process catches up, exactly once.
    expect(opsProcess(['killswitch', 'status'], { env: w.env }).code).toBe(0);
    expect(count(`SELECT COUNT(*) FROM notifications WHERE event = 'killswitch.engage' AND audit_seq = 1`)).toBe(1);
    expect(opsProcess(['killswitch', 'status'], { env: w.env }).code).toBe(0);
    expect(count('SELECT COUNT(*) FROM notifications')).toBe(1);
  });

  it('config errors name the channel field; notify test names unknown channels; a missing secret is not sent unsigned', async () => {
    const bad = workspace([{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/x' }]);
    const r = await ops(['notify', 'deliver'], { env: bad.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ops: \.ops\/config\.json: notifications\.channels\.0: a webhook channel needs secretEnv: deliveries are signed\n$/);

    const h = await hook('ok');
    const w = workspace([{ name: 'hook', type: 'webhook', url: h.url, secretEnv: 'UNSET_SECRET' }]);
    const unknown = await ops(['notify', 'test', 'slack'], { env: w.env });
    expect(unknown).toMatchObject({ code: 2, stderr: 'ops: notify test: no channel "slack" in config.json notifications.channels (known: hook, log)\n' });
    const unsigned = await ops(['notify', 'test', 'hook'], { env: w.env });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain('error: environment variable UNSET_SECRET (secretEnv of channel hook) is not set: not sending unsigned');
    expect(h.requests).toHaveLength(0);
    expect(existsSync(join(w.ws, 'docs'))).toBe(false);
    expect(readdirSync(join(w.ws, '.ops'))).toContain('ledger.db');
  });
});
