import type { AuditEventHead } from '../events/chain';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { getEntry, toAttempt, type RetryAttempt } from '../retry/queue';
import type { Classification, RiskLevel } from '../runs/types';
import type { Engagement } from '../killswitch/state';
import { getSaga } from '../saga/runner';

/**
 * Incidents (SPEC §5.3): what an audit ticket is written for. Each is an audit event, so
 * an incident is identified by its event's sequence number and can never be ticketed
 * twice: a final retry failure (`retry.failed`), a killswitch engagement
 * (`killswitch.engage`). Read from the ledger; everything else in the ticket is derived.
 */

export type IncidentKind = 'retry_failure' | 'killswitch' | 'rollback';

export interface TimelineEntry {
  at: string;
  event: string;
  detail: string;
}

export interface EvidenceFile {
  name: string;
  /** Relative to the reports root. */
  path: string;
  bytes: number | null;
  sha256: string | null;
}

export interface Incident {
  kind: IncidentKind;
  audit_seq: number;
  at: string;
  actor: string;
  run: { run_id: string; attempt: number; workflow: string; repository: string; url: string | null } | null;
  retry: { entry_id: number; attempts: number; max_attempts: number; origin: string; reason: string | null; why: string | null } | null;
  killswitch: { id: number; scope: string; reason: string; expires_at: string | null; released_at: string | null; released_by: string | null; release_reason: string | null } | null;
  rollback: { id: number; snapshot: string | null; state: string; reason: string; error: string | null } | null;
  classification: Classification | null;
  /** What the sanitizer masked in the run's evidence: a secret was exposed in its logs. */
  secrets_masked: { rule: string; count: number }[];
  evidence: EvidenceFile[];
  timeline: TimelineEntry[];
}

const INCIDENT_EVENTS = `'retry.failed', 'killswitch.engage', 'rollback.complete', 'rollback.compensated', 'rollback.failed'`;

/** Every incident, oldest first; only those of one run with `runId`. */
export function listIncidents(db: Ledger, runId?: string): Incident[] {
  const rows = (
    runId === undefined
      ? prepared(db, `SELECT seq, ts, actor, event, run_id, target_id FROM audit_events WHERE event IN (${INCIDENT_EVENTS}) ORDER BY seq`).all()
      : prepared(db, `SELECT seq, ts, actor, event, run_id, target_id FROM audit_events WHERE event IN (${INCIDENT_EVENTS}) AND run_id = ? ORDER BY seq`).all(runId)
  ) as AuditEventHead[];
  return rows
    .map((r) => (r.event === 'retry.failed' ? retryFailure(db, r) : r.event === 'killswitch.engage' ? killswitchIncident(db, r) : rollbackIncident(db, r)))
    .filter((i): i is Incident => i !== null);
}

function retryFailure(db: Ledger, a: AuditEventHead): Incident | null {
  const e = getEntry(db, Number(a.target_id));
  if (!e) return null;
  // The attempts made up to this failure (an entry queued again by hand may fail again later).
  const attempts = (prepared(db, 'SELECT * FROM retry_attempts WHERE entry_id = ? AND started_at <= ? ORDER BY attempt').all(e.id, a.ts) as Parameters<typeof toAttempt>[0][]).map(toAttempt);
  const last = attempts.at(-1);
  const run = prepared(db, 'SELECT run_id, attempt, workflow, repository, url, completed_at, conclusion FROM run_attempts WHERE run_id = ? AND attempt = ?').get(e.run_id, e.run_attempt) as
    | { run_id: string; attempt: number; workflow: string; repository: string; url: string | null; completed_at: string | null; conclusion: string | null }
    | undefined;
  const timeline: TimelineEntry[] = [];
  if (run?.completed_at) timeline.push({ at: run.completed_at, event: 'run.failed', detail: `run ${e.run_id} attempt ${e.run_attempt} concluded ${run.conclusion}` });
  timeline.push({ at: e.created_at, event: 'retry.enqueue', detail: `${e.origin === 'auto' ? 'queued automatically' : 'queued by hand'}: ${e.reason ?? e.class}` });
  for (const t of attempts) timeline.push({ at: t.finished_at ?? t.started_at, event: `retry.attempt`, detail: describeAttempt(t) });
  const why = e.state === 'failed' && e.updated_at === a.ts ? e.last_error : null;
  timeline.push({ at: a.ts, event: 'retry.failed', detail: why ?? `gave up after ${attempts.length} attempts` });
  return {
    kind: 'retry_failure',
    audit_seq: a.seq,
    at: a.ts,
    actor: a.actor,
    run: { run_id: e.run_id, attempt: e.run_attempt, workflow: e.workflow, repository: e.repository, url: run?.url ?? null },
    rollback: null,
    retry: { entry_id: e.id, attempts: attempts.length, max_attempts: e.max_attempts, origin: e.origin, reason: e.reason, why },
    killswitch: null,
    classification: last?.classification ?? e.classification,
    secrets_masked: maskedIn(db, e.run_id),
    evidence: evidenceOf(db, e.run_id),
    timeline: sortTimeline(timeline),
  };
}

function describeAttempt(t: RetryAttempt): string {
  const parts = [`attempt ${t.attempt}: ${t.outcome}`];
  if (t.exit_code !== null) parts.push(`exit ${t.exit_code}`);
  if (t.http_status !== null) parts.push(`HTTP ${t.http_status}`);
  if (t.classification) parts.push(`${t.classification.class}: ${t.classification.cause}`);
  if (t.run_conclusion) parts.push(`run attempt ${t.run_attempt} ${t.run_conclusion}`);
  return parts.join(', ');
}

function killswitchIncident(db: Ledger, a: AuditEventHead): Incident | null {
  const k = prepared(db, 'SELECT * FROM killswitch_engagements WHERE engage_audit = ?').get(a.seq) as Engagement | undefined;
  if (!k) return null;
  const scope = k.scope === '*' ? 'all workflows' : `workflow ${JSON.stringify(k.scope)}`;
  const timeline: TimelineEntry[] = [{ at: k.engaged_at, event: 'killswitch.engage', detail: `${k.actor} stopped ${scope}: ${k.reason}${k.expires_at ? ` (expires ${k.expires_at})` : ''}` }];
  const held = prepared(db, `SELECT COUNT(*) FROM audit_events WHERE event = 'retry.held' AND seq > ? AND ts >= ? AND ts <= ?`, true).get(a.seq, k.engaged_at, k.released_at ?? '9999') as number;
  if (held) timeline.push({ at: k.released_at ?? k.engaged_at, event: 'retry.held', detail: `${held} queued retr${held === 1 ? 'y was' : 'ies were'} held while it was engaged` });
  if (k.released_at) {
    timeline.push({
      at: k.released_at,
      event: k.release_kind === 'expired' ? 'killswitch.expire' : 'killswitch.release',
      detail: k.release_kind === 'expired' ? 'lapsed at its expiry' : `${k.released_by}: ${k.release_reason}`,
    });
  }
  return {
    kind: 'killswitch',
    audit_seq: a.seq,
    at: a.ts,
    actor: a.actor,
    run: null,
    retry: null,
    rollback: null,
    killswitch: { id: k.id, scope: k.scope, reason: k.reason, expires_at: k.expires_at, released_at: k.released_at, released_by: k.released_by, release_reason: k.release_reason },
    classification: null,
    secrets_masked: [],
    evidence: [],
    timeline: sortTimeline(timeline),
  };
}

function rollbackIncident(db: Ledger, a: AuditEventHead): Incident | null {
  const saga = getSaga(db, Number(a.target_id));
  if (!saga) return null;
  const timeline: TimelineEntry[] = [{ at: saga.started_at, event: 'rollback.start', detail: `${saga.actor} rolled back to snapshot #${saga.subject}: ${saga.reason}` }];
  for (const s of saga.steps) {
    if (s.started_at) timeline.push({ at: s.started_at, event: `step ${s.idx + 1}`, detail: `${s.name} ${JSON.stringify(s.params).slice(0, 200)}: ${s.state}${s.error ? ` (${s.error})` : ''}` });
  }
  timeline.push({ at: a.ts, event: a.event, detail: saga.error ?? 'every step done and verified' });
  return {
    kind: 'rollback',
    audit_seq: a.seq,
    at: a.ts,
    actor: saga.actor,
    run: null,
    retry: null,
    killswitch: null,
    rollback: { id: saga.id, snapshot: saga.subject, state: saga.state, reason: saga.reason, error: saga.error },
    classification: null,
    secrets_masked: [],
    evidence: [],
    timeline: sortTimeline(timeline),
  };
}

function maskedIn(db: Ledger, runId: string): { rule: string; count: number }[] {
  return prepared(db, 'SELECT rule, SUM(count) AS count FROM sanitization_history WHERE run_id = ? GROUP BY rule ORDER BY rule').all(runId) as { rule: string; count: number }[];
}

function evidenceOf(db: Ledger, runId: string): EvidenceFile[] {
  return prepared(db, `SELECT name, path, bytes, sha256 FROM evidence_artifacts WHERE run_id = ? AND status = 'collected' ORDER BY attempt, name`).all(runId) as EvidenceFile[];
}

const sortTimeline = (t: TimelineEntry[]) => t.map((x, i) => [x, i] as const).sort((a, b) => (a[0].at < b[0].at ? -1 : a[0].at > b[0].at ? 1 : a[1] - b[1])).map(([x]) => x);

export type { RiskLevel };
