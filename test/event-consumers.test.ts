import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { OPS_BIN, opsProcess, workspaceDir } from './helpers';
// The corpus's seeded PRNG (mulberry32): a failing run is repeated with its seed.
import { prng } from './corpus/corpus.mjs';

/** Consumers with cursors (issue 20 §2–4): exactly once after kill -9, failures isolated, the live tail. */

const T0 = Date.parse('2025-11-14T00:00:00Z');
const at = (i: number) => new Date(T0 + i * 60_000).toISOString().replace(/\.000Z$/, 'Z');

/** Every step between an event's commit and each consumer's work. */
const POINTS = ['event.committed', ...['notifications', 'killswitch-log', 'tickets', 'summaries'].flatMap((c) => ['before', 'after-work', 'after-commit'].map((p) => `consumer.${c}.${p}`))];


function files(dir: string, re: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && re.test(d.name))
    .map((d) => join(d.parentPath, d.name));
}

const lines = (paths: string[]) => paths.flatMap((p) => readFileSync(p, 'utf8').split('\n').filter(Boolean));

describe('event consumers', () => {
  it('kill -9 at random steps between commits and consumers, 100 times: every consumer handled every event exactly once', () => {
    const seed = Number(process.env.OPS_TEST_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const ws = workspaceDir();
    // Two channels: each notification is delivered once to each.
    writeFileSync(join(ws, '.ops', 'config.json'), JSON.stringify({ notifications: { channels: [{ name: 'oncall', type: 'log' }, { name: 'audit', type: 'log' }] } }));
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    let killed = 0;
    let lastKilled = false;
    for (let i = 0; i < 100; i++) {
      // One point, hit the first or second time it is reached. The second only after a kill:
      // then there is an earlier event to catch up, so it can be reached (drawn after a clean
      // run it rarely was: seed 21748 killed 29 of the 100 runs, failing the check below).
      const point = random() < 0.1 ? '' : `${POINTS[Math.floor(random() * POINTS.length)]}@${lastKilled ? 1 + Math.floor(random() * 2) : 1}`;
      const args = i % 2 === 0 ? ['killswitch', '--reason', `incident ${i}`] : ['killswitch', '--release', '--reason', `fixed ${i}`];
      const r = opsProcess(args, { env: { ...env, OPS_NOW: at(i), OPS_FAILPOINT: point } });
      lastKilled = r.code === -1;
      if (lastKilled) killed++;
      else expect(r, `seed ${seed}, run ${i}, ${point}`).toMatchObject({ code: 0 });
    }
    expect(killed, `seed ${seed}`).toBeGreaterThan(30);
    // Any later process catches up; deliver sends every notification.
    expect(opsProcess(['notify', 'deliver'], { env: { ...env, OPS_NOW: at(101) } }).code).toBe(0);

    const consumers = JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout);
    expect(consumers.map((c: { name: string; cursor: number; lag: number; last_error: string | null }) => [c.name, c.cursor, c.lag, c.last_error])).toEqual([
      ['detection', 100, 0, null],
      ['detection-log', 100, 0, null],
      ['killswitch-log', 100, 0, null],
      ['notifications', 100, 0, null],
      ['retry-log', 100, 0, null],
      ['summaries', 100, 0, null],
      ['tickets', 100, 0, null],
    ]);
    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    const q = (sql: string) => db.prepare(sql).pluck().get() as number;
    try {
      expect(q('SELECT COUNT(*) FROM audit_events')).toBe(100);
      // One notification per event, one delivery per channel, each delivered once.
      expect(q('SELECT COUNT(*) FROM notifications')).toBe(100);
      expect(q('SELECT COUNT(DISTINCT audit_seq) FROM notifications')).toBe(100);
      expect(q(`SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'oncall' AND state = 'delivered' AND attempts = 1`)).toBe(100);
      expect(q(`SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'audit' AND state = 'delivered' AND attempts = 1`)).toBe(100);
      expect(q('SELECT COUNT(*) FROM notification_deliveries')).toBe(200);
      // One log line per event, in the ledger keyed by it.
      expect(q(`SELECT COUNT(*) FROM evidence_log_lines WHERE kind = 'killswitch'`)).toBe(100);
      expect(q(`SELECT COUNT(DISTINCT audit_seq) FROM evidence_log_lines WHERE kind = 'killswitch'`)).toBe(100);
    } finally {
      db.close();
    }
    const reports = join(ws, 'docs', 'reports');
    const ksLines = lines(files(reports, /^killswitch_log_/));
    expect(ksLines, `seed ${seed}`).toHaveLength(100);
    expect(new Set(ksLines).size).toBe(100);
    for (let seq = 1; seq <= 100; seq++) expect(ksLines.filter((l) => l.includes(` audit=${seq} `))).toHaveLength(1);
    expect(lines(files(reports, /^notification_log_/))).toHaveLength(200);
    // One ticket per engagement (50), each written once and named once.
    const tickets = files(reports, /^audit_ticket_.*\.json$/);
    expect(tickets, `seed ${seed}`).toHaveLength(50);
    expect(new Set(tickets.map((t) => JSON.parse(readFileSync(t, 'utf8')).audit_seq)).size).toBe(50);
    // The date's evidence index (the summaries consumer) lists every ticket, once.
    const index = join(reports, '2025-11-14', '_evidence_index.md');
    const indexed = readFileSync(index, 'utf8');
    for (const t of tickets) expect(indexed.split(`audit_tickets/${t.split('/').pop()}`), `seed ${seed}`).toHaveLength(3); // [name](name)
    expect(opsProcess(['audit', 'verify'], { env }).code).toBe(0);
  }, 180_000);

  it('kill -9 inside detection (a consumer) and between its alert events and the detection log, 40 times: one detection log line per alert event', () => {
    const seed = Number(process.env.OPS_TEST_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice' };
    expect(opsProcess(['init'], { env: { ...env, OPS_NOW: at(0) } }).code).toBe(0);
    // The alert's commit (the import's own event is the first), and each step of the detection log.
    const points = ['event.committed@2', ...['detection', 'detection-log'].flatMap((c) => ['before', 'after-work', 'after-commit'].map((p) => `consumer.${c}.${p}@1`))];
    let killed = 0;
    for (let i = 0; i < 40; i++) {
      // Three failures of Deploy open an alert (consecutive_failures), a success resolves it.
      const run = { run_id: String(100 + i), attempt: 1, repository: 'acme/api', workflow: 'Deploy', event: 'push', branch: 'main', status: 'completed', conclusion: i % 4 === 3 ? 'success' : 'failure', created_at: at(i), started_at: at(i), completed_at: at(i) };
      const file = join(ws, `runs-${i}.json`);
      writeFileSync(file, JSON.stringify([run]));
      const point = random() < 0.1 ? '' : points[Math.floor(random() * points.length)];
      const r = opsProcess(['runs', 'import', file], { env: { ...env, OPS_NOW: at(i + 1), OPS_FAILPOINT: point } });
      if (r.code === -1) killed++;
      else expect(r, `seed ${seed}, run ${i}, ${point}`).toMatchObject({ code: 0 });
    }
    expect(killed, `seed ${seed}`).toBeGreaterThan(5);
    // What a killed import did not evaluate, ops detect does; any process catches up on the log.
    expect(opsProcess(['detect'], { env: { ...env, OPS_NOW: at(41) } }).code).toBe(0);
    const consumers = JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout) as { name: string; lag: number; last_error: string | null }[];
    expect(consumers.map((c) => [c.name, c.lag, c.last_error])).toEqual(['detection', 'detection-log', 'killswitch-log', 'notifications', 'retry-log', 'summaries', 'tickets'].map((n) => [n, 0, null]));
    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    let alertEvents: { seq: number; event: string }[];
    try {
      alertEvents = db.prepare(`SELECT seq, event FROM audit_events WHERE event LIKE 'alert.%' ORDER BY seq`).all() as { seq: number; event: string }[];
      expect(db.prepare(`SELECT audit_seq FROM evidence_log_lines WHERE kind = 'detection' ORDER BY audit_seq`).pluck().all(), `seed ${seed}`).toEqual(alertEvents.map((e) => e.seq));
    } finally {
      db.close();
    }
    expect(alertEvents.filter((e) => e.event === 'alert.open').length, `seed ${seed}`).toBeGreaterThanOrEqual(5);
    const logged = lines(files(join(ws, 'docs', 'reports'), /^detection_log_/));
    expect(logged, `seed ${seed}`).toHaveLength(alertEvents.length);
    expect(logged.map((l) => l.split(' ')[1])).toEqual(alertEvents.map((e) => (e.event === 'alert.open' ? 'OPEN' : 'RESOLVE')));
  }, 120_000);

  it('a consumer that fails (its file cannot be written) does not block the others, says why, and is retried until it succeeds', () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice', OPS_NOW: at(0) };
    expect(opsProcess(['init'], { env }).code).toBe(0);
    // A folder where the killswitch log should be: it cannot be written (as root too).
    const log = join(ws, 'docs', 'reports', '2025-11-14', 'logs', 'killswitch_log_20251114.log');
    mkdirSync(log, { recursive: true });
    const r = opsProcess(['killswitch', '--reason', 'first'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KILLSWITCH ENGAGED/);
    expect(r.stderr).toMatch(/^ops: warning: killswitch log not written \(EISDIR.*\); the ledger and audit log have the change\n/m);
    expect(opsProcess(['killswitch', '--release', '--reason', 'second'], { env: { ...env, OPS_NOW: at(1) } }).code).toBe(0);
    const consumers = JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout);
    expect(consumers).toEqual([
      expect.objectContaining({ name: 'detection', cursor: 2, lag: 0, last_error: null }),
      expect.objectContaining({ name: 'detection-log', cursor: 2, lag: 0, last_error: null }),
      expect.objectContaining({ name: 'killswitch-log', cursor: 0, lag: 2, failures: expect.any(Number), last_error: expect.stringMatching(/EISDIR/) }),
      expect.objectContaining({ name: 'notifications', cursor: 2, lag: 0, last_error: null }),
      expect.objectContaining({ name: 'retry-log', cursor: 2, lag: 0, last_error: null }),
      expect.objectContaining({ name: 'summaries', cursor: 2, lag: 0, last_error: null }),
      expect.objectContaining({ name: 'tickets', cursor: 2, lag: 0, last_error: null }),
    ]);
    expect(consumers[2].failures).toBeGreaterThanOrEqual(2);
    expect(opsProcess(['events', 'consumers'], { env }).stdout).toMatch(/^killswitch-log +0 +2 +\d+ +2025-11-14T00:0\dZ? ?.*EISDIR/m);
    // The tickets consumer was not held up by it.
    expect(existsSync(join(ws, 'docs', 'reports', '2025-11-14', 'audit_tickets', 'audit_ticket_20251114_090000.json'))).toBe(true);
    // Fixed: the next ops process, whatever it is, does the pending work, once.
    rmSync(log, { recursive: true });
    expect(opsProcess(['killswitch', 'status'], { env }).code).toBe(0);
    expect(JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout)[2]).toMatchObject({ name: 'killswitch-log', cursor: 2, lag: 0, failures: 0, last_error: null });
    expect(opsProcess(['killswitch', 'status'], { env }).code).toBe(0);
    const file = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(file.map((l) => l.split(' ')[1])).toEqual(['ENGAGE', 'RELEASE']);
  });

  it('the summaries consumer: a failure (its index cannot be written) holds up no other consumer, and the next process regenerates the date', () => {
    const ws = workspaceDir();
    const env = { OPS_WORKSPACE: ws, OPS_ACTOR: 'alice', OPS_NOW: at(0) };
    expect(opsProcess(['init'], { env }).code).toBe(0);
    const folder = join(ws, 'docs', 'reports', '2025-11-14');
    const index = join(folder, '_evidence_index.md');
    mkdirSync(join(index, 'x'), { recursive: true });
    const r = opsProcess(['killswitch', '--reason', 'first'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ops: warning: evidence summaries not written \(EISDIR.*\); run ops report to write them\n/m);
    const consumers = JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout);
    expect(consumers.map((c: { name: string; cursor: number; last_error: string | null }) => [c.name, c.cursor, c.last_error && /EISDIR/.test(c.last_error)])).toEqual([
      ['detection', 1, null],
      ['detection-log', 1, null],
      ['killswitch-log', 1, null],
      ['notifications', 1, null],
      ['retry-log', 1, null],
      ['summaries', 0, true],
      ['tickets', 1, null],
    ]);
    expect(existsSync(join(folder, 'audit_tickets', 'audit_ticket_20251114_090000.json'))).toBe(true);
    rmSync(index, { recursive: true });
    expect(opsProcess(['killswitch', 'status'], { env }).code).toBe(0);
    expect(JSON.parse(opsProcess(['events', 'consumers', '--json'], { env }).stdout)[5]).toMatchObject({ name: 'summaries', cursor: 1, lag: 0, failures: 0, last_error: null });
    const md = readFileSync(index, 'utf8');
    expect(md).toContain('| [audit_tickets/audit_ticket_20251114_090000.json](audit_tickets/audit_ticket_20251114_090000.json) |');
    expect(md).toContain('| [logs/killswitch_log_20251114.log](logs/killswitch_log_20251114.log) |');
  });

  it('ops events tail --follow --json prints a killswitch engaged by another process within a second, resumes by seq, and exits 130 on Ctrl-C', async () => {
    const ws = workspaceDir();
    const env = { PATH: process.env.PATH, OPS_WORKSPACE: ws, OPS_ACTOR: 'alice', OPS_NOW: at(0) };
    expect(opsProcess(['killswitch', '--reason', 'before the tail'], { env }).code).toBe(0);
    const tail = spawn(process.execPath, [OPS_BIN, 'events', 'tail', '--follow', '--json', '--since', '1'], { env });
    let out = '';
    let err = '';
    tail.stdout.on('data', (d) => (out += d));
    tail.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => tail.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 700)); // the follower is up and idle
    expect(out).toBe('');
    const started = Date.now();
    expect(opsProcess(['killswitch', '--release', '--reason', 'all clear'], { env }).code).toBe(0);
    expect(opsProcess(['killswitch', '--scope', 'Deploy', '--force', '--reason', 'INC-4242 deploys corrupting DB'], { env }).code).toBe(0);
    const committed = Date.now();
    while (out.split('\n').filter(Boolean).length < 2 && Date.now() - committed < 3000) await new Promise((r) => setTimeout(r, 20));
    const seen = Date.now();
    const events = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(events.map((e) => [e.seq, e.event, e.payload.reason])).toEqual([
      [2, 'killswitch.release', 'all clear'],
      [3, 'killswitch.engage', 'INC-4242 deploys corrupting DB'],
    ]);
    expect(seen - committed).toBeLessThan(1000);
    expect(started).toBeLessThanOrEqual(committed);
    tail.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toBe('');
    // Resumable: from the last seq seen, nothing is missed or repeated.
    const resumed = opsProcess(['events', 'tail', '--json', '--since', '2'], { env }).stdout.trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(resumed).toEqual([3]);
    expect(opsProcess(['events', 'tail', '--since', 'x'], { env })).toMatchObject({ code: 2 });
  }, 20_000);
});
