import { describe, expect, it } from 'vitest';
import { jsonRecords } from '../src/runs/json-records';

async function collect(chunks: (string | Buffer)[]) {
  const out: unknown[] = [];
  for await (const r of jsonRecords((async function* () {
    yield* chunks;
  })())) out.push(r.value);
  return out;
}

/** Splits bytes at every position given, so records, strings and UTF-8 sequences straddle chunks. */
const splitAt = (text: string, every: number) => {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += every) parts.push(bytes.subarray(i, i + every));
  return parts;
};

const records = [
  { databaseId: 1, displayTitle: 'quote " and backslash \\ and brace } ] in a string', nested: { a: [1, { b: '\\"' }] } },
  { databaseId: 2, displayTitle: 'ユニコード — émoji 🚀 across chunks', headBranch: 'feature/é' },
  { databaseId: 3, displayTitle: 'ends with backslash \\\\', list: [] },
];

describe('jsonRecords', () => {
  it.each([1, 2, 3, 7, 64, 4096])('gives the same records for an array split every %i bytes', async (every) => {
    expect(await collect(splitAt(JSON.stringify(records, null, 2), every))).toEqual(records);
  });

  it.each([1, 5, 4096])('gives the same records for NDJSON split every %i bytes', async (every) => {
    expect(await collect(splitAt(records.map((r) => JSON.stringify(r)).join('\r\n') + '\n', every))).toEqual(records);
  });

  it('skips a UTF-8 byte-order mark', async () => {
    expect(await collect([Buffer.from([0xef, 0xbb, 0xbf]), '[{"a":1}]'])).toEqual([{ a: 1 }]);
  });

  it('reports the line a broken record starts on', async () => {
    const text = '[\n{"a":1},\n{"a":2},\n{"a": nope}\n]';
    await expect(collect([text])).rejects.toMatchObject({ index: 3, line: 4 });
  });
});
