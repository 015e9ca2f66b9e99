// Bundles the two programs with esbuild: one file each, so start-up reads a few files
// instead of hundreds of modules. Chunks split at dynamic imports: a command loads its
// heavy code (better-sqlite3, zod, the demo generator, ink) only when it runs.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { pgNodeStreams, rawText, textPlugins, yargsAssertLite, zodLocalesStub } from './build/plugins.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const common = {
  plugins: [...textPlugins, zodLocalesStub, rawText, pgNodeStreams, yargsAssertLite],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // Native addon: loaded from node_modules at run time.
  external: ['better-sqlite3'],
  define: {
    OPS_VERSION: JSON.stringify(pkg.version),
    'process.env.NODE_ENV': '"production"',
  },
  // Bundled CommonJS (yargs' helpers, react, write-file-atomic) expects require() and
  // __filename: give every ESM chunk both.
  banner: {
    js: [
      "import { createRequire as __opsCreateRequire } from 'node:module';",
      "import { fileURLToPath as __opsFileURLToPath } from 'node:url';",
      'const require = __opsCreateRequire(import.meta.url);',
      // write-file-atomic names its temp files after __filename.
      'const __filename = __opsFileURLToPath(import.meta.url);',
    ].join(' '),
  },
  alias: {
    // Ink imports its devtools bridge only when DEV=true; never ship it.
    'react-devtools-core': './build/devtools-stub.mjs',
  },
};

// The import worker is an entry of its own, beside the chunk that starts it.
await build({ ...common, entryPoints: { ops: 'bin/ops.ts', 'import-worker': 'src/runs/import-worker.ts' }, outdir: 'dist/ops' });
// Minified: V8 reads and pre-parses every byte of a chunk it loads, and the console loads
// ~0.9 MB of React, Ink and Yoga before its first frame (~30 ms and ~8 MB less minified).
// Not the CLI: its --verbose stack traces keep their names.
await build({ ...common, minify: true, entryPoints: { 'ops-console': 'bin/ops-console.ts' }, outdir: 'dist/console' });
