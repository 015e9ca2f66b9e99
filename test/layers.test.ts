import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';

/**
 * The layers (README, Architecture), checked on the source: every static and dynamic import
 * of every module under src/, resolved to the folder it lands in.
 */

const SRC = join(ROOT, 'src');

function modules(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name))
    .map((d) => join(d.parentPath, d.name));
}

/** The src/ folder each relative import of `file` lands in ('<outside>' for bin/, views/, …). */
function importsOf(file: string): { spec: string; layer: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; layer: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/(^\s*import\s+type\b[^;]*?\bfrom\s*|\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    const target = resolve(dirname(file), m[2]!);
    const rel = relative(SRC, target);
    out.push({ spec: m[2]!, layer: rel.startsWith('..') ? '<outside>' : rel.split(/[\\/]/)[0]!, typeOnly: /^\s*import\s+type\b/.test(m[1]!) });
  }
  return out;
}

const layerOf = (file: string) => relative(SRC, file).split(/[\\/]/)[0]!;

/** Which folders each lower layer may import. */
const ALLOWED: Record<string, string[]> = {
  base: ['base'],
  ledger: ['ledger', 'base'],
  sanitize: ['sanitize', 'base'],
  events: ['events', 'ledger', 'sanitize', 'base'],
};

const NOT_DOMAIN = new Set(['base', 'ledger', 'sanitize', 'events', 'actions', 'consumers', 'cli', 'console', 'serve', 'testing', 'watch']);

function violations(check: (from: string, to: string, spec: string, typeOnly: boolean) => boolean): string[] {
  const bad: string[] = [];
  for (const file of modules(SRC)) {
    const from = layerOf(file);
    for (const { spec, layer, typeOnly } of importsOf(file)) if (!check(from, layer, spec, typeOnly)) bad.push(`${relative(ROOT, file)} imports ${spec} (${layer})`);
  }
  return bad;
}

describe('layers', () => {
  it('the ledger and the event log import nothing above them', () => {
    const bad = violations((from, to) => !(from in ALLOWED) || ALLOWED[from]!.includes(to));
    expect(bad).toEqual([]);
    // The check sees imports at all: the event log does import the ledger.
    expect(importsOf(join(SRC, 'events', 'log.ts')).map((i) => i.layer)).toContain('ledger');
  });

  it('the actions and the domain modules write state and append events: they never run a consumer, and never reach into the CLI main or the console', () => {
    // They take the CLI's Context, errors and table helpers (what they are called with and print through); nothing else above.
    const bad = violations((from, to, spec) => (NOT_DOMAIN.has(from) && from !== 'actions') || !(to === 'consumers' || to === 'console' || /cli\/main$/.test(spec)));
    expect(bad).toEqual([]);
  });

  it('the domain never reaches the actions: detection records what to do, src/actions/alert-actions does it after the commit', () => {
    // Types (a report's shape) aside: the demo writes history through the same actions.
    const bad = violations((from, to, _spec, typeOnly) => NOT_DOMAIN.has(from) || to !== 'actions' || typeOnly || from === 'demo');
    expect(bad).toEqual([]);
  });
});
