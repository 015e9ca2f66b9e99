import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { collectEvidence, type CollectRequest, type CollectResult, type SanitizingCopier } from './collect';
import { Masker, type RuleSet } from '../sanitize/index';
import type { RunInput } from '../runs/types';

/**
 * Collects job logs fetched by `ops runs sync` through `ops evidence collect`'s own path
 * (same folder layout, ledger rows, summaries, sanitization history, classification and
 * retry queue), without the raw log ever touching the disk: collect finds each log by name
 * in an empty stand-in file, and the copier sanitizes the fetched bytes from memory straight
 * into the evidence folder.
 */
export type SyncCollectBase = Omit<CollectRequest, 'run' | 'sourceRoot' | 'logs' | 'artifacts' | 'copier'>;

export async function collectFetchedLogs(base: SyncCollectBase, rules: RuleSet, run: RunInput, logs: { name: string; body: Buffer }[]): Promise<CollectResult> {
  const bodies = new Map(logs.map((l) => [l.name, l.body]));
  const dir = mkdtempSync(join(tmpdir(), 'ops-sync-logs-'));
  try {
    for (const l of logs) writeFileSync(join(dir, l.name), ''); // a name for collect to match; no content
    const copier: SanitizingCopier = {
      async copy(src, dest) {
        const body = bodies.get(basename(src));
        if (!body) throw new Error(`${basename(src)}: not a fetched log`);
        return maskTo(body, dest, rules);
      },
    };
    return await collectEvidence({ ...base, run, sourceRoot: dir, logs: logs.length ? ['*.log'] : [], artifacts: [], copier });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fetched bytes through the sanitizer into `dest` (as sanitizeFileTo does for a file). */
function maskTo(body: Buffer, dest: string, rules: RuleSet): Awaited<ReturnType<SanitizingCopier['copy']>> {
  let text = body;
  if (text.length >= 2 && text[0] === 0x1f && text[1] === 0x8b) {
    try {
      text = gunzipSync(text);
    } catch {
      /* not readable as gzip: treated as binary below */
    }
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const out = openSync(dest, 'w');
  const write = (b: Buffer) => {
    hash.update(b);
    bytes += b.length;
    let off = 0;
    while (off < b.length) off += writeSync(out, b, off, b.length - off);
  };
  try {
    try {
      // A NUL in the first 8 KiB: binary, copied without scanning (reported), as collect does.
      if (text.subarray(0, 8192).includes(0)) {
        write(body);
        fsyncSync(out);
        return { bytes, sha256: hash.digest('hex'), masked: [], notScanned: 'binary' };
      }
      const m = new Masker(rules, { mode: 'mask', sink: (b) => write(b) });
      m.push(text);
      m.end();
      fsyncSync(out);
      return { bytes, sha256: hash.digest('hex'), masked: m.masked(), notScanned: null };
    } finally {
      closeSync(out);
    }
  } catch (err) {
    rmSync(dest, { force: true });
    throw err;
  }
}
