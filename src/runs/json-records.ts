/**
 * Splits a stream of JSON into records without holding it all in memory: a top-level
 * array (`gh run list --json`), a single object (`gh run view --json`), or objects one
 * after another (NDJSON, `gh … --jq '.[]'`). Each record is parsed on its own, so a
 * 200 000-run file costs one record's memory at a time.
 */
export interface JsonRecord {
  /** 1-based position of the record in the input. */
  index: number;
  /** 1-based line on which the record starts. */
  line: number;
  value: unknown;
}

export class RecordSyntaxError extends Error {
  constructor(
    readonly index: number,
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const OPEN_BRACE = 123; // {
const CLOSE_BRACE = 125; // }
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const NEWLINE = 10;

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
const EMPTY = Buffer.alloc(0);

export async function* jsonRecords(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<JsonRecord> {
  let mode: 'start' | 'array' | 'values' | 'done' = 'start';
  // Bytes, not text: structural characters are ASCII and never occur inside a UTF-8
  // sequence, so scanning bytes is safe and skips decoding the stream twice.
  let buf: Buffer = EMPTY;
  let pos = 0; // scan position in buf
  let start = -1; // start of the current record in buf, -1 between records
  let startLine = 0;
  let depth = 0; // nesting inside the current record
  let inString = false;
  let line = 1;
  let index = 0;
  let sawAnything = false;
  let expectElement = false; // in an array, right after a comma

  const emit = (text: Buffer): JsonRecord => {
    try {
      return { index, line: startLine, value: JSON.parse(text.toString('utf8')) };
    } catch (err) {
      throw new RecordSyntaxError(index, startLine, `invalid JSON: ${(err as Error).message}`);
    }
  };

  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    buf = buf.length ? Buffer.concat([buf, bytes]) : bytes;
    if (index === 0 && start < 0 && pos === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3; // UTF-8 BOM
    while (pos < buf.length) {
      const c = buf[pos]!;
      if (c === NEWLINE) line++;
      if (start >= 0) {
        // Inside a record: track strings and nesting until it closes.
        if (inString) {
          // Jump to the next quote; it ends the string unless an odd run of backslashes escapes it.
          const q = buf.indexOf(QUOTE, pos);
          if (q < 0) {
            pos = buf.length;
            continue;
          }
          let slashes = 0;
          while (q - 1 - slashes >= start && buf[q - 1 - slashes] === BACKSLASH) slashes++;
          if (slashes % 2 === 0) inString = false;
          pos = q + 1;
          continue;
        } else if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isSpace(c))) {
          // A bare scalar element (`[1, 2]`) ends here; the mapper rejects it by position.
          if (c === NEWLINE) line--; // counted again when re-read
          yield emit(buf.subarray(start, pos));
          start = -1;
          continue; // re-read this character between records
        } else if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--;
          if (depth === 0) {
            yield emit(buf.subarray(start, pos + 1));
            start = -1;
          }
        }
        pos++;
        continue;
      }
      // Between records.
      pos++;
      if (isSpace(c)) continue;
      sawAnything = true;
      if (mode === 'start') {
        if (c === OPEN_BRACKET) {
          mode = 'array';
          continue;
        }
        mode = 'values';
      }
      if (mode === 'done') throw new RecordSyntaxError(index + 1, line, 'unexpected data after the closing ] of the array');
      if (mode === 'array') {
        if (c === CLOSE_BRACKET) {
          if (expectElement) throw new RecordSyntaxError(index + 1, line, 'invalid JSON: trailing comma before ]');
          mode = 'done';
          continue;
        }
        if (c === COMMA) {
          if (expectElement || index === 0) throw new RecordSyntaxError(index + 1, line, 'invalid JSON: unexpected comma');
          expectElement = true;
          continue;
        }
        if (index > 0 && !expectElement) throw new RecordSyntaxError(index + 1, line, 'invalid JSON: missing comma between records');
        expectElement = false;
      } else if (c !== OPEN_BRACE) {
        throw new RecordSyntaxError(index + 1, line, `invalid JSON: expected an object or an array, found ${JSON.stringify(String.fromCharCode(c))}`);
      }
      index++;
      start = pos - 1;
      startLine = line;
      depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0;
      inString = c === QUOTE;
    }
    // Keep only the unfinished record, so memory stays one record deep.
    if (start >= 0) {
      buf = buf.subarray(start);
      pos -= start;
      start = 0;
    } else {
      buf = EMPTY;
      pos = 0;
    }
  }
  if (start >= 0) {
    if (depth === 0 && !inString) yield emit(buf.subarray(start));
    else throw new RecordSyntaxError(index, startLine, 'invalid JSON: input ends inside this record');
  }
  if (mode === 'array') throw new RecordSyntaxError(index + 1, line, 'invalid JSON: input ends before the closing ] of the array');
  if (!sawAnything) throw new RecordSyntaxError(0, 1, 'input is empty');
}
