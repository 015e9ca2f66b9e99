// The sanitizer against seeded corpora (test/corpus/corpus.mjs): every planted secret, in
// every context, is masked; realistic CI output without secrets stays byte-identical. Both
// through the built bin/ops, on real files. OPS_TEST_SEED=n replays a run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRules, loadRules, scan } from '../src/sanitize/index';
import { cleanCorpus, secretCorpus } from './corpus/corpus.mjs';
import { opsProcess, workspaceDir } from './helpers';

const seed = Number(process.env.OPS_TEST_SEED ?? Date.now() % 100_000);
const label = `seed ${seed} (replay: OPS_TEST_SEED=${seed})`;

describe(`sanitizer corpora, ${label}`, () => {
  it('masks 100 % of the planted secrets, every built-in rule included, and prints none of them', () => {
    const ws = workspaceDir();
    const { text, secrets } = secretCorpus(seed);
    writeFileSync(join(ws, 'secrets.log'), text);
    const r = opsProcess(['evidence', 'sanitize', 'secrets.log', '--json'], { cwd: ws });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = readFileSync(join(ws, 'secrets.log'), 'utf8');
    const missed = secrets.filter((s) => out.includes(s.value)).map((s) => `${s.rule} in "${s.context}"`);
    expect(missed, label).toEqual([]);
    for (const s of secrets) expect(r.stdout).not.toContain(s.value);
    // Every rule id reports itself on some planted secret (rules named after their key excepted).
    const reported = new Set((JSON.parse(r.stdout).masked as { rule: string }[]).map((m) => m.rule));
    for (const def of builtinRules) if (!def.nameByKey) expect(reported, def.name).toContain(def.name);
    expect(builtinRules.length).toBeGreaterThanOrEqual(180);
    // The masked file is clean for --check.
    expect(opsProcess(['evidence', 'sanitize', '--check', 'secrets.log'], { cwd: ws }).code).toBe(0);
  });

  it('leaves realistic CI output without secrets byte-identical (stack traces, package managers, plans, manifests, placeholders)', () => {
    const ws = workspaceDir();
    const { text } = cleanCorpus(seed);
    writeFileSync(join(ws, 'clean.log'), text);
    const r = opsProcess(['evidence', 'sanitize', 'clean.log', '--json'], { cwd: ws });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).masked, label).toEqual([]);
    expect(readFileSync(join(ws, 'clean.log'), 'utf8') === text, label).toBe(true);
    // What the issue names, in so many words.
    for (const kept of ['(src/auth/password-reset.ts:', 'tokens.example.yml:', 'YOUR_PASSWORD', '{PASS}', 'not_a_real_token', 'xxxxxxxxxxxxxxxx', '${{ secrets.DB_PASSWORD }}', 'password = changeme']) expect(text).toContain(kept);
  });

  it('a stack frame whose file name holds a keyword keeps its line:col; the same key with a random value is masked', () => {
    const rules = loadRules({}, {});
    const frame = Buffer.from('    at resetPassword (src/auth/password-reset.ts:150:18)\n    at Object.<anonymous> (tokens.example.yml:303:49)\n');
    expect(scan(rules, frame)).toEqual([]);
  });
});
