import type { Engagement } from '../src/killswitch/state';
import type { Run } from '../src/runs/types';
import type { QueueSummary, RetryAttempt, RetryEntry } from '../src/retry/queue';
import type { Ticket } from '../src/tickets/render';
import type { Kpis } from '../src/kpi/types';
import type { KpiStatus } from '../src/kpi/status';
import type { Alert } from '../src/detect/alerts';
import type { WatchStatus } from '../src/watch/state';

/** Everything the details view shows for one run. */
export interface RunDetails {
  attempts: Run[];
  retries: RetryAttempt[];
  /** Collected files, with whether the copy on disk still has the recorded sha256. */
  evidence: { name: string; path: string | null; bytes: number | null; sha256: string | null; status: 'ok' | 'changed' | 'missing' | 'not collected' }[];
}

/** One retry queue entry in full (Enter on the retry queue panel). */
export interface RetryDetails {
  entry: RetryEntry;
  /** Its executed re-runs, first to last. */
  attempts: RetryAttempt[];
  /** The run's collected evidence, as in the run's details. */
  evidence: RunDetails['evidence'];
}

export interface LatestRollback {
  id: number;
  state: string;
  snapshot: string | null;
  actor: string;
  started_at: string;
}

/** Runs of a time window, by outcome: the header's "last 24 h" line. */
export interface RunTally {
  total: number;
  success: number;
  /** failure, timed_out, startup_failure: the console's red. */
  failed: number;
  /** queued or in progress. */
  active: number;
  /** cancelled, skipped, neutral, … */
  other: number;
}

/**
 * The runs filter (`/`), parsed: every list must match (AND). Each text matches when the
 * field contains it, ignoring case; `words` match the workflow or the branch.
 */
export interface RunQuery {
  workflow: string[];
  branch: string[];
  conclusion: string[];
  words: string[];
}

/** How many runs match a filter, counted no further than a cap (counting stays cheap). */
export interface MatchCount {
  /** Matches found, at most the cap. */
  count: number;
  /** There are more than `count`. */
  more: boolean;
  /**
   * Only the latest this-many runs were searched (a filter on the branch or a bare word has no
   * index to use, so it scans at most this many); null: the whole ledger.
   */
  searched: number | null;
}

/** The KPI panel: `ops kpi` of a window ending now, with the config's targets when known. */
export interface ConsoleKpis {
  kpis: Kpis;
  /** Every KPI with its target and verdict (kpiStatus); null when the targets could not be read. */
  status: KpiStatus[] | null;
  /** Why there are no targets (an invalid config.json); null otherwise. */
  targetsError: string | null;
}

/** An audit ticket, and whether its files are in the evidence folder yet. */
export interface ConsoleTicket extends Ticket {
  /**
   * written: its JSON and Markdown files are on disk; partial: one of them; missing: neither
   * (the next `ops report` or `ops audit ticket` writes them); null: no reports folder known.
   */
  files: 'written' | 'partial' | 'missing' | null;
}

/**
 * What the console reads. Views depend on this port, not on the ledger, so tests and a
 * later remote source (SPEC §9) plug in without touching a component. Every call but
 * `kpis` is synchronous and cheap: the console calls them during render.
 */
export interface ConsoleSource {
  /** Latest attempt of each run, latest first: `limit` rows starting `offset` rows down; only those matching `filter` when given. */
  latestRuns(limit: number, offset: number, filter?: RunQuery | null): Run[];
  /** How many runs the window can scroll over. */
  totalRuns(): number;
  /** How many runs match `filter`, counted up to `cap`. */
  matchingRuns(filter: RunQuery, cap: number): MatchCount;
  /** Runs whose latest attempt started in the 24 h before `now` (epoch ms). */
  counts24h(now: number): RunTally;
  /**
   * Killswitch engagements in force at `nowIso` (UTC ISO, compared as text): not released
   * and not expired, the global one first, then scoped ones by engagement time. An expired
   * engagement nobody has swept yet is left out, as `ops guard` leaves it out. [] when the
   * ledger predates the killswitch.
   */
  activeKillswitch(nowIso: string): Engagement[];
  /** The retry queue by state, with the due count and the next due time; null for a ledger without one. */
  retryQueue(now: number): QueueSummary | null;
  /** The retry queue panel's window: waiting and running entries first (as `ops retry list`). */
  retryEntries(limit: number, offset: number): RetryEntry[];
  retryTotal(): number;
  /** Audit tickets, newest first (one per incident). */
  tickets(): ConsoleTicket[];
  /**
   * Detection's alerts (`ops detect`): every open one, most severe first, then the latest
   * resolved, `limit` in all. Small: alerts are deduplicated per rule and subject.
   */
  alerts(limit: number): Alert[];
  /** The watcher (`ops watch`) and its jobs at `now`; null when the ledger predates it. Optional: sources without one show nothing. */
  watch?(now: number): WatchStatus | null;
  /** One run in full: the details view (Enter). */
  runDetails(runId: string): RunDetails;
  /** One retry entry in full, its attempts and its run's evidence (Enter on the retry queue); null once it is gone. */
  retryDetails(id: number): RetryDetails | null;
  /**
   * Every workflow name the ledger has seen, sorted: what K offers to stop. A few index seeks
   * per name (skip-scan), cheap on a million runs; read when K is pressed, not per frame.
   */
  knownWorkflows(): string[];
  /** The latest rollback (SPEC §7 shows it beside the queue); null when none, or an older ledger. */
  latestRollback(): LatestRollback | null;
  /** Changes whenever another process has committed: polled to decide whether to re-query. */
  dataVersion(): number;
  /**
   * A fingerprint of the evidence folders the console shows something of (today's date folder
   * at `now`, its logs and audit tickets, the files of the run shown in full): polled with
   * dataVersion, a change means re-query. Cheap (a few stat calls); '' when there is none.
   */
  evidenceStamp(now: number): string;
  /**
   * The KPIs of the `days` days ending at `now` (epoch ms), as `ops kpi --window <days>d`
   * computes them. Not cheap (hundreds of ms on a million runs), and asynchronous because its
   * code is loaded on first use: the console calls it only while the KPI panel is shown.
   */
  kpis(now: number, days: number): Promise<ConsoleKpis>;
}
