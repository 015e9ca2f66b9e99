import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { appendAudit } from '../events/log';
import { configFiles } from '../config/schemas';
import { matchFiles } from '../evidence/match-files';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';

/**
 * Snapshots (SPEC §1.4): the content of the tracked state files — the `.ops/*.json`
 * config files and `config.json rollback.trackedPaths` (default .github/workflows/*.yml) —
 * stored once per content in `.ops/objects/<sha256>`, recorded file by file in the ledger.
 */

export interface SnapshotFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface Snapshot {
  id: number;
  label: string | null;
  actor: string;
  created_at: string;
  audit_seq: number;
  files: SnapshotFile[];
}

/** Folders never walked for tracked files: ops's own state, evidence, dependencies, git. */
const SKIP = new Set(['.ops', '.git', 'node_modules', 'docs', 'dist']);

/** The tracked files as they are now in the workspace, sorted by path. */
export function trackedFiles(workspace: string, trackedPaths: readonly string[]): SnapshotFile[] {
  const paths = new Set<string>();
  for (const f of configFiles) if (existsSync(join(workspace, '.ops', f))) paths.add(`.ops/${f}`);
  for (const matches of matchFiles(workspace, [...trackedPaths], (rel) => SKIP.has(rel)).values()) {
    for (const m of matches) if (!m.symlink) paths.add(m.name);
  }
  return [...paths].sort().map((path) => describe(workspace, path)!);
}

/** A file's digest and size, or null when it is not there. */
export function describe(workspace: string, path: string): SnapshotFile | null {
  const abs = join(workspace, path);
  if (!existsSync(abs) || !lstatSync(abs).isFile()) return null;
  const content = readFileSync(abs);
  return { path, sha256: sha256(content), bytes: content.length };
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const objectPath = (workspace: string, digest: string) => join(workspace, '.ops', 'objects', digest.slice(0, 2), digest);

/** Stores a file's current content in the object store (once per content); returns its digest. */
export function storeObject(workspace: string, content: Buffer): string {
  const digest = sha256(content);
  const path = objectPath(workspace, digest);
  if (!existsSync(path)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileAtomic.sync(path, content, { fsync: true });
  }
  return digest;
}

/** A stored content, checked against its digest: a damaged object is an error, never restored. */
export function readObject(workspace: string, digest: string): Buffer {
  const content = readFileSync(objectPath(workspace, digest));
  if (sha256(content) !== digest) throw new Error(`.ops/objects/${digest.slice(0, 2)}/${digest}: content does not match its sha256 (damaged)`);
  return content;
}

export function createSnapshot(db: Ledger, workspace: string, trackedPaths: readonly string[], o: { label: string | null; now: string; actor: { name: string; role: string } }): Snapshot {
  const files = trackedFiles(workspace, trackedPaths);
  // Contents first (idempotent, content-addressed), then the record that points at them.
  for (const f of files) {
    const digest = storeObject(workspace, readFileSync(join(workspace, f.path)));
    if (digest !== f.sha256) throw new Error(`${f.path}: changed while it was being snapshotted; try again`);
  }
  return db
    .transaction(() => {
      const audit = appendAudit(db, {
        ts: o.now,
        actor: o.actor.name,
        role: o.actor.role,
        event: 'snapshot.create',
        payload: { label: o.label, files },
      });
      const id = Number(prepared(db, 'INSERT INTO snapshots (label, actor, created_at, audit_seq) VALUES (?, ?, ?, ?)').run(o.label, o.actor.name, o.now, audit.seq).lastInsertRowid);
      const insert = prepared(db, 'INSERT INTO snapshot_files (snapshot_id, path, sha256, bytes) VALUES (?, ?, ?, ?)');
      for (const f of files) insert.run(id, f.path, f.sha256, f.bytes);
      return getSnapshot(db, id)!;
    })
    .immediate();
}

export function getSnapshot(db: Ledger, id: number): Snapshot | undefined {
  const row = prepared(db, 'SELECT id, label, actor, created_at, audit_seq FROM snapshots WHERE id = ?').get(id) as Omit<Snapshot, 'files'> | undefined;
  if (!row) return undefined;
  return { ...row, files: prepared(db, 'SELECT path, sha256, bytes FROM snapshot_files WHERE snapshot_id = ? ORDER BY path').all(id) as SnapshotFile[] };
}

export function latestSnapshotId(db: Ledger): number | undefined {
  return prepared(db, 'SELECT MAX(id) FROM snapshots', true).get() as number | undefined;
}

export function listSnapshots(db: Ledger): (Omit<Snapshot, 'files'> & { files: number; bytes: number })[] {
  return prepared(
    db,
    `SELECT s.id, s.label, s.actor, s.created_at, s.audit_seq, COUNT(f.path) AS files, COALESCE(SUM(f.bytes), 0) AS bytes
     FROM snapshots s LEFT JOIN snapshot_files f ON f.snapshot_id = s.id GROUP BY s.id ORDER BY s.id`,
  ).all() as (Omit<Snapshot, 'files'> & { files: number; bytes: number })[];
}

export type FileChange = { path: string; change: 'same' | 'changed' | 'missing' | 'added'; snapshot: SnapshotFile | null; current: SnapshotFile | null };

/** The snapshot against the working tree: what a rollback to it would change. */
export function diffSnapshot(workspace: string, trackedPaths: readonly string[], snap: Snapshot): FileChange[] {
  const now = new Map(trackedFiles(workspace, trackedPaths).map((f) => [f.path, f]));
  const out: FileChange[] = [];
  for (const f of snap.files) {
    const cur = now.get(f.path) ?? describe(workspace, f.path);
    now.delete(f.path);
    out.push({ path: f.path, change: !cur ? 'missing' : cur.sha256 === f.sha256 ? 'same' : 'changed', snapshot: f, current: cur });
  }
  for (const cur of now.values()) out.push({ path: cur.path, change: 'added', snapshot: null, current: cur });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
