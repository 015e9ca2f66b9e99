import type { MainConfig, RetryPolicy } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { expandTemplate } from '../retry/command';
import { classifyResult, errorExcerpt, parseView, runCommand, VIEW_FIELDS, type CommandResult } from '../retry/execute';
import type { RetryLogEvent } from '../retry/step';
import { abortRerun, beginRerun, finishRerun, finishVerify, leaseNext, parkForVerify, type Held, type LostLease, type Transition } from '../retry/lease';
import { tuningFor } from '../retry/policy';
import type { RetryEntry } from '../retry/queue';

/**
 * `ops retry replay` (SPEC §2.3): workers lease due entries one at a time, re-run them
 * through the configured command, look at the run afterwards (§2.4), and record each step.
 * Every re-run begins in a transaction that checks the killswitch, so an engagement
 * stops new re-runs at once; those already running finish.
 */

export interface ReplayOptions {
  db: Ledger;
  /** Who holds the leases: host, pid and a random part. */
  owner: string;
  /** "Now" in epoch ms; OPS_NOW pins it. */
  clock: () => number;
  /** At most this many entries; Infinity for every due one. */
  max: number;
  concurrency: number;
  policy: RetryPolicy;
  config: MainConfig;
  /** The gh binary: OPS_GH, else config.json gh. */
  gh: string;
  /** Environment of the re-run command. */
  env: NodeJS.ProcessEnv;
  /** Masks secrets in anything recorded from a command's output. */
  mask: (text: string) => string;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called as each step is committed (progress, the storm check, the retry-log consumer run at once). */
  onEvent?: (ev: RetryLogEvent) => void;
  /** Set to stop leasing new entries (SIGINT): running ones finish. */
  stopped?: () => boolean;
  /** Replay only this entry, now, even if its time has not come (an operator's request). */
  only?: number;
}

export interface EntryResult {
  id: number;
  run_id: string;
  workflow: string;
  result: Transition['kind'] | 'held';
  attempt: number;
  max_attempts: number;
  state: RetryEntry['state'];
  next_attempt_at: string | null;
  command: string[] | null;
  exit_code: number | null;
  http_status: number | null;
  class: string | null;
  duration_ms: number | null;
  /** What to do about it (SPEC §5.3), for a failure. */
  action: string | null;
  detail: string | null;
}

export interface ReplayReport {
  owner: string;
  handled: number;
  results: EntryResult[];
  held: { id: number; run_id: string; workflow: string; killswitch: number; scope: string; reason: string; actor: string }[];
  deferred: { id: number; run_id: string; workflow: string }[];
  lost: { id: number; run_id: string; owner: string; attempt: number | null }[];
  /** Why the replay stopped early (the command cannot be run at all), or null. */
  aborted: string | null;
}

export async function replay(o: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { owner: o.owner, handled: 0, results: [], held: [], deferred: [], lost: [], aborted: null };
  const exclude = new Set<number>();
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = o.config.ghTimeoutSeconds * 1000;
  const rec = o.config.recovery;
  const leaseMs = 2 * timeoutMs + rec.waitSeconds * 1000 + 60_000;
  const random = o.random ?? Math.random;
  let stop = false;

  const emit = (ev: RetryLogEvent) => o.onEvent?.(ev);
  const noteHeld = (h: Held) => {
    exclude.add(h.entry.id);
    if (report.held.some((x) => x.id === h.entry.id)) return;
    const e = h.engagement;
    report.held.push({ id: h.entry.id, run_id: h.entry.run_id, workflow: h.entry.workflow, killswitch: e.id, scope: e.scope, reason: e.reason, actor: e.actor });
    if (h.recorded) emit({ at: isoNow(), what: 'HELD', entry: h.entry, detail: `killswitch ${e.id} (${e.scope === '*' ? 'global' : e.scope}) by ${e.actor}: ${e.reason}` });
  };
  const noteLost = (l: LostLease) => {
    report.lost.push({ id: l.entry.id, run_id: l.entry.run_id, owner: l.owner, attempt: l.attempt?.attempt ?? null });
    emit({ at: isoNow(), what: 'LOST', entry: l.entry, attempt: l.attempt, detail: l.entry.last_error ?? undefined });
  };
  const isoNow = () => new Date(Math.floor(o.clock() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const ghEnv = (e: RetryEntry) => ({ ...o.env, GH_REPO: e.repository, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' });

  const view = async (e: RetryEntry) => {
    const r = await runCommand([o.gh, 'run', 'view', e.run_id, '--json', VIEW_FIELDS], { timeoutMs, env: ghEnv(e) });
    return parseView(r, e.repository, o.mask, o.clock());
  };

  /** Looks at the run until it shows an outcome or the wait is over; then parks the entry. */
  const verify = async (entry: RetryEntry): Promise<Transition> => {
    const deadline = Date.now() + rec.waitSeconds * 1000;
    for (;;) {
      const t = finishVerify(o.db, entry.id, o.owner, o.clock(), await view(entry), { tuning: tuningFor(o.policy, entry.workflow), maxWaitSeconds: rec.maxWaitSeconds, random: random() });
      if (t.kind !== 'waiting') return t;
      if (Date.now() + rec.pollSeconds * 1000 <= deadline && !o.stopped?.()) {
        await sleep(rec.pollSeconds * 1000);
        continue;
      }
      const parked = parkForVerify(o.db, entry.id, o.owner, o.clock(), o.clock() + rec.pollSeconds * 1000, t.why ?? 'waiting for the re-run', t.attempt);
      return { ...t, entry: parked ?? t.entry };
    }
  };

  const rerun = async (entry: RetryEntry): Promise<Transition | null> => {
    const argv = expandTemplate(o.config.retryCommand, {
      gh: o.gh,
      run_id: entry.run_id,
      repository: entry.repository,
      workflow: entry.workflow,
      attempt: entry.attempt + 1,
      run_attempt: entry.run_attempt,
    });
    const begun = beginRerun(o.db, entry.id, o.owner, o.clock(), argv);
    if (!begun.ok) {
      if (begun.held) noteHeld(begun.held);
      return null;
    }
    const r: CommandResult = await runCommand(argv, { timeoutMs, env: ghEnv(entry) });
    if (r.spawnError) {
      abortRerun(o.db, begun, o.owner, o.clock(), r.spawnError);
      report.aborted ??= `${r.spawnError} (set OPS_GH or config.json gh / retryCommand)`;
      stop = true;
      return null;
    }
    const failed = r.exitCode !== 0 || r.timedOut;
    const text = failed ? o.mask(errorExcerpt(r)) : null;
    const t = finishRerun(
      o.db,
      begun,
      o.owner,
      o.clock(),
      { exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs, error: text, classification: failed ? classifyResult(r, text ?? '', timeoutMs, o.clock()) : null },
      tuningFor(o.policy, entry.workflow),
      random(),
    );
    // The outcome line (RESCHEDULE, FAILED, …) carries the attempt; a dispatch gets its own, as its result comes later.
    if (t.kind === 'dispatched' || t.kind === 'lease_lost') emit({ at: isoNow(), what: 'ATTEMPT', entry: t.entry, attempt: t.attempt });
    if (t.kind === 'dispatched') return verify(t.entry);
    return t;
  };

  const handle = async (entry: RetryEntry) => {
    let t: Transition | null;
    if (entry.phase === 'verify') {
      t = await verify(entry);
      if (t.kind === 'rerun') t = await rerun(t.entry);
    } else {
      t = await rerun(entry);
    }
    if (!t) return;
    const a = t.attempt;
    report.results.push({
      id: t.entry.id,
      run_id: t.entry.run_id,
      workflow: t.entry.workflow,
      result: t.kind,
      attempt: t.entry.attempt,
      max_attempts: t.entry.max_attempts,
      state: t.entry.state,
      next_attempt_at: t.entry.state === 'pending' ? t.entry.next_attempt_at : null,
      command: a?.command ?? null,
      exit_code: a?.exit_code ?? null,
      http_status: a?.http_status ?? null,
      class: a?.classification?.class ?? null,
      duration_ms: a?.duration_ms ?? null,
      action: t.kind === 'failed' || t.kind === 'rescheduled' ? (a?.classification ?? t.entry.classification)?.action ?? null : null,
      detail: t.why ?? (t.kind === 'completed' ? `run attempt ${t.entry.watch_attempt} succeeded` : t.entry.last_error),
    });
    const what = ({ completed: 'RECOVERED', failed: 'FAILED', rescheduled: 'RESCHEDULE', waiting: 'WAITING' } as const)[t.kind as 'completed'];
    if (what) emit({ at: isoNow(), what, entry: t.entry, attempt: a, detail: t.why ?? undefined });
  };

  const worker = async () => {
    while (!stop && !o.stopped?.() && report.handled < o.max) {
      const l = leaseNext(o.db, { owner: o.owner, nowMs: o.clock(), leaseMs, exclude, budgetPerHour: o.policy.budget.maxRetriesPerWorkflowPerHour, only: o.only });
      l.held.forEach(noteHeld);
      l.lost.forEach(noteLost);
      for (const d of l.deferred) {
        exclude.add(d.id);
        if (!report.deferred.some((x) => x.id === d.id)) {
          report.deferred.push({ id: d.id, run_id: d.run_id, workflow: d.workflow });
          emit({ at: isoNow(), what: 'DEFERRED', entry: d, detail: `retry budget of workflow ${JSON.stringify(d.workflow)} used up (${o.policy.budget.maxRetriesPerWorkflowPerHour}/h)` });
        }
      }
      if (!l.entry) return;
      exclude.add(l.entry.id);
      report.handled++;
      await handle(l.entry);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  report.results.sort((a, b) => a.id - b.id);
  return report;
}
