/**
 * File I/O around the masker: sniffing (text, binary, gzip), in-place masking with an atomic
 * rewrite, scan-only checks, sanitized copies for `ops evidence collect`, and the walk over
 * the PATH arguments of `ops evidence sanitize` (no symlink is followed, no `..` accepted).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { RuleSet } from './scanner';
import { Masker, type Finding, type MaskerOptions } from './stream';

export type SkipReason = 'binary' | 'gzip';

export interface SanitizeOptions {
  /** Bytes per read (default 1 MiB). */
  readSize?: number;
  chunkSize?: MaskerOptions['chunkSize'];
  overlap?: MaskerOptions['overlap'];
  /** Scans (check) list column, provenance, why, and weak values: `--explain`. */
  explain?: boolean;
}

/** How many leading bytes decide "binary": a NUL among them (git's heuristic). */
const SNIFF = 8192;

export function sniff(path: string): 'text' | 'binary' | 'gzip' {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF);
    const n = readSync(fd, head, 0, SNIFF, 0);
    return kindOf(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

function kindOf(head: Buffer): 'text' | 'binary' | 'gzip' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return head.subarray(0, SNIFF).includes(0) ? 'binary' : 'text';
}

// ---------------------------------------------------------------------------------------
// Collect: a sanitized copy

export interface SanitizedCopy {
  /** Bytes written to dest. */
  bytes: number;
  /** sha256 (hex) of what was written to dest. */
  sha256: string;
  /** What was masked, by rule (never the secret). */
  masked: { rule: string; count: number }[];
  /**
   * Not scanned, copied unchanged: 'binary' (a NUL in the first 8 KiB), 'gzip' (a gzip file
   * that is corrupt or holds binary data such as a tarball). A gzip of text is scanned and,
   * when something was masked, written re-compressed with the masks.
   */
  skipped?: SkipReason;
}

/**
 * Copies `src` to `dest` through the sanitizer (dest is created or truncated, then fsynced;
 * the caller renames it into place). Throws `SanitizeVerifyError` when the masked output
 * still matches a rule (dest is removed), and I/O errors as they come.
 */
export async function sanitizeFileTo(src: string, dest: string, rules: RuleSet, opts: SanitizeOptions = {}): Promise<SanitizedCopy> {
  try {
    const kind = sniff(src);
    if (kind === 'binary') return { ...copyRaw(src, dest), masked: [], skipped: 'binary' };
    if (kind === 'gzip') {
      const pass = await scanGzip(src, rules, opts);
      if (pass === 'unscannable') return { ...copyRaw(src, dest), masked: [], skipped: 'gzip' };
      if (pass.total === 0) return { ...copyRaw(src, dest), masked: [] };
      const written = await maskGzip(src, dest, rules, opts);
      return { bytes: written.bytes, sha256: written.sha256, masked: written.masker.masked() };
    }
    const hash = createHash('sha256');
    const out = openSync(dest, 'w');
    let bytes = 0;
    try {
      const m = maskText(src, rules, opts, (b) => {
        if (!b.length) return;
        hash.update(b);
        bytes += b.length;
        writeAll(out, b);
      });
      fsyncSync(out);
      return { bytes, sha256: hash.digest('hex'), masked: m.masked() };
    } finally {
      closeSync(out);
    }
  } catch (err) {
    rmSync(dest, { force: true });
    throw err;
  }
}

function copyRaw(src: string, dest: string): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const inFd = openSync(src, 'r');
  const outFd = openSync(dest, 'w');
  let bytes = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(inFd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      writeAll(outFd, chunk);
      bytes += n;
    }
    fsyncSync(outFd);
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

/** Streams a text file through a masker, handing every output piece to `emit`. */
function maskText(src: string, rules: RuleSet, opts: SanitizeOptions, emit: (b: Buffer, m: Masker) => void, mode: 'mask' | 'scan' = 'mask'): Masker {
  const m: Masker = new Masker(rules, { mode, chunkSize: opts.chunkSize, overlap: opts.overlap, explain: mode === 'scan' && opts.explain, maxFindings: opts.explain ? 100_000 : undefined, sink: (b) => emit(b, m) });
  const fd = openSync(src, 'r');
  try {
    const size = opts.readSize ?? 1 << 20;
    for (;;) {
      // Read into the masker's own buffer (no copy).
      const room = m.room();
      const n = readSync(fd, room, 0, Math.min(size, room.length), null);
      if (n === 0) break;
      m.filled(n);
    }
    m.end();
  } finally {
    closeSync(fd);
  }
  return m;
}

/** A Masker as a stream stage (masked bytes are copied out: the masker reuses its buffer). */
class MaskTransform extends Transform {
  readonly masker: Masker;
  constructor(rules: RuleSet, opts: SanitizeOptions) {
    super();
    this.masker = new Masker(rules, { mode: 'mask', chunkSize: opts.chunkSize, overlap: opts.overlap, sink: (b) => this.push(Buffer.from(b)) });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.masker.push(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.masker.end();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** First pass over a gzip file: scan its text. 'unscannable': corrupt, or binary inside. */
async function scanGzip(src: string, rules: RuleSet, opts: SanitizeOptions): Promise<Masker | 'unscannable'> {
  const m = new Masker(rules, { mode: 'scan', chunkSize: opts.chunkSize, overlap: opts.overlap, explain: opts.explain, maxFindings: opts.explain ? 100_000 : undefined });
  let head = Buffer.alloc(0);
  let sniffed = false;
  try {
    for await (const chunk of createReadStream(src).pipe(createGunzip())) {
      const b = chunk as Buffer;
      if (!sniffed) {
        head = Buffer.concat([head, b]);
        if (head.length >= SNIFF) {
          sniffed = true;
          if (head.subarray(0, SNIFF).includes(0)) return 'unscannable';
        }
      }
      m.push(b);
    }
    if (!sniffed && head.includes(0)) return 'unscannable';
    m.end();
    return m;
  } catch {
    return 'unscannable';
  }
}

/** Second pass: gunzip, mask, gzip into dest. */
async function maskGzip(src: string, dest: string, rules: RuleSet, opts: SanitizeOptions): Promise<{ bytes: number; sha256: string; masker: Masker }> {
  const stage = new MaskTransform(rules, opts);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(src), createGunzip(), stage, createGzip(), tap, createWriteStream(dest));
  const fd = openSync(dest, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex'), masker: stage.masker };
}

// ---------------------------------------------------------------------------------------
// `ops evidence sanitize`: one file in place, or checked

export interface FileResult {
  bytes: number;
  masked: { rule: string; count: number }[];
  /** --check: where each finding is (line numbers of the decompressed text for gzip). */
  findings: Finding[];
  /** The file was rewritten. */
  changed: boolean;
  skipped?: SkipReason;
}

/**
 * Masks one file in place (or, with `check`, only finds). The rewrite is atomic: a temp file
 * in the same folder, written only once the first secret is found, fsynced, given the
 * original's mode, renamed over the file. A clean file is never rewritten.
 */
export async function sanitizeInPlace(path: string, rules: RuleSet, check: boolean, opts: SanitizeOptions = {}): Promise<FileResult> {
  const size = statSync(path).size;
  const kind = sniff(path);
  if (kind === 'binary') return { bytes: size, masked: [], findings: [], changed: false, skipped: 'binary' };
  if (kind === 'gzip') {
    const pass = await scanGzip(path, rules, opts);
    if (pass === 'unscannable') return { bytes: size, masked: [], findings: [], changed: false, skipped: 'gzip' };
    if (check || pass.total === 0) return { bytes: size, masked: [], findings: check ? pass.findings : [], changed: false };
    const { tmp, mode } = tempFor(path);
    try {
      const { masker } = await maskGzip(path, tmp, rules, opts);
      fchmodPath(tmp, mode);
      renameSync(tmp, path);
      fsyncDir(dirname(path));
      return { bytes: size, masked: masker.masked(), findings: [], changed: true };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
  if (check) {
    const m = maskText(path, rules, opts, () => undefined, 'scan');
    return { bytes: m.bytesIn, masked: [], findings: m.findings, changed: false };
  }
  let out: { fd: number; tmp: string } | null = null;
  let pending = 0;
  try {
    const m = maskText(path, rules, opts, (b, masker) => {
      if (!out) {
        if (masker.total === 0) {
          pending += b.length;
          return;
        }
        // First secret: start the copy, with the clean bytes read so far as they were.
        const { tmp, mode } = tempFor(path);
        const fd = openSync(tmp, 'wx', 0o600);
        out = { fd, tmp };
        fchmodSync(fd, mode);
        copyPrefix(path, fd, pending);
      }
      if (b.length) writeAll(out.fd, b);
    });
    if (!out) return { bytes: m.bytesIn, masked: [], findings: [], changed: false };
    const o = out as { fd: number; tmp: string };
    fsyncSync(o.fd);
    closeSync(o.fd);
    out = null;
    renameSync(o.tmp, path);
    fsyncDir(dirname(path));
    return { bytes: m.bytesIn, masked: m.masked(), findings: [], changed: true };
  } catch (err) {
    const o = out as { fd: number; tmp: string } | null;
    if (o) {
      closeSync(o.fd);
      rmSync(o.tmp, { force: true });
    }
    throw err;
  }
}

function tempFor(path: string): { tmp: string; mode: number } {
  const mode = statSync(path).mode & 0o7777;
  const tmp = join(dirname(path), `.${basename(path)}.ops-sanitize-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  return { tmp, mode };
}

function fchmodPath(path: string, mode: number): void {
  const fd = openSync(path, 'r');
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

function copyPrefix(src: string, outFd: number, length: number): void {
  if (length === 0) return;
  const fd = openSync(src, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(length, 1 << 20));
    let pos = 0;
    while (pos < length) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos);
      if (n === 0) throw new Error('file shrank while it was being sanitized');
      writeAll(outFd, buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported everywhere (Windows): the rename itself is atomic
  }
}

// ---------------------------------------------------------------------------------------
// The walk over PATH arguments

export interface WalkedFile {
  /** Absolute, symlink-free. */
  path: string;
  /** As shown to the user: relative to the current directory when inside it. */
  display: string;
}

export interface Walk {
  files: WalkedFile[];
  skipped: { file: string; reason: string }[];
}

export class PathError extends Error {
  constructor(
    readonly arg: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Files of the PATH arguments, folders recursed in name order. An argument is the root of
 * its walk: named explicitly, it is resolved (a symlinked reports folder works), but inside
 * it no symlink is followed: each is reported as skipped, and as leaving the root when its
 * target is outside. Arguments with a `..` segment are refused (path traversal).
 */
export function walkPaths(args: string[], cwd: string): Walk {
  const walk: Walk = { files: [], skipped: [] };
  const seen = new Set<string>();
  let base = cwd;
  try {
    base = realpathSync(cwd);
  } catch {
    // the current directory is gone: show absolute paths
  }
  const display = (abs: string) => {
    const rel = relative(base, abs);
    return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs).split(sep).join('/');
  };
  const roots: string[] = [];
  for (const arg of args) {
    if (arg.split(/[\\/]/).includes('..')) throw new PathError(arg, 'path traversal (a .. segment): refused');
    const abs = resolve(cwd, arg);
    try {
      roots.push(realpathSync(abs));
    } catch (err) {
      throw new PathError(arg, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message);
    }
  }
  const visit = (root: string, path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) {
      let inside = false;
      try {
        const target = realpathSync(path);
        inside = target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
      } catch {
        // dangling
      }
      walk.skipped.push({ file: display(path), reason: inside ? 'symlink (not followed)' : 'symlink leaving the root (not followed)' });
    } else if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(root, join(path, name));
    } else if (st.isFile()) {
      if (!seen.has(path)) {
        seen.add(path);
        walk.files.push({ path, display: display(path) });
      }
    } else {
      walk.skipped.push({ file: display(path), reason: 'not a regular file' });
    }
  };
  for (const root of roots) visit(root, root);
  return walk;
}
