// esbuild plugins of build.mjs (and of the test that holds the stand-ins to the real modules):
// faster stand-ins for the text-measuring modules Ink and yargs use, each beside this file.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const fastStringWidth = {
  name: 'fast-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, () => ({ path: here('./string-width-fast.mjs') }));
  },
};

// Ink's text output: the console's first frame and every redraw.
const fastSliceAnsi = {
  name: 'fast-slice-ansi',
  setup(b) {
    const wrapper = here('./slice-ansi-fast.mjs');
    // The wrapper itself gets the real one.
    b.onResolve({ filter: /^slice-ansi$/ }, (args) => (args.importer === wrapper ? undefined : { path: wrapper }));
  },
};

const fastAnsiTokenize = {
  name: 'fast-ansi-tokenize',
  setup(b) {
    const dir = fileURLToPath(new URL('.', import.meta.resolve('@alcalzone/ansi-tokenize')));
    b.onResolve({ filter: /^@alcalzone\/ansi-tokenize$/ }, () => ({ path: here('./ansi-tokenize-fast.mjs') }));
    // The wrapper imports the package's modules one by one (its exports map names only the index).
    b.onResolve({ filter: /^@alcalzone\/ansi-tokenize\/build\// }, (args) => ({ path: join(dir, args.path.slice('@alcalzone/ansi-tokenize/build/'.length)) }));
  },
};

// Ink remembers every text it has wrapped or measured, for good: a console left open for days
// redraws ages, countdowns and counts that change each minute, ~50 MB per 100 000 strings.
// Same caches, emptied when full. The build fails if Ink's code no longer reads as expected.
const CACHE_LIMIT = 10_000;
const boundedInkCaches = {
  name: 'bounded-ink-caches',
  setup(b) {
    const edits = {
      'wrap-text.js': [
        ['const cache = {};', 'let cache = {};\nlet cached = 0;'],
        ['cache[cacheKey] = wrappedText;', `if (++cached > ${CACHE_LIMIT}) {\n        cache = {};\n        cached = 1;\n    }\n    cache[cacheKey] = wrappedText;`],
      ],
      'measure-text.js': [['cache.set(text, dimensions);', `if (cache.size >= ${CACHE_LIMIT})\n        cache.clear();\n    cache.set(text, dimensions);`]],
    };
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/](wrap|measure)-text\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      for (const [from, to] of edits[basename(args.path)]) {
        if (!contents.includes(from)) throw new Error(`${args.path}: no "${from}" to bound (Ink changed: review build/plugins.mjs)`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

// yargs' two uses of node:assert, without loading it (see assert-lite.mjs).
export const yargsAssertLite = {
  name: 'yargs-assert-lite',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) => (/[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/.test(args.importer) ? { path: here('./assert-lite.mjs') } : undefined));
  },
};

export const textPlugins = [fastStringWidth, fastSliceAnsi, fastAnsiTokenize, boundedInkCaches];

// `import text from './page.html?raw'`: the file's contents as a string, so the dashboard's
// page, script and styles (and uPlot's) ship inside the bundle and the installed package
// serves them without a web folder beside it. Bare names resolve as node_modules imports do.
export const rawText = {
  name: 'raw-text',
  setup(b) {
    // `?minified`: a browser script shipped minified (uPlot has no minified ES module of its own).
    b.onResolve({ filter: /\?(raw|minified)$/ }, async (args) => {
      const [spec, how] = args.path.split('?');
      const r = await b.resolve(spec, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: 'raw-text', pluginData: how };
    });
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (args.pluginData === 'minified') contents = (await b.esbuild.transform(contents, { loader: 'js', format: 'esm', minify: true, target: 'es2020', legalComments: 'inline' })).code;
      return { contents, loader: 'text', watchFiles: [args.path] };
    });
  },
};

// Not a text module: zod's classic API and its core re-export every locale as `locales`.
export const zodLocalesStub = {
  name: 'zod-locales-stub',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer) ? { path: here('./zod-locales-stub.mjs') } : undefined));
  },
};

// pg asks, when it loads, whether it runs in a Cloudflare Worker by constructing a fetch
// Response: on Node that loads undici, ~28 ms of `ops export postgres`'s ~250 (a third of
// the export itself). ops runs on Node only. The build fails if pg's code changes.
export const pgNodeStreams = {
  name: 'pg-node-streams',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8');
      const from = 'function isCloudflareRuntime() {';
      if (!contents.includes(from)) throw new Error(`${args.path}: no "${from}" (pg changed: review build/plugins.mjs)`);
      return { contents: contents.replace(from, `${from}\n  return false;`), loader: 'js' };
    });
  },
};
