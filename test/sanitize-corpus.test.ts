// The sanitizer against seeded corpora (test/corpus/corpus.mjs): every planted secret, in
// every context, is masked; realistic CI output without secrets stays byte-identical. Both
// through the built bin/ops, on real files. OPS_TEST_SEED=n replays a run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('hf_ and OpenAI rules are as narrow as the real shapes', () => {
    const rules = loadRules({}, {});
    const rnd = (n: number, alphabet: string) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    // Not the shapes: hf_ with digits or the wrong length, sk-proj- without the T3BlbkFJ marker.
    for (const text of [`cache hf_${rnd(20, letters)}1${rnd(13, letters)} hit`, `hf_${rnd(30, letters)} x`, `model sk-proj-${rnd(60, letters + '0123456789')} y`, `sk-${rnd(48, letters)} z`]) {
      expect(scan(rules, Buffer.from(text)), text).toEqual([]);
    }
    // The shapes.
    expect(scan(rules, Buffer.from(`hf_${rnd(34, letters)} x`)).map((s) => s.rule)).toEqual(['huggingface-token']);
    expect(scan(rules, Buffer.from(`k sk-proj-${rnd(74, letters + '_-')}T3BlbkFJ${rnd(74, letters)} x`)).map((s) => s.rule)).toEqual(['openai-api-key']);
  });
});

describe('ops evidence sanitize --explain, and mask-rules.json rules, disable, allow', () => {
  const rand = (n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') => {
    const b = randomBytes(n);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[b[i]! % alphabet.length];
    return s;
  };
  const strong = (n: number) => `${rand(1, 'ABCDEFGHJK')}${rand(1, 'abcdefghjk')}${rand(1, '23456789')}${rand(n - 3)}`;

  it('--explain: line, column, rule, provenance, why; weak values listed, not masked; the secret never printed; nothing written', () => {
    const ws = workspaceDir();
    const s = { gh: `ghp_${strong(36)}`, pw: strong(18), weak: 'changeme' };
    const text = `start\n  export GITHUB_TOKEN=${s.gh}\nfixture: password = ${s.weak}\nDB_PASSWORD=${s.pw}\n    at f (src/auth/password-reset.ts:150:18)\n`;
    writeFileSync(join(ws, 'job.log'), text);
    const r = opsProcess(['evidence', 'sanitize', '--explain', 'job.log'], { cwd: ws });
    expect(r.code).toBe(4);
    for (const v of Object.values(s)) if (v !== s.weak) expect(r.stdout + r.stderr).not.toContain(v);
    expect(r.stdout).toContain('job.log:2:23: github-pat (40 bytes): prefix "ghp_" and shape; 40 chars, entropy');
    expect(r.stdout).toContain('from: GitHub token formats; gitleaks:github-pat; secretlint:@secretlint/secretlint-rule-github');
    expect(r.stdout).toContain('job.log:3:21: password-assignment (weak: not masked) (8 bytes): key password; value a well-known default password');
    expect(r.stdout).toMatch(/job\.log:4:13: password-assignment \(18 bytes\): key PASSWORD; context; value 18 chars, entropy \d\.\d bits\/char/);
    expect(r.stdout).not.toContain(':5:');
    expect(r.stderr).toBe('ops: evidence sanitize: 2 secrets found in 1 file\n');
    expect(readFileSync(join(ws, 'job.log'), 'utf8')).toBe(text);
    const json = JSON.parse(opsProcess(['evidence', 'sanitize', '--explain', 'job.log', '--json'], { cwd: ws }).stdout);
    expect(json.findings.map((f: { line: number; column: number; length: number; masked: boolean; rule: string }) => [f.line, f.column, f.length, f.masked, f.rule])).toEqual([
      [2, 23, 40, true, 'github-pat'],
      [3, 21, 8, false, 'password-assignment'],
      [4, 13, 18, true, 'password-assignment'],
    ]);
  });

  it('custom rules mask, disabled built-ins and allow-listed values and paths do not', () => {
    const ws = workspaceDir();
    const s = { acme: `ACME-${rand(12, '0123456789ABCDEF')}`, tw: `SK${rand(32, '0123456789abcdef')}`, gh: `ghp_${strong(36)}`, fixture: `ghp_${strong(36)}`, env: strong(20) };
    writeFileSync(
      join(ws, '.ops', 'mask-rules.json'),
      JSON.stringify({ rules: [{ name: 'acme-key', pattern: 'ACME-[0-9A-F]{12}', keywords: ['acme-'], description: 'Acme internal keys' }], disable: ['twilio-api-key'], allow: { values: [s.gh.slice(0, 12)], paths: ['^fixtures/'] } }),
    );
    writeFileSync(join(ws, 'job.log'), `a ${s.acme} b ${s.tw} c ${s.gh}\n`);
    mkdirSync(join(ws, 'fixtures'));
    writeFileSync(join(ws, 'fixtures', 'tokens.log'), `t ${s.fixture} e ${s.env}\n`);
    const r = opsProcess(['evidence', 'sanitize', 'job.log', 'fixtures', '--json'], { cwd: ws, env: { DEPLOY_TOKEN: s.env } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(ws, 'job.log'), 'utf8')).toBe(`a [MASKED:acme-key] b ${s.tw} c ${s.gh}\n`);
    // An allow-listed path: no rule runs, but the values of secret-named environment variables are still masked.
    expect(readFileSync(join(ws, 'fixtures', 'tokens.log'), 'utf8')).toBe(`t ${s.fixture} e [MASKED:env-secret]\n`);
    writeFileSync(join(ws, 'again.log'), `a ${s.acme}\n`);
    const ex = opsProcess(['evidence', 'sanitize', '--explain', 'again.log'], { cwd: ws });
    expect(ex.stdout).toContain('again.log:1:3: acme-key (17 bytes): custom rule of .ops/mask-rules.json;');
    expect(ex.stdout).toContain('from: .ops/mask-rules.json: Acme internal keys');
  });

  it.each([
    [{ disable: ['github-pta'] }, 'ops: .ops/mask-rules.json: disable.0: rule "github-pta": no built-in rule has this id'],
    [{ rules: [{ name: 'acme', pattern: 'ACME-([' }] }, 'ops: .ops/mask-rules.json: rules.0.pattern: rule "acme": not a valid regular expression'],
    [{ rules: [{ name: 'ok', pattern: 'OK-[0-9]+' }, { name: 'loose', pattern: 'x*' }] }, 'ops: .ops/mask-rules.json: rules.1.pattern: rule "loose": matches the empty string'],
    [{ rules: [{ name: 'npm-token', pattern: 'npm_x' }] }, 'ops: .ops/mask-rules.json: rules.0.name: rule "npm-token": a built-in rule has this id'],
    [{ allow: { paths: ['fixtures/(' ] } }, 'ops: .ops/mask-rules.json: allow.paths.0: allow.paths /fixtures/(/: not a valid regular expression'],
  ])('a bad mask-rules.json is one line naming the file and the rule, exit 2: %j', (config, message) => {
    const ws = workspaceDir();
    writeFileSync(join(ws, '.ops', 'mask-rules.json'), JSON.stringify(config));
    writeFileSync(join(ws, 'job.log'), 'nothing\n');
    const r = opsProcess(['evidence', 'sanitize', 'job.log'], { cwd: ws });
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
