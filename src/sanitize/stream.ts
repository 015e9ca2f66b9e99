/**
 * Streaming masker: bytes in, masked bytes out, with an overlap carried between chunks so a
 * secret split by a read boundary is still found. It works on the bytes themselves (regexes
 * see the keyword windows as Latin-1, one char per byte), so invalid UTF-8, CRLF and any
 * other byte round-trip exactly: only the masked spans change. After masking, the lines
 * around each mask are scanned again; anything a rule still finds there fails the write
 * (`SanitizeVerifyError`).
 */
import { LINE_WINDOW, lineEnd, lineStart, scan, type RuleSet, type ScanDetail, type Span } from './scanner';

export interface MaskerOptions {
  /** 'mask': produce masked output; 'scan': only count and locate (for --check). */
  mode: 'mask' | 'scan';
  /** Bytes scanned per step (default 1 MiB). */
  chunkSize?: number;
  /** Bytes carried into the next step (default 64 KiB): longer than any match can be. */
  overlap?: number;
  /** Keep at most this many findings (line, rule); counts are always complete. */
  maxFindings?: number;
  /**
   * Where masked bytes go ('mask' mode), in order. The buffer is only valid during the call
   * (copy it to keep it).
   */
  sink?: (bytes: Buffer) => void;
  /** 'scan' mode: findings say column, length, provenance and why, and weak values are listed too (--explain). */
  explain?: boolean;
}

export interface Finding {
  line: number;
  rule: string;
  /** With `explain`: 1-based byte column, bytes matched, masked (false: weak, reported only), provenance, why. */
  column?: number;
  length?: number;
  masked?: boolean;
  source?: string;
  why?: string;
}

export class SanitizeVerifyError extends Error {
  constructor(readonly rule: string) {
    super(`masked output still matches rule ${rule}: not written`);
    this.name = 'SanitizeVerifyError';
  }
}


export class Masker {
  readonly counts = new Map<string, number>();
  readonly findings: Finding[] = [];
  bytesIn = 0;
  bytesOut = 0;
  /** Work buffer: the carry, then the bytes pushed since. */
  private work: Buffer = Buffer.alloc(0);
  private workLen = 0;
  private line = 1;
  /** Bytes of the current line before the work buffer's start (explain columns). */
  private col0 = 0;
  private readonly chunkSize: number;
  private readonly overlap: number;
  private readonly maxFindings: number;
  private readonly masks = new Map<string, Buffer>();
  /** Masked output of a step (reused). */
  private out: Buffer = Buffer.alloc(0);

  constructor(
    private readonly rules: RuleSet,
    private readonly opts: MaskerOptions,
  ) {
    this.chunkSize = Math.max(1, opts.chunkSize ?? 1 << 20);
    this.overlap = Math.max(0, opts.overlap ?? 64 << 10);
    this.maxFindings = opts.maxFindings ?? 10_000;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Masked counts by rule, sorted by rule name. */
  masked(): { rule: string; count: number }[] {
    return [...this.counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  }

  /** Feeds bytes (copied: the caller may reuse `buf`); masked output goes to the sink. */
  push(buf: Uint8Array): void {
    if (!buf.length) return;
    this.bytesIn += buf.length;
    let off = 0;
    while (off < buf.length) {
      const room = this.chunkSize + this.overlap - this.workLen;
      if (this.work.length < this.chunkSize + this.overlap) {
        const grown = Buffer.allocUnsafe(this.chunkSize + this.overlap);
        this.work.copy(grown, 0, 0, this.workLen);
        this.work = grown;
      }
      const n = Math.min(room, buf.length - off);
      this.work.set(buf.subarray(off, off + n), this.workLen);
      this.workLen += n;
      off += n;
      if (this.workLen >= this.chunkSize + this.overlap) this.step(false);
    }
  }

  /**
   * Where the next input bytes can be read straight into (a file read, no copy through
   * `push`): fill part of it, then call `filled`. Same steps as `push` of those bytes.
   */
  room(): Buffer {
    const cap = this.chunkSize + this.overlap;
    if (this.work.length < cap) {
      const grown = Buffer.allocUnsafe(cap);
      this.work.copy(grown, 0, 0, this.workLen);
      this.work = grown;
    }
    // Never empty (a read of 0 bytes would look like the end of the file).
    if (this.workLen >= cap) this.step(false);
    return this.work.subarray(this.workLen, cap);
  }

  /** `n` bytes were written at the start of `room()`. */
  filled(n: number): void {
    if (n <= 0) return;
    this.bytesIn += n;
    this.workLen += n;
    if (this.workLen >= this.chunkSize + this.overlap) this.step(false);
  }

  /** No more input: the rest goes out. */
  end(): void {
    this.step(true);
  }

  private emit(b: Buffer): void {
    this.bytesOut += b.length;
    if (b.length) this.opts.sink?.(b);
  }

  private step(final: boolean): void {
    const text = this.work.subarray(0, this.workLen);
    const detail: ScanDetail | undefined = this.opts.explain ? { weak: [] } : undefined;
    const spans = scan(this.rules, text, detail);
    let commit = text.length;
    if (!final) {
      const c = text.length - this.overlap;
      // Cut at a line start when there is one near, so the next step sees whole lines.
      const nl = c > 0 ? text.lastIndexOf(10, c - 1) : -1;
      commit = nl >= 0 && nl + 1 > c - this.overlap ? nl + 1 : c;
      if (commit <= 0) commit = Math.max(1, c);
    }
    // A span starting before the cut is masked whole, and the cut moves past it.
    let used = 0;
    while (used < spans.length && spans[used]!.start < commit) {
      if (spans[used]!.end > commit) commit = spans[used]!.end;
      used++;
    }
    for (let i = 0; i < used; i++) this.counts.set(spans[i]!.rule, (this.counts.get(spans[i]!.rule) ?? 0) + 1);

    if (this.opts.mode === 'scan') {
      let pos = 0;
      let line = this.line;
      // Explain: the weak values too (those that start before the cut), in text order.
      const list: (Span & { weak?: boolean })[] = spans.slice(0, used);
      if (detail) {
        for (const w of detail.weak) if (w.start < commit && !spans.some((s) => s.start < w.end && w.start < s.end)) list.push({ ...w, weak: true });
        list.sort((a, b) => a.start - b.start);
      }
      for (const s of list) {
        line += countNewlines(text, pos, s.start);
        pos = s.start;
        if (this.findings.length >= this.maxFindings) continue;
        if (!detail) {
          this.findings.push({ line, rule: s.rule });
          continue;
        }
        const nl = s.start > 0 ? text.lastIndexOf(10, s.start - 1) : -1;
        const column = nl >= 0 ? s.start - nl : this.col0 + s.start + 1;
        this.findings.push({ line, rule: s.rule, column, length: s.end - s.start, masked: !s.weak, source: s.source, why: s.why });
      }
      this.line = line + countNewlines(text, pos, commit);
      const nl = commit > 0 ? text.lastIndexOf(10, commit - 1) : -1;
      this.col0 = nl >= 0 ? commit - nl - 1 : this.col0 + commit;
    } else if (used === 0) {
      this.emit(text.subarray(0, commit));
    } else {
      // Into the reused output buffer (the sink gets it for the call only): no new 1 MiB buffer
      // per step, and the external memory that would make the GC run with it.
      let size = commit;
      for (let i = 0; i < used; i++) size += this.mask(spans[i]!.rule).length - (spans[i]!.end - spans[i]!.start);
      if (this.out.length < size) this.out = Buffer.allocUnsafe(Math.max(size, this.chunkSize + this.overlap + (this.chunkSize >> 4)));
      const out = this.out;
      const outSpans: number[] = [];
      let at = 0;
      let outLen = 0;
      for (let i = 0; i < used; i++) {
        const s = spans[i]!;
        const mask = this.mask(s.rule);
        outLen += text.copy(out, outLen, at, s.start);
        outSpans.push(outLen, outLen + mask.length);
        outLen += mask.copy(out, outLen);
        at = s.end;
      }
      outLen += text.copy(out, outLen, at, commit);
      const result = out.subarray(0, outLen);
      this.verify(result, outSpans);
      this.emit(result);
    }
    // The carry moves to the front of the work buffer.
    this.work.copyWithin(0, commit, this.workLen);
    this.workLen -= commit;
  }

  private mask(rule: string): Buffer {
    let m = this.masks.get(rule);
    if (!m) this.masks.set(rule, (m = Buffer.from(this.rules.style.text(rule), 'latin1')));
    return m;
  }

  /** Re-scans the lines holding a mask: nothing may match there any more. */
  private verify(out: Buffer, outSpans: number[]): void {
    let a = -1;
    let b = -1;
    const check = () => {
      const left = scan(this.rules, out.subarray(a, b));
      if (left.length) throw new SanitizeVerifyError(left[0]!.rule);
    };
    for (let i = 0; i < outSpans.length; i += 2) {
      const s = lineStart(out, outSpans[i]!, LINE_WINDOW);
      const e = lineEnd(out, outSpans[i + 1]!, LINE_WINDOW);
      if (a !== -1 && s <= b) b = Math.max(b, e);
      else {
        if (a !== -1) check();
        a = s;
        b = e;
      }
    }
    if (a !== -1) check();
  }
}

function countNewlines(text: Buffer, from: number, to: number): number {
  let n = 0;
  let i = text.indexOf(10, from);
  while (i !== -1 && i < to) {
    n++;
    i = text.indexOf(10, i + 1);
  }
  return n;
}
