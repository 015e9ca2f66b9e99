import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers';

/**
 * The bundles' stand-ins for slice-ansi and @alcalzone/ansi-tokenize (build/plugins.mjs) give
 * what the real modules give: checked here against them, bundled the way build.mjs bundles.
 * So does yargs' node:assert stand-in (build/assert-lite.mjs).
 */

type Token = { type: string };
interface Probe {
  fast: { tokenize(s: string, end?: number): Token[]; styledCharsFromTokens(t: Token[]): { styles: unknown[] }[]; styledCharsToString(c: unknown[]): string };
  real: Probe['fast'];
  fastSlice(s: string, begin: number, end?: number): string;
  realSlice: Probe['fastSlice'];
  stringWidth(s: string): number;
}

async function probe(): Promise<Probe> {
  const { textPlugins } = await import(join(ROOT, 'build', 'plugins.mjs'));
  const outfile = join(tempDir(), 'probe.mjs');
  await build({
    stdin: {
      // Bare names get the stand-ins; the real modules by their files.
      contents: `
        export * as fast from '@alcalzone/ansi-tokenize';
        export { default as fastSlice } from 'slice-ansi';
        export { default as stringWidth } from 'string-width';
        export * as real from './node_modules/@alcalzone/ansi-tokenize/build/index.js';
        export { default as realSlice } from './node_modules/slice-ansi/index.js';`,
      resolveDir: ROOT,
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    plugins: textPlugins,
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return import(pathToFileURL(outfile).href);
}

const esc = (codes: string) => `\x1b[${codes}m`;
const lines = [
  '',
  '> 19000000123  Deploy  main  success  2m 3s  12m ago',
  'truncated…',
  `${esc('31')}failure${esc('39')} tail`,
  `${esc('1;31')}bold red${esc('0')}`,
  `${esc('38;5;196')}256${esc('39')} ${esc('38;2;1;2;3')}true${esc('39')}${esc('48;2;4;5;6')}bg${esc('49')}`,
  `${esc('100')}${esc('1')}> selected row${esc('22')}${esc('49')}`,
  `${esc('1')}${esc('2')}bold and dim${esc('22')}`,
  'café ▁▃▅▇█ ≤ ≥ ■ — – ↑',
  'wide 漢字 and ⌚',
  'emoji 👍, e\u0301, 👨‍👩‍👧, flags 🇯🇵',
  '\x1b]8;;https://example.com\x07link\x1b]8;;\x07',
  'tab\there, soft\u00adhyphen',
  `${esc('')}reset ${esc('38;5')}short ${esc('4')}${esc('24')}`,
];

/** Deterministic strings of SGR codes and characters of every kind the stand-ins tell apart. */
function* fuzz(n: number): Generator<string> {
  const parts = ['a', ' ', '~', '…', 'é', '▇', '漢', '👍', '\u0301', '\u200d', '\t', esc('31'), esc('39'), esc('1'), esc('22'), esc('0'), esc('1;4;32'), esc('38;5;12'), esc('48;2;1;2;3'), esc(''), esc('100')];
  let seed = 7;
  const next = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
  for (let i = 0; i < n; i++) yield Array.from({ length: next(24) }, () => parts[next(parts.length)]).join('');
}

describe('text stand-ins', () => {
  it('tokenize, style and slice every line as the real modules do', async () => {
    const p = await probe();
    const differ: string[] = [];
    for (const s of [...lines, ...fuzz(3000)]) {
      for (const end of [undefined, 0, 3]) if (!isDeepStrictEqual(p.fast.tokenize(s, end), p.real.tokenize(s, end))) differ.push(`tokenize ${JSON.stringify(s)} ${end}`);
      const chars = p.fast.styledCharsFromTokens(p.fast.tokenize(s));
      const realChars = p.real.styledCharsFromTokens(p.real.tokenize(s));
      if (!isDeepStrictEqual(chars, realChars)) differ.push(`styledCharsFromTokens ${JSON.stringify(s)}`);
      if (p.fast.styledCharsToString(chars) !== p.real.styledCharsToString(realChars)) differ.push(`styledCharsToString ${JSON.stringify(s)}`);
      const width = p.stringWidth(s);
      for (const [begin, end] of [[0, width], [0, width + 2], [0, 3], [2, 6], [1, undefined]] as const) {
        const got = p.fastSlice(s, begin, end);
        // A line that needs no cut comes back as it is (the real one may re-order its codes).
        if (got !== p.realSlice(s, begin, end) && !(begin === 0 && got === s && (end === undefined || end >= width))) differ.push(`slice ${JSON.stringify(s)} ${begin} ${end}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it("keeps Ink's caches of wrapped and measured text bounded: a console open for days does not grow with every string it drew", async () => {
    // 100 000 distinct rows, as ages and counts that change each minute make over days.
    const contents = `
      import wrapText from './node_modules/ink/build/wrap-text.js';
      import measureText from './node_modules/ink/build/measure-text.js';
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      let out = '';
      for (let i = 0; i < 100000; i++) {
        const row = '> 93183' + i + '  CI  acme/mobile  dependabot/gradle/io.co  1  success  29m12s  ' + (i % 60) + 'm';
        out = wrapText(row + ' and more text past the edge', 60, 'truncate-end');
        if (measureText(row).width !== row.length) throw new Error('measured wrong: ' + row);
      }
      globalThis.gc();
      console.log(JSON.stringify({ growthMb: (process.memoryUsage().heapUsed - before) / 1e6, out }));`;
    const growth = async (plugins: unknown[]) => {
      const outfile = join(tempDir(), 'caches.mjs');
      await build({ stdin: { contents, resolveDir: ROOT }, bundle: true, platform: 'node', format: 'esm', outfile, plugins: plugins as never, logLevel: 'error' });
      return JSON.parse(execFileSync(process.execPath, ['--expose-gc', outfile], { encoding: 'utf8' })) as { growthMb: number; out: string };
    };
    const { textPlugins } = await import(join(ROOT, 'build', 'plugins.mjs'));
    const [bounded, published] = [await growth(textPlugins), await growth([])];
    expect(bounded.growthMb).toBeLessThan(15);
    // Ink as published keeps them all.
    expect(published.growthMb).toBeGreaterThan(40);
    // Still wrapping as Ink does: cut at 60 cells with an ellipsis.
    expect(bounded.out).toBe(published.out);
    expect(bounded.out).toMatch(/^> 9318399999 .{40,}…$/);
  }, 30_000);

  it("yargs' assert stand-in throws where node:assert throws, and the CLI bundle no longer loads node:assert", async () => {
    const lite = await import(pathToFileURL(join(ROOT, 'build', 'assert-lite.mjs')).href);
    const real = await import('node:assert');
    const cases: [unknown, unknown][] = [[1, 1], [1, 2], ['a', 'a'], ['a', 'b'], [NaN, NaN], [0, -0], [null, undefined], [undefined, undefined], [{}, {}]];
    const throws = (f: () => void) => {
      try {
        f();
        return false;
      } catch {
        return true;
      }
    };
    for (const [a, b] of cases) {
      expect(throws(() => lite.strictEqual(a, b)), `strictEqual(${String(a)}, ${String(b)})`).toBe(throws(() => real.strictEqual(a, b)));
      expect(throws(() => lite.notStrictEqual(a, b)), `notStrictEqual(${String(a)}, ${String(b)})`).toBe(throws(() => real.notStrictEqual(a, b)));
    }
    const main = join(tempDir(), 'modules.mjs');
    writeFileSync(main, `process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => m === 'NativeModule assert'))));\nawait import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'ops', 'ops.js')).href)});\n`);
    const loaded = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    expect(loaded.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(loaded.stderr).toBe('[]');
  });
});
