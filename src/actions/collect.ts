import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { matchFiles } from '../evidence/match-files';
import { collectTimes } from '../evidence/run-meta';
import { appendAudit } from '../events/log';
import { idempotency } from '../idempotency/keys';
import type { Ledger } from '../ledger/open';
import { runWriter } from '../runs/store';
import { classify } from '../retry/classify';
import { autoEnqueue, type EnqueueOutcome } from '../retry/queue';
import type { RetryPolicy } from '../config/schemas';
import { failedConclusions, type RunInput } from '../runs/types';
import { zonedDate } from '../time/zone';
import type { SummaryArtifact } from '../evidence/summary';

/** Copies a file through the sanitizer: what lands at `dest` has its secrets masked. */
export interface SanitizingCopier {
  copy(src: string, dest: string): Promise<{ bytes: number; sha256: string; masked: { rule: string; count: number }[]; notScanned: 'binary' | 'gzip' | null }>;
}

export interface CollectRequest {
  db: Ledger;
  run: RunInput;
  /** Where --logs/--artifact globs are matched; nothing outside it is read. */
  sourceRoot: string;
  logs: string[];
  artifacts: string[];
  reportsDir: string;
  timeZone: string;
  nowIso: string;
  actor: { name: string; role: string };
  copier: SanitizingCopier;
  idempotencyTtlSeconds: number;
  /** When given, a failed run is queued for retry per policy, in the same transaction. */
  retryPolicy?: RetryPolicy;
}

export interface CollectedFile extends SummaryArtifact {
  kind: 'log' | 'artifact';
  masked: { rule: string; count: number }[];
  /** Copied as it is because the sanitizer cannot read it as text (binary, or an unreadable gzip). */
  not_scanned: 'binary' | 'gzip' | null;
  /** This call (re)wrote the copy; false when an identical copy was already there. */
  written: boolean;
}

export interface CollectResult {
  run_id: string;
  attempt: number;
  date: string;
  folder: string;
  files: CollectedFile[];
  /** Patterns that matched no file. */
  unmatched: string[];
  /** Nothing changed: ledger, copies and summaries were already as this call would make them. */
  unchanged: boolean;
  audit_seq: number | null;
  /** The audit event of the first collect of this run attempt (idempotency key collect:<run>:<attempt>). */
  first_audit_seq: number | null;
  classification: RunInput['classification'];
  /** The retry entry this collect queued (autoEnqueue), or null. */
  enqueued: EnqueueOutcome | null;
}

/**
 * `ops evidence collect` (SPEC §3.2), to be called under the workspace evidence lock:
 * copies the matched files, sanitized, into the run's JST date folder, records them and the
 * run in the ledger in one transaction with its `evidence.collect` event (run, attempt, date,
 * files); the summaries consumer regenerates the date's RUNS_SUMMARY.json and _evidence_index.md.
 * A file that cannot be read is recorded as such; the rest is collected.
 */
export async function collectEvidence(req: CollectRequest): Promise<CollectResult> {
  const { db, run } = req;
  const root = realpathSync(req.sourceRoot);
  const known = db.prepare('SELECT created_at FROM run_attempts WHERE run_id = ? LIMIT 1').pluck().get(run.run_id) as string | undefined;
  const createdAt = known ?? run.created_at ?? run.started_at ?? req.nowIso;
  const date = zonedDate(Date.parse(createdAt), req.timeZone);
  const folder = join(req.reportsDir, date);
  const runDir = join(folder, 'artifacts', safeSegment(run.run_id), `attempt-${run.attempt}`);

  const files: CollectedFile[] = [];
  const unmatched: string[] = [];
  const seen = new Set<string>();
  // ops's own state and evidence are never collected as a job's evidence.
  const own = [join(root, '.ops'), resolve(req.reportsDir)];
  const skip = (rel: string) => own.includes(join(root, rel)) || rel === '.git';
  for (const [kind, patterns] of [['log', req.logs], ['artifact', req.artifacts]] as const) {
    const safe = patterns.filter((pattern) => {
      if (!isAbsolute(pattern) && !pattern.split(/[\\/]/).includes('..')) return true;
      files.push(refused(kind, pattern, 'pattern reaches outside the source folder (absolute or ..): refused'));
      return false;
    });
    for (const [pattern, matches] of matchFiles(root, safe, skip)) {
      if (!matches.length) unmatched.push(pattern);
      for (const m of matches) {
        if (seen.has(m.name)) continue;
        seen.add(m.name);
        files.push(await collectOne(req, kind, root, m.name, m.symlink, runDir));
      }
    }
  }

  const classification = failedConclusions.has(run.conclusion ?? '') ? classifyLogs(files, req.reportsDir) : run.classification;
  let toStore: RunInput = { ...run, classification, created_at: createdAt };

  let enqueued: EnqueueOutcome | null = null;
  const outcome = db
    .transaction(() => {
      // Read in the write transaction: an import committing meanwhile brings GitHub's times, which win.
      const stored = db.prepare('SELECT started_at, completed_at FROM run_attempts WHERE run_id = ? AND attempt = ?').get(run.run_id, run.attempt) as
        | { started_at: string | null; completed_at: string | null }
        | undefined;
      toStore = { ...toStore, ...collectTimes(run, stored, req.nowIso) };
      const runOutcome = runWriter(db, req.nowIso)(toStore);
      enqueued = (req.retryPolicy && runOutcome !== 'unchanged' && autoEnqueue(db, [toStore], req.retryPolicy, Date.parse(req.nowIso), req.actor)[0]) || null;
      const artifactsChanged = replaceArtifactRows(db, run, files, req.nowIso);
      const anyWritten = files.some((f) => f.written);
      const keys = idempotency(db, req.nowIso);
      const key = `collect:${run.run_id}:${run.attempt}`;
      const first = keys.recall<{ audit_seq: number }>(key);
      if (runOutcome === 'unchanged' && !artifactsChanged && !anyWritten) {
        return { unchanged: true, audit_seq: null, first_audit_seq: first?.audit_seq ?? null };
      }
      const history = db.prepare(`INSERT INTO sanitization_history (ts, command, file, rule, count, run_id, attempt) VALUES (?, 'collect', ?, ?, ?, ?, ?)`);
      for (const f of files) if (f.written) for (const m of f.masked) history.run(req.nowIso, f.path, m.rule, m.count, run.run_id, run.attempt);
      const audit = appendAudit(db, {
        ts: req.nowIso,
        actor: req.actor.name,
        role: req.actor.role,
        event: 'evidence.collect',
        run_id: run.run_id,
        target_id: `attempt-${run.attempt}`,
        payload: { run: runOutcome, attempt: run.attempt, date, files: files.map((f) => ({ name: f.name, sha256: f.sha256, status: f.status })) },
        idempotency_key: key,
      });
      if (!first) keys.remember(key, { audit_seq: audit.seq }, audit.seq, req.idempotencyTtlSeconds);
      return { unchanged: false, audit_seq: audit.seq, first_audit_seq: first?.audit_seq ?? audit.seq };
    })
    .immediate();

  return {
    run_id: run.run_id,
    attempt: run.attempt,
    date,
    folder,
    files,
    unmatched,
    unchanged: outcome.unchanged,
    audit_seq: outcome.audit_seq,
    first_audit_seq: outcome.first_audit_seq,
    classification,
    enqueued,
  };
}

async function collectOne(req: CollectRequest, kind: 'log' | 'artifact', root: string, name: string, symlink: boolean, runDir: string): Promise<CollectedFile> {
  const src = join(root, name);
  const dest = resolve(runDir, name);
  // Never write outside the run's folder, whatever the name says.
  if (!dest.startsWith(runDir + sep)) return refused(kind, name, 'name leads outside the evidence folder: refused');
  try {
    // A symlink is collected only when it resolves inside the source folder.
    if (symlink) {
      const target = realpathSync(src); // a dangling link throws: reported as unreadable
      if (target !== root && !target.startsWith(root + sep)) return refused(kind, name, 'symlink leads outside the source folder: not followed');
      if (statSync(target).isDirectory()) return refused(kind, name, 'symlink to a folder: not followed');
    }
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    const copied = await req.copier.copy(src, tmp);
    const path = relative(req.reportsDir, dest).split(sep).join('/');
    const same = existsSync(dest) && sha256File(dest) === copied.sha256;
    if (same) rmSync(tmp, { force: true });
    else renameSync(tmp, dest);
    return { kind, name, path, bytes: copied.bytes, sha256: copied.sha256, status: 'collected', error: null, masked: copied.masked, not_scanned: copied.notScanned, written: !same };
  } catch (err) {
    rmSync(`${dest}.tmp-${process.pid}`, { force: true });
    return { kind, name, path: null, bytes: null, sha256: null, status: 'unreadable', error: (err as Error).message, masked: [], not_scanned: null, written: false };
  }
}

const refused = (kind: 'log' | 'artifact', name: string, error: string): CollectedFile => ({
  kind,
  name,
  path: null,
  bytes: null,
  sha256: null,
  status: 'refused',
  error,
  masked: [],
  not_scanned: null,
  written: false,
});

/** Replaces the run attempt's artifact rows when they differ; returns whether they did. */
function replaceArtifactRows(db: Ledger, run: RunInput, files: CollectedFile[], now: string): boolean {
  const current = db
    .prepare(`SELECT name, kind, path, bytes, sha256, status, error FROM evidence_artifacts WHERE run_id = ? AND attempt = ? ORDER BY name`)
    .all(run.run_id, run.attempt);
  const next = files
    .map((f) => ({ name: f.name, kind: f.kind, path: f.path, bytes: f.bytes, sha256: f.sha256, status: f.status, error: f.error }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (JSON.stringify(current) === JSON.stringify(next)) return false;
  db.prepare('DELETE FROM evidence_artifacts WHERE run_id = ? AND attempt = ?').run(run.run_id, run.attempt);
  const insert = db.prepare(
    `INSERT INTO evidence_artifacts (run_id, attempt, name, kind, path, bytes, sha256, status, error, collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const f of next) insert.run(run.run_id, run.attempt, f.name, f.kind, f.path, f.bytes, f.sha256, f.status, f.error, now);
  return true;
}

/** Classifies a failed run from the tail of its collected (already sanitized) logs. */
function classifyLogs(files: CollectedFile[], reportsDir: string): RunInput['classification'] {
  const TAIL = 256 * 1024;
  const text = files
    .filter((f) => f.kind === 'log' && f.status === 'collected' && f.path)
    .map((f) => {
      const bytes = readFileSync(join(reportsDir, f.path!));
      return bytes.subarray(Math.max(0, bytes.length - TAIL)).toString('utf8');
    })
    .join('\n');
  const c = classify({ text });
  return { http_status: c.http_status, class: c.class, cause: c.cause, retryable: c.retryable, risk: c.risk, action: c.action };
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A run id becomes a folder name: digits as GitHub gives them; anything else is refused. */
function safeSegment(runId: string): string {
  if (!/^[\w.-]+$/.test(runId) || runId === '.' || runId === '..') throw new Error(`run id ${JSON.stringify(runId)} cannot name a folder`);
  return runId;
}
