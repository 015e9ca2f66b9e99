import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Exit, OpsError, isBusyError } from '../cli/errors';

/**
 * Writes `content` to `path` so that a reader sees the old file or the new one, never a
 * torn one (temp file in the same folder, fsync, rename). Content equal to what is there
 * is not written at all, so regenerating an unchanged file keeps it byte- and
 * mtime-identical. Returns whether it wrote.
 */
export function writeFileIfChanged(path: string, content: string): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch {
    // absent or unreadable: write it
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic.sync(path, content, { fsync: true });
  return true;
}

/**
 * Serialises writers of one workspace's evidence (several CI jobs collecting at once).
 * The lock is SQLite's exclusive lock on a small file of its own: an OS file lock, so a
 * holder killed with SIGKILL releases it at once (no stale lock files to time out), and
 * it is separate from the ledger, so a long collect never delays `ops killswitch`.
 */
export async function withWorkspaceLock<T>(workspace: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const dir = join(workspace, '.ops');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'evidence.lock');
  // One process may run several holders at once (ops watch's jobs, ops serve's routes): they
  // queue here, in turn. Waiting inside SQLite's busy handler instead would block the thread,
  // and with it the holder that was about to release the lock.
  const previous = inProcess.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  inProcess.set(path, tail);
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.race([previous, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    const lock = await exclusive(path, deadline, timeoutMs);
    try {
      return await work();
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
  } finally {
    release();
    if (inProcess.get(path) === tail) inProcess.delete(path);
  }
}

const inProcess = new Map<string, Promise<void>>();

/** The file's exclusive lock, polled without blocking the event loop while another process holds it. */
async function exclusive(path: string, deadline: number, timeoutMs: number): Promise<Database.Database> {
  const lock = new Database(path, { timeout: 0 });
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      return lock;
    } catch (err) {
      if (!isBusyError(err) || Date.now() >= deadline) {
        lock.close();
        if (isBusyError(err)) throw new OpsError(Exit.busy, path, `workspace busy: another ops process holds the evidence lock (waited ${Math.round(timeoutMs / 1000)} s)`);
        throw err;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
