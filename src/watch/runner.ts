import { renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createContext, type Context } from '../cli/context';
import { errorText, Exit, OpsError } from '../cli/errors';
import { memoryIO } from '../cli/io';
import type { ScheduleConfig, WatchJobConfig, WatchJobName } from '../config/schemas';
import { appendAudit } from '../events/log';
import { activeEngagements } from '../killswitch/store';
import { GLOBAL } from '../killswitch/state';
import { openLedger, type Ledger } from '../ledger/open';
import { isoSeconds as toIso } from './clock';
import { nextCron } from '../time/cron';
import { assertTimeZone } from '../time/zone';
import { watchClock, type WatchClock } from './clock';
import { jobs as jobTable, type JobSpec } from './jobs';
import { acquireLease, currentLease, heartbeat, isLive, releaseLease, type WatchLease } from './lease';
import { jobStates, recordJobEnded, recordJobFinish, recordJobStart, recordNextRun } from './state';

/**
 * The watcher (issue 22): the jobs of schedule.json, run by one process per workspace.
 *
 * - One lease (src/watch/lease): a second watcher exits 5 (or, --standby, waits and takes
 *   over when the holder's heartbeat is older than leaseSeconds).
 * - Never two of the same job at once: a job is not started while its last run is running
 *   (a run past its timeout is recorded as timed out, and still not started again until it
 *   ends). Never a pile-up: a job's next run is computed from its last start, so ticks
 *   missed during a long run or a sleep of the machine are one run, not many.
 * - A failure is an audit event (watch.job_failed); notifyAfterFailures in a row is a
 *   notification (watch.job_failing), a success after it another (watch.job_recovered); a
 *   failing job backs off (its interval doubled per failure in a row, up to backoffCapSeconds).
 * - The killswitch (engaged for all workflows) holds the jobs that act (replay), never the
 *   ones that observe (sync, detect, deliver, expiry, report, consumers).
 * - Idle cost: a timer per tick (1 s); each tick reads the clock and PRAGMA data_version (a
 *   commit by another process wakes the event consumers); the heartbeat writes every
 *   leaseSeconds / 3.
 * - Stopping (the signal): no job starts; the running ones finish their step (replay leases
 *   no new entry) within stopTimeoutSeconds; the lease is released.
 *
 * Usable in-process by another long-running command (ops serve): pass its AbortSignal.
 */

export type WatchLogEntry =
  | {
      type: 'job';
      at: string;
      job: string;
      outcome: 'ok' | 'failed' | 'timeout' | 'held';
      duration_ms: number;
      summary: string | null;
      error: string | null;
      failures: number;
      next_run_at: string | null;
    }
  | { type: 'watch'; at: string; event: 'started' | 'standby' | 'took_over' | 'stopping' | 'stopped' | 'lease_lost' | 'warning'; text: string };

export interface WatchOptions {
  workspace: string;
  /** Default <workspace>/.ops/ledger.db. */
  ledgerPath?: string;
  /** --reports-dir (relative to cwd); default config.json reportsDir. */
  reportsDir?: string;
  /** What relative paths given by the user are relative to (default the workspace). */
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Aborted: stop gracefully (finish the current steps, release the lease). */
  signal: AbortSignal;
  log: (entry: WatchLogEntry) => void;
  /** Default: watchClock(env) (OPS_CLOCK_FILE, OPS_NOW, the system clock). */
  clock?: WatchClock;
  /** Run every enabled job once, in order, and return. */
  once?: boolean;
  /** When another watcher holds the lease: wait and take over when it expires, instead of exit 5. */
  standby?: boolean;
  /** Recorded in the audit log for what the jobs do (default OPS_ACTOR, else ops-watch). */
  actor?: string;
  /** Wall time between ticks (default 1000 ms; OPS_WATCH_TICK_MS for tests). */
  tickMs?: number;
}

export interface WatchResult {
  reason: 'stopped' | 'once' | 'lease_lost';
  owner: string;
  /** --once: the jobs whose run failed. */
  failed: string[];
  /** Jobs still running when the stop timeout ran out. */
  abandoned: string[];
}

interface Slot {
  name: WatchJobName;
  cfg: WatchJobConfig;
  spec: JobSpec;
  next: number | null;
  triggered: boolean;
  running: Promise<void> | null;
  failures: number;
  /** Held by the killswitch on the last try: the next hold is not logged again. */
  held: boolean;
}

/** --once order: lapsed stops lifted first, then what observes, then what acts on it, then the outbox and the day's files. */
const ONCE_ORDER: readonly WatchJobName[] = ['expiry', 'consumers', 'sync', 'detect', 'replay', 'deliver', 'report', 'export'];

export async function startWatch(o: WatchOptions): Promise<WatchResult> {
  const clock = o.clock ?? watchClock(o.env);
  const { loadAllConfig } = await import('../config/load');
  // Every config file valid before anything starts (exit 2 naming file and field); later
  // edits are read by each job run, and a broken one fails that job (recorded, notified).
  const all = loadAllConfig(o.workspace);
  const schedule: ScheduleConfig = all['schedule.json'].value;
  const timeZone = o.env.OPS_TZ ? assertTimeZone(o.env.OPS_TZ, 'OPS_TZ') : all['config.json'].value.timezone;
  const ledgerPath = o.ledgerPath ?? join(o.workspace, '.ops', 'ledger.db');
  const db = openLedger(ledgerPath, { create: true, now: toIso(clock.now()) });
  const owner = `${hostname()}:${process.pid}`;
  const actor = o.actor || o.env.OPS_ACTOR || 'ops-watch';
  const tickMs = o.tickMs ?? (Number(o.env.OPS_WATCH_TICK_MS) || 1000);
  const leaseMs = schedule.leaseSeconds * 1000;
  const log = (event: Extract<WatchLogEntry, { type: 'watch' }>['event'], text: string) => o.log({ type: 'watch', at: toIso(clock.now()), event, text });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (o.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener('abort', done);
        resolve();
      }
      o.signal.addEventListener('abort', done, { once: true });
    });

  // Test hook: with OPS_CLOCK_FILE, "<file>.seen" holds the time the watcher has caught up
  // with (every job due by then has run, or, standing by, the lease was looked at).
  let acked = '';
  const ack = (nowMs: number) => {
    if (!clock.file) return;
    const at = toIso(nowMs);
    if (at === acked) return;
    writeFileSync(`${clock.file}.seen.${process.pid}`, at);
    renameSync(`${clock.file}.seen.${process.pid}`, `${clock.file}.seen`);
    acked = at;
  };

  try {
    // 1. The lease.
    let got = acquireLease(db, owner, clock.now(), schedule.leaseSeconds);
    if (!got.ok) {
      if (!o.standby) throw busy(got.holder, clock.now());
      log('standby', `${holderText(got.holder, clock.now())}; waiting to take over when its heartbeat is ${schedule.leaseSeconds} s old`);
      while (!got.ok) {
        await sleep(tickMs);
        if (o.signal.aborted) return { reason: 'stopped', owner, failed: [], abandoned: [] };
        const now = clock.now();
        // A read first: the write lock is asked for only when the holder looks dead.
        if (isLive(currentLease(db), now)) {
          ack(now);
          continue;
        }
        got = acquireLease(db, owner, now, schedule.leaseSeconds);
      }
    }
    if (got.tookOverFrom) log('took_over', `took over the lease from ${holderText(got.tookOverFrom, clock.now())}`);
    log('started', `${owner} watching ${o.workspace}${o.once ? ' (once)' : ''}`);

    // 2. The jobs.
    const known = new Map(jobStates(db).map((s) => [s.job, s]));
    const now0 = clock.now();
    const slots: Slot[] = (Object.keys(jobTable) as WatchJobName[])
      .filter((name) => schedule.jobs[name].enabled)
      .map((name) => {
        const cfg = schedule.jobs[name];
        // A restart runs the interval jobs at once (and catches up); cron jobs wait for their time.
        const next = cfg.everySeconds !== null ? now0 : cfg.cron !== null ? nextAt(cfg, now0, timeZone) : null;
        return { name, cfg, spec: jobTable[name], next, triggered: false, running: null, failures: known.get(name)?.failures ?? 0, held: false };
      });

    const jobCtx = (nowMs: number): { ctx: Context; err: () => string } => {
      const io = memoryIO({ env: clock.pinned ? { ...o.env, OPS_NOW: toIso(nowMs) } : o.env, cwd: o.cwd ?? o.workspace });
      const base = createContext({ workspace: o.workspace, ledger: ledgerPath, reportsDir: o.reportsDir, actor }, io);
      // The watcher's one connection, and its role: ops itself, not a person.
      const ctx: Context = { ...base, role: 'system', ledger: async () => db, openedLedger: () => db, close() {} };
      return { ctx, err: io.err };
    };

    let stopping = false;
    const failedOnce: string[] = [];

    const run = (slot: Slot, startedMs: number): Promise<void> => {
      slot.triggered = false;
      const nowIso = toIso(startedMs);
      const stop = slot.spec.acts ? activeEngagements(db, nowIso).find((e) => e.scope === GLOBAL) : undefined;
      if (stop) {
        slot.next = nextAt(slot.cfg, startedMs, timeZone);
        const summary = `held: killswitch engaged for all workflows by ${stop.actor}: ${stop.reason}`;
        recordJobFinish(db, slot.name, owner, { startedMs, finishedMs: startedMs, durationMs: 0, outcome: 'held', summary, error: null, failures: slot.failures, nextMs: slot.next });
        if (!slot.held) o.log({ type: 'job', at: nowIso, job: slot.name, outcome: 'held', duration_ms: 0, summary, error: null, failures: slot.failures, next_run_at: slot.next === null ? null : toIso(slot.next) });
        slot.held = true;
        return Promise.resolve();
      }
      slot.held = false;
      recordJobStart(db, slot.name, owner, startedMs);
      const t0 = performance.now();
      const { ctx, err } = jobCtx(startedMs);
      const work = slot.spec.run({ ctx, db, stopping: () => stopping }).then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), slot.cfg.timeoutSeconds * 1000);
      });
      const p = (async () => {
        const first = await Promise.race([work, timeout]);
        clearTimeout(timer);
        const finishedMs = clock.now();
        const durationMs = performance.now() - t0;
        const notes = err().trim().replace(/\s*\n\s*/g, '; ');
        if (first === 'timeout') {
          finish(slot, { startedMs, finishedMs, durationMs, outcome: 'timeout', summary: null, error: `timed out after ${slot.cfg.timeoutSeconds} s (still running; not started again until it ends)`, idle: false, skipped: false, stillRunning: true });
          await work; // the run goes on: the job is not started again until it ends
          try {
            recordJobEnded(db, slot.name);
          } catch {
            // the watcher is closing: its next start rewrites the row
          }
        } else if (first.ok) {
          finish(slot, { startedMs, finishedMs, durationMs, outcome: 'ok', summary: first.r.summary + (notes ? ` (${notes})` : ''), error: null, idle: Boolean(first.r.idle) && !notes, skipped: Boolean(first.r.skipped) });
        } else {
          finish(slot, { startedMs, finishedMs, durationMs, outcome: 'failed', summary: null, error: errorText(first.e), idle: false, skipped: false });
        }
      })();
      slot.running = p.finally(() => {
        slot.running = null;
      });
      return slot.running;
    };

    const finish = (slot: Slot, f: { startedMs: number; finishedMs: number; durationMs: number; outcome: 'ok' | 'failed' | 'timeout'; summary: string | null; error: string | null; idle: boolean; skipped: boolean; stillRunning?: boolean }) => {
      const before = slot.failures;
      slot.failures = f.outcome === 'ok' ? 0 : before + 1;
      let next = nextAt(slot.cfg, f.startedMs, timeZone);
      if (slot.failures) {
        // Backs off: the interval (a minute for cron and triggered jobs) doubled per failure in a row.
        const base = (slot.cfg.everySeconds ?? 60) * 1000;
        const wait = Math.min(base * 2 ** (slot.failures - 1), schedule.backoffCapSeconds * 1000);
        next = Math.max(next ?? 0, f.finishedMs + wait);
      }
      slot.next = next;
      if (f.outcome !== 'ok') failedOnce.push(slot.name);
      try {
        db.transaction(() => {
          recordJobFinish(db, slot.name, owner, { ...f, failures: slot.failures, nextMs: next });
          const event = (name: string, payload: object) =>
            appendAudit(db, { ts: toIso(f.finishedMs), actor, role: 'system', event: name, target_id: slot.name, payload: { job: slot.name, ...payload } });
          if (f.outcome !== 'ok') {
            const payload = { error: f.error, failures: slot.failures, next_run_at: next === null ? null : toIso(next), owner };
            event('watch.job_failed', payload);
            if (slot.failures === schedule.notifyAfterFailures) event('watch.job_failing', payload);
          } else if (before >= schedule.notifyAfterFailures) {
            event('watch.job_recovered', { failures: before });
          }
        }).immediate();
      } catch (e) {
        log('warning', `${slot.name}: outcome not recorded (${errorText(e)})`);
      }
      if (f.outcome === 'ok' && !f.skipped) for (const s of slots) if (s.cfg.after.includes(slot.name)) s.triggered = true;
      // A run with nothing to do is not logged (ops watch status has it), except with --once (one line per job) and after failures.
      if (!(f.outcome === 'ok' && f.idle) || o.once || before > 0) {
        o.log({ type: 'job', at: toIso(f.finishedMs), job: slot.name, outcome: f.outcome, duration_ms: Math.round(f.durationMs), summary: f.summary, error: f.error, failures: slot.failures, next_run_at: next === null ? null : toIso(next) });
      }
    };

    // 3. --once: every enabled job, one after the other.
    if (o.once) {
      const ordered = [...slots].sort((a, b) => rank(a.name) - rank(b.name));
      for (const slot of ordered) {
        if (o.signal.aborted) break;
        await run(slot, clock.now());
      }
      releaseLease(db, owner, clock.now());
      log('stopped', `${owner}: ran ${ordered.length} jobs once${failedOnce.length ? `; failed: ${failedOnce.join(', ')}` : ''}`);
      return { reason: 'once', owner, failed: failedOnce, abandoned: [] };
    }

    // 4. The loop.
    for (const s of slots) recordNextRun(db, s.name, owner, s.next);
    const dataVersion = db.prepare('PRAGMA data_version').pluck();
    let version = dataVersion.get();
    let lastBeat = clock.now();
    let lost = false;
    while (!o.signal.aborted) {
      try {
        const now = clock.now();
        if (now - lastBeat >= leaseMs / 3) {
          if (!heartbeat(db, owner, now)) {
            lost = true;
            break;
          }
          lastBeat = now;
        }
        // Another process committed: the consumers may have events to read.
        const v = dataVersion.get();
        if (v !== version) {
          version = v;
          for (const s of slots) if (s.cfg.onNewEvents) s.triggered = true;
        }
        let started = false;
        for (const s of slots) {
          if (s.running || !(s.triggered || (s.next !== null && s.next <= now))) continue;
          started = true;
          void run(s, now);
        }
        if (!started && slots.every((s) => !s.running)) ack(now);
      } catch (e) {
        log('warning', `tick: ${errorText(e)}`);
      }
      await sleep(tickMs);
    }

    // 5. Stopping.
    stopping = true;
    const running = slots.filter((s) => s.running);
    if (lost) {
      const l = currentLease(db);
      log('lease_lost', `the lease was taken over${l ? ` by ${holderText(l, clock.now())}` : ''} while this watcher stalled: stopping`);
    } else if (running.length) {
      log('stopping', `waiting up to ${schedule.stopTimeoutSeconds} s for ${running.map((s) => s.name).join(', ')} to finish the current step`);
    }
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running.map((s) => s.running)), new Promise((r) => (bound = setTimeout(r, schedule.stopTimeoutSeconds * 1000)))]);
    clearTimeout(bound);
    const abandoned = slots.filter((s) => s.running).map((s) => s.name);
    if (!lost) releaseLease(db, owner, clock.now());
    log('stopped', `${owner} stopped${lost ? '' : ', lease released'}${abandoned.length ? `; abandoned mid-step: ${abandoned.join(', ')} (their leases expire; the next watcher redoes them)` : ''}`);
    return { reason: lost ? 'lease_lost' : 'stopped', owner, failed: [], abandoned };
  } finally {
    // Jobs abandoned mid-step may still hold the connection: the process exits right after.
    try {
      db.close();
    } catch {
      // a statement still running
    }
  }
}

/** When the job runs next after a run started at `fromMs` (before jitter); null for a job only triggered. */
function nextAt(cfg: WatchJobConfig, fromMs: number, timeZone: string): number | null {
  const jitter = cfg.jitterSeconds ? Math.round(Math.random() * cfg.jitterSeconds * 1000) : 0;
  if (cfg.everySeconds !== null) return fromMs + cfg.everySeconds * 1000 + jitter;
  if (cfg.cron !== null) {
    const at = nextCron(cfg.cron, timeZone, fromMs);
    return at === null ? null : at + jitter;
  }
  return null;
}

const rank = (name: string) => {
  const i = ONCE_ORDER.indexOf(name as WatchJobName);
  return i < 0 ? ONCE_ORDER.length : i;
};

function holderText(l: WatchLease, nowMs: number): string {
  return `${l.owner} (watching since ${l.started_at}, heartbeat ${Math.max(0, Math.round((nowMs - Date.parse(l.heartbeat_at)) / 1000))} s ago)`;
}

function busy(holder: WatchLease, nowMs: number): OpsError {
  return new OpsError(Exit.busy, 'watch', `workspace busy: ${holderText(holder, nowMs)} holds the watch lease (it expires ${holder.lease_seconds} s after the last heartbeat; --standby waits to take over)`);
}
