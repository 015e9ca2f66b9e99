import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_GH, GH_RUNS, githubEnv, opsProcess, workspaceDir } from './helpers';
import { call, createKey, settled, startServe } from './serve-helpers';

function workspace(config?: object) {
  const ws = workspaceDir('ops-api-');
  if (config) writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify(config));
  expect(opsProcess(['runs', 'import', GH_RUNS, '--repo', 'acme/api', '--workspace', ws]).code).toBe(0);
  return { ws, viewer: createKey(ws, 'vera', 'viewer'), operator: createKey(ws, 'alice-laptop', 'operator'), admin: createKey(ws, 'root', 'admin') };
}

const cliJson = (ws: string, args: string[], env: NodeJS.ProcessEnv = {}) => JSON.parse(opsProcess([...args, '--json', '--workspace', ws], { env }).stdout);

describe('ops serve: REST', () => {
  it('GET /runs pages with a cursor and Link headers: the pages together are ops runs list, in order; ?format=csv is the same rows', async () => {
    const { ws, viewer } = workspace();
    const s = await startServe(ws);
    const all = cliJson(ws, ['runs', 'list']);
    expect(all.length).toBe(5);
    const seen: unknown[] = [];
    let next: string | null = '/api/v1/runs?limit=4&repo=acme/api';
    let pages = 0;
    while (next) {
      const r = await call(s.url, next, { key: viewer });
      expect(r.status).toBe(200);
      seen.push(...r.json);
      pages++;
      const link = r.headers.get('link')!;
      expect(link).toContain('rel="first"');
      const m = /<([^>]+)>; rel="next"/.exec(link);
      next = m ? m[1]! : null;
      if (next) expect(next).toContain('repo=acme%2Fapi');
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(all);

    const csv = await call(s.url, '/api/v1/runs?format=csv', { key: viewer });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('run_id,attempt,repository,workflow,job,event,branch,head_sha,actor,status,conclusion,started_at,completed_at,duration_ms,url,classification');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(all.map((r: { run_id: string }) => r.run_id));

    // An answer is never older than the last commit: a run imported by the CLI is in the next page.
    const before = (await call(s.url, '/api/v1/runs?limit=3', { key: viewer })).json;
    expect((await call(s.url, '/api/v1/runs?limit=3', { key: viewer })).json).toEqual(before);
    const newer = { databaseId: 777, attempt: 1, workflowName: 'CI', status: 'in_progress', conclusion: '', createdAt: '2025-11-13T23:59:00Z', startedAt: '2025-11-13T23:59:01Z', url: 'https://github.com/acme/api/actions/runs/777' };
    expect(opsProcess(['runs', 'import', '-', '--workspace', ws], { input: JSON.stringify([newer]) }).code).toBe(0);
    const after = (await call(s.url, '/api/v1/runs?limit=3', { key: viewer })).json;
    expect(after[0].run_id).toBe('777');
    expect(after).toEqual(cliJson(ws, ['runs', 'list', '--limit', '3']));

    const bad = await call(s.url, '/api/v1/runs?limit=0', { key: viewer });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.json.detail).toMatch(/^query\.limit: /);
    expect((await call(s.url, '/api/v1/runs?cursor=garbage', { key: viewer })).json.detail).toMatch(/^query\.cursor/);
    expect((await call(s.url, '/api/v1/runs?conclusion=exploded', { key: viewer })).status).toBe(400);
    // A misspelt parameter is refused with the one meant, not ignored.
    const typo = await call(s.url, '/api/v1/runs?limt=5', { key: viewer });
    expect(typo.status).toBe(400);
    expect(typo.json.detail).toBe('query.limt: unknown parameter; did you mean limit?');
    expect((await call(s.url, '/api/v1/nope', { key: viewer })).json).toMatchObject({ status: 404, type: expect.any(String), title: expect.any(String) });
  });

  it('GET /retries, /alerts and /audit?since= answer as the CLI', async () => {
    const { ws, viewer, operator } = workspace();
    const s = await startServe(ws);
    await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'audit me' } });
    expect((await call(s.url, '/api/v1/retries', { key: viewer })).json).toEqual(cliJson(ws, ['retry', 'list']));
    expect((await call(s.url, '/api/v1/alerts', { key: viewer })).json).toEqual(cliJson(ws, ['status']).alerts);
    const log = cliJson(ws, ['audit', 'log']).reverse();
    const since = log[0].seq;
    expect((await call(s.url, `/api/v1/audit?since=${since}`, { key: viewer })).json).toEqual(log.slice(1));
  });

  it('openapi.json parses and lists every route with its role; the Idempotency-Key header answers a repeat with the first result', async () => {
    const { ws, operator } = workspace();
    const s = await startServe(ws);
    const spec = (await call(s.url, '/api/v1/openapi.json')).json;
    expect(spec.openapi).toBe('3.1.0');
    const ops = Object.entries(spec.paths as Record<string, Record<string, { 'x-ops-role'?: string }>>).flatMap(([p, m]) => Object.entries(m).map(([verb, d]) => `${verb.toUpperCase()} ${p} ${d['x-ops-role'] ?? '-'}`));
    for (const want of [
      'GET /api/v1/healthz -',
      'GET /api/v1/status viewer',
      'GET /api/v1/runs viewer',
      'GET /api/v1/runs/{id} viewer',
      'GET /api/v1/kpi viewer',
      'GET /api/v1/retries viewer',
      'GET /api/v1/alerts viewer',
      'GET /api/v1/audit viewer',
      'GET /api/v1/evidence/{date} viewer',
      'GET /api/v1/evidence/{date}/files/{path} viewer',
      'GET /api/v1/events viewer',
      'POST /api/v1/killswitch operator',
      'POST /api/v1/killswitch/release operator',
      'POST /api/v1/retries/{id}/replay operator',
      'POST /api/v1/rollback operator',
      'POST /api/v1/keys admin',
      'POST /webhooks/github -',
    ])
      expect(ops).toContain(want);
    expect(spec.paths['/api/v1/runs'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['workflow', 'repo', 'branch', 'conclusion', 'status', 'failed', 'since', 'limit', 'cursor', 'format']));
    expect(spec.paths['/api/v1/killswitch'].post.requestBody.content['application/json'].schema.required).toEqual(['reason']);
    // Response schemas: what /status answers has every key the schema requires.
    const statusSchema = spec.paths['/api/v1/status'].get.responses['200'].content['application/json'].schema;
    const status = (await call(s.url, '/api/v1/status', { key: operator })).json;
    expect(Object.keys(status).sort()).toEqual([...statusSchema.required].sort());
    expect(spec.paths['/api/v1/runs'].get.responses['200'].content['application/json'].schema.items.required).toContain('run_id');

    const headers = { 'idempotency-key': 'ci-run-42' };
    const first = await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'once' }, headers });
    await call(s.url, '/api/v1/killswitch/release', { key: operator, body: { reason: 'between' } });
    const again = await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'once' }, headers });
    expect(again.json).toMatchObject({ action: 'engaged', audit_seq: first.json.audit_seq, replayed: true });
    // Not engaged again: the repeat acted as the CLI's repeated --idempotency-key does.
    expect(cliJson(ws, ['killswitch', 'status']).engaged).toBe(false);
    expect((await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: '  ' } })).json.detail).toMatch(/^body\.reason: required/);
  });

  it('per-key rate limits answer 429 with Retry-After; other keys are not affected', async () => {
    const { ws, viewer, operator } = workspace({ serve: { rateLimit: { perMinute: 60, burst: 3 } } });
    const s = await startServe(ws);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await call(s.url, '/api/v1/runs?limit=1', { key: viewer })).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await call(s.url, '/api/v1/runs?limit=1', { key: viewer });
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(s.url, '/api/v1/runs?limit=1', { key: operator })).status).toBe(200);
  });

  it('the access log has key name, route, status and duration of every request, never the key', async () => {
    const { ws, viewer, operator } = workspace();
    const s = await startServe(ws);
    await call(s.url, '/api/v1/runs?limit=2', { key: viewer });
    await call(s.url, '/api/v1/killswitch', { key: viewer, body: { reason: 'no' } });
    await call(s.url, '/api/v1/killswitch', { key: operator, body: { reason: 'yes' } });
    await call(s.url, '/api/v1/status');
    // EventSource cannot send headers: the stream alone takes ?access_token= (and it is not logged).
    const ctl = new AbortController();
    const stream = await fetch(`${s.url}/api/v1/events?access_token=${viewer}`, { signal: ctl.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    ctl.abort();
    expect((await call(s.url, `/api/v1/runs?access_token=${viewer}`)).status).toBe(401);
    await s.stop();
    const text = readFileSync(join(ws, '.ops', 'logs', 'serve-access.log'), 'utf8');
    for (const secret of [viewer, operator]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(4, 20));
    }
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.key, l.method, l.route, l.status])).toEqual([
      ['vera', 'GET', '/api/v1/runs', 200],
      ['vera', 'POST', '/api/v1/killswitch', 403],
      ['alice-laptop', 'POST', '/api/v1/killswitch', 200],
      [null, 'GET', '/api/v1/status', 401],
      ['vera', 'GET', '/api/v1/events', 200],
      [null, 'GET', '/api/v1/runs', 401],
    ]);
    for (const l of lines) expect(l.ms).toEqual(expect.any(Number));
  });

  it('admins manage keys over the API; operators may not', async () => {
    const { ws, operator, admin } = workspace();
    const s = await startServe(ws);
    expect((await call(s.url, '/api/v1/keys', { key: operator })).status).toBe(403);
    const made = await call(s.url, '/api/v1/keys', { key: admin, body: { name: 'ci-deploy', role: 'viewer' } });
    expect(made.status).toBe(201);
    expect((await call(s.url, '/api/v1/status', { key: made.json.key })).status).toBe(200);
    expect((await call(s.url, '/api/v1/keys', { key: admin })).json.map((k: { name: string }) => k.name)).toContain('ci-deploy');
    expect(JSON.stringify((await call(s.url, '/api/v1/keys', { key: admin })).json)).not.toContain(made.json.key);
    expect((await call(s.url, '/api/v1/keys/ci-deploy', { key: admin, method: 'DELETE' })).status).toBe(200);
    expect((await call(s.url, '/api/v1/status', { key: made.json.key })).status).toBe(401);
    expect(cliJson(ws, ['audit', 'log']).map((e: { event: string; actor: string }) => `${e.event} ${e.actor}`)).toEqual(expect.arrayContaining(['serve.key.create key:root', 'serve.key.revoke key:root']));
  });

  it('evidence: a date folder lists its files with sha256; a download carries it in ETag and Digest; nothing outside the folder is reachable', async () => {
    const { ws, viewer } = workspace();
    mkdirSync(join(ws, 'logs'));
    writeFileSync(join(ws, 'logs', 'build.log'), 'step 1\nHTTP 503: Service Unavailable\n');
    const collected = opsProcess(['evidence', 'collect', '--logs', 'logs/*.log', '--conclusion', 'failure', '--workspace', ws], { cwd: ws, env: githubEnv('19283746501') });
    expect(collected.code).toBe(0);
    const s = await startServe(ws);
    const listing = await call(s.url, '/api/v1/evidence/2025-11-14', { key: viewer });
    expect(listing.status).toBe(200);
    const log = listing.json.files.find((f: { path: string }) => f.path.endsWith('logs/build.log'));
    const onDisk = readFileSync(join(ws, 'docs', 'reports', '2025-11-14', log.path));
    expect(log.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
    const summary = JSON.parse(readFileSync(join(ws, 'docs', 'reports', '2025-11-14', 'RUNS_SUMMARY.json'), 'utf8'));
    expect(JSON.stringify(summary)).toContain(log.sha256);

    const file = await fetch(s.url + log.url, { headers: { authorization: `Bearer ${viewer}` } });
    const body = Buffer.from(await file.arrayBuffer());
    expect(body.equals(onDisk)).toBe(true);
    expect(file.headers.get('etag')).toBe(`"${log.sha256}"`);
    expect(file.headers.get('digest')).toBe(`sha-256=${createHash('sha256').update(body).digest('base64')}`);
    const cached = await fetch(s.url + log.url, { headers: { authorization: `Bearer ${viewer}`, 'if-none-match': `"${log.sha256}"` } });
    expect(cached.status).toBe(304);

    writeFileSync(join(ws, 'docs', 'reports', 'secret.txt'), 'not evidence of that date');
    for (const p of ['/api/v1/evidence/2025-11-14/files/..%2Fsecret.txt', '/api/v1/evidence/2025-11-14/files/%2E%2E/secret.txt', '/api/v1/evidence/2025-11-14/files/nope.log'])
      expect((await call(s.url, p, { key: viewer })).status).toBe(404);
    expect((await call(s.url, '/api/v1/evidence/2025-13-99', { key: viewer })).status).toBe(404);
    expect((await call(s.url, '/api/v1/evidence/yesterday', { key: viewer })).status).toBe(400);
  });

  it('POST /retries/{id}/replay runs the CLI engine on that entry, as the key; POST /rollback with dry_run plans only', async () => {
    const { ws, operator, viewer } = workspace();
    const scenario = join(ws, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ rerun: { '*': [{ exit: 0 }] } }));
    const env = { OPS_GH: FAKE_GH, FAKE_GH_SCENARIO: scenario, FAKE_GH_LOG: join(ws, 'gh.log') };
    const failed = cliJson(ws, ['runs', 'list', '--failed'])[0];
    expect(opsProcess(['retry', 'enqueue', failed.run_id, '--reason', 'flaky', '--workspace', ws], { env }).code).toBe(0);
    const entry = cliJson(ws, ['retry', 'list'])[0];
    const s = await startServe(ws, env);
    expect((await call(s.url, `/api/v1/retries/${entry.id}/replay`, { key: viewer, body: {} })).status).toBe(403);
    expect((await call(s.url, '/api/v1/retries/999/replay', { key: operator, body: {} })).status).toBe(404);
    const r = await call(s.url, `/api/v1/retries/${entry.id}/replay`, { key: operator, body: {} });
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([expect.objectContaining({ id: entry.id, run_id: failed.run_id })]);
    expect(readFileSync(join(ws, 'gh.log'), 'utf8')).toContain(`run rerun ${failed.run_id}`);
    await settled(s.url);
    const history = cliJson(ws, ['retry', 'history'], env);
    expect(history.length).toBeGreaterThan(0);
    // Who asked: the key, on the request's event and in the lease owner of the attempt.
    const request = cliJson(ws, ['audit', 'log']).find((e: { event: string }) => e.event === 'retry.replay.request');
    expect(request).toMatchObject({ actor: 'key:alice-laptop', role: 'operator', target_id: String(entry.id) });
    expect(request.payload.owner).toContain('key:alice-laptop');

    writeFileSync(join(ws, '.ops', 'retry-policy.json'), '{}');
    expect(opsProcess(['snapshot', 'create', '--label', 'good', '--workspace', ws]).code).toBe(0);
    const plan = await call(s.url, '/api/v1/rollback', { key: operator, body: { reason: 'bad release', dry_run: true } });
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({ dry_run: true, snapshot: 1 });
    expect(plan.json).toEqual(cliJson(ws, ['rollback', '--dry-run', '--reason', 'bad release']));

    // For real: the file is restored by the CLI's saga; its events name the key.
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify({ maxRetries: 9 }));
    const done = await call(s.url, '/api/v1/rollback', { key: operator, body: { reason: 'bad release' }, headers: { 'idempotency-key': 'rb-1' } });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ kind: 'rollback', state: 'completed', subject: '1' });
    expect(readFileSync(join(ws, '.ops', 'retry-policy.json'), 'utf8')).toBe('{}');
    const rollbackEvents = cliJson(ws, ['audit', 'log']).filter((e: { event: string }) => e.event.startsWith('rollback.'));
    expect(rollbackEvents.length).toBeGreaterThan(0);
    for (const e of rollbackEvents) expect(e.actor).toBe('key:alice-laptop');
    // The same Idempotency-Key: the first answer, nothing run again.
    writeFileSync(join(ws, '.ops', 'retry-policy.json'), JSON.stringify({ maxRetries: 8 }));
    const again = await call(s.url, '/api/v1/rollback', { key: operator, body: { reason: 'bad release' }, headers: { 'idempotency-key': 'rb-1' } });
    expect(again.json).toMatchObject({ id: done.json.id, replayed: true });
    expect(readFileSync(join(ws, '.ops', 'retry-policy.json'), 'utf8')).toBe(JSON.stringify({ maxRetries: 8 }));
  });
});
