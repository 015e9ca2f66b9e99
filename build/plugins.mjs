// esbuild plugins of build.mjs (and of the test that holds the stand-ins to the real modules):
// faster stand-ins for the text-measuring modules Ink and yargs use, each beside this file.
import { join } from 'node:path';
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

export const textPlugins = [fastStringWidth, fastSliceAnsi, fastAnsiTokenize];

// Not a text module: zod's classic API and its core re-export every locale as `locales`.
export const zodLocalesStub = {
  name: 'zod-locales-stub',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer) ? { path: here('./zod-locales-stub.mjs') } : undefined));
  },
};
