import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { builtinRules, loadRules, maskText, Masker, sanitizeFileTo, sanitizeInPlace, scan } from '../src/sanitize/index';
import { base64Forms, looksSecretName } from '../src/sanitize/env-secrets';
import { ops, tempDir, workspaceDir } from './helpers';

// Fake tokens, generated at run time: random characters of each format's alphabet.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64URL = ALNUM + '_-';
const HEX = '0123456789abcdef';
const r = (n: number, alphabet = ALNUM) => {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[b[i]! % alphabet.length];
  return s;
};
const hex = (n: number) => r(n, HEX);
const digits = (n: number) => r(1, '123456789') + r(n - 1, DIGITS);

/** [rule reported, line holding the secret, the secret] */
type Case = [string, () => { line: string; secret: string }];
const token = (rule: string, make: () => string, around = (s: string) => `  deploy: using ${s} now`): Case => [
  rule,
  () => {
    const secret = make();
    return { line: around(secret), secret };
  },
];
const ctx = (rule: string, make: (secret: string) => string, secret = () => r(24)): Case => [
  rule,
  () => {
    const s = secret();
    return { line: make(s), secret: s };
  },
];

const privateKey = () => {
  const body = Array.from({ length: 8 }, () => r(64, ALNUM + '+/')).join('\n');
  return `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
};

const cases: Case[] = [
  token('github-pat', () => `ghp_${r(36)}`),
  token('github-oauth-token', () => `gho_${r(36)}`),
  token('github-user-token', () => `ghu_${r(36)}`),
  token('github-app-token', () => `ghs_${r(36)}`),
  token('github-refresh-token', () => `ghr_${r(76)}`),
  token('github-fine-grained-pat', () => `github_pat_${r(22)}_${r(59)}`),
  token('gitlab-pat', () => `glpat-${r(20, B64URL)}`),
  token('gitlab-pipeline-trigger-token', () => `glptt-${hex(40)}`),
  token('gitlab-runner-token', () => `glrt-${r(20, B64URL)}`),
  token('gitlab-deploy-token', () => `gldt-${r(20, B64URL)}`),
  token('gitlab-oauth-secret', () => `gloas-${r(64, B64URL)}`),
  token('npm-token', () => `npm_${r(36)}`),
  token('pypi-token', () => `pypi-AgEIcHlwaS5vcmc${r(70, B64URL)}`),
  token('docker-hub-pat', () => `dckr_pat_${r(27, B64URL)}`),
  token('aws-access-key-id', () => `AKIA${r(16, UPPER + '234567')}`),
  ctx('aws-secret-access-key', (s) => `aws_secret_access_key = ${s}`, () => r(40, ALNUM + '/+')),
  ctx('aws-secret-access-key', (s) => `"SecretAccessKey": "${s}",`, () => r(40, ALNUM + '/+')),
  token('slack-bot-token', () => `xoxb-${digits(12)}-${digits(13)}-${r(24)}`),
  token('slack-user-token', () => `xoxp-${digits(12)}-${digits(12)}-${digits(12)}-${hex(32)}`),
  token('slack-token', () => `xoxe.xoxp-1-${r(100)}`),
  token('slack-app-token', () => `xapp-1-A${r(10, UPPER + DIGITS)}-${digits(13)}-${hex(64)}`),
  token('slack-webhook-url', () => `https://hooks.slack.com/services/T${r(8, UPPER + DIGITS)}/B${r(8, UPPER + DIGITS)}/${r(24)}`),
  token('stripe-secret-key', () => `sk_live_${r(24)}`),
  token('stripe-restricted-key', () => `rk_test_${r(24)}`),
  token('stripe-webhook-secret', () => `whsec_${r(32)}`),
  token('google-api-key', () => `AIza${r(35, B64URL)}`),
  token('google-oauth-client-secret', () => `GOCSPX-${r(28, B64URL)}`),
  token('google-oauth-access-token', () => `ya29.${r(100, B64URL)}`),
  token('anthropic-api-key', () => `sk-ant-api03-${r(93, B64URL)}AA`),
  token('openai-api-key', () => `sk-proj-${r(74, B64URL)}T3BlbkFJ${r(74, B64URL)}`),
  token('openai-api-key', () => `sk-${r(20)}T3BlbkFJ${r(20)}`),
  token('huggingface-token', () => `hf_${r(34, UPPER + LOWER)}`),
  token('twilio-api-key', () => `SK${hex(32)}`),
  token('sendgrid-api-key', () => `SG.${r(22, B64URL)}.${r(43, B64URL)}`),
  token('telegram-bot-token', () => `${digits(9)}:AA${r(33, B64URL)}`),
  token('discord-webhook-url', () => `https://discord.com/api/webhooks/${digits(18)}/${r(68, B64URL)}`),
  token('supabase-secret-key', () => `sb_secret_${r(30, B64URL)}`),
  token('supabase-pat', () => `sbp_${hex(40)}`),
  token('jwt', () => `eyJ${r(30, B64URL)}.eyJ${r(60, B64URL)}.${r(43, B64URL)}`),
  ctx('azure-storage-account-key', (s) => `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${s};EndpointSuffix=core.windows.net`, () => r(86, ALNUM + '+/') + '=='),
  token('azure-ad-client-secret', () => `${r(3)}${r(1, DIGITS)}Q~${r(34)}`),
  token('digitalocean-token', () => `dop_v1_${hex(64)}`),
  token('databricks-token', () => `dapi${hex(32)}`),
  token('shopify-token', () => `shpat_${hex(32)}`),
  token('hashicorp-vault-token', () => `hvs.${r(90, B64URL)}`),
  token('grafana-token', () => `glsa_${r(32)}_${hex(8)}`),
  token('postman-api-key', () => `PMAK-${hex(24)}-${hex(34)}`),
  token('linear-api-key', () => `lin_api_${r(40)}`),
  token('doppler-token', () => `dp.pt.${r(43)}`),
  token('sentry-token', () => `sntrys_${r(60)}`),
  token('private-key', privateKey, (s) => `key file:\n${s}\ndone`),
  token('private-key', () => privateKey().replace(/\n/g, '\\n'), (s) => `{"type": "service_account", "private_key": "${s}\\n", "client_email": "ci@acme.iam"}`),
  ctx('basic-auth-url', (s) => `git clone https://x-access-token:${s}@github.com/acme/api.git`),
  ctx('basic-auth-url', (s) => `DATABASE_URL=postgres://app:${s}@db.internal:5432/app`),
  ctx('authorization-header', (s) => `> Authorization: token ${s}`),
  ctx('authorization-header', (s) => `curl -H "authorization: Basic ${s}" https://x`, () => Buffer.from(`u:${r(16)}`).toString('base64')),
  ctx('bearer-token', (s) => `headers: { X-Auth: 'Bearer ${s}' }`, () => r(40, ALNUM + '._-')),
  ctx('npmrc-auth', (s) => `//registry.npmjs.org/:_authToken=${s}`),
  ctx('docker-config-auth', (s) => `{"auths":{"ghcr.io":{"auth":"${s}"}}}`, () => Buffer.from(`bot:${r(20)}`).toString('base64')),
  ctx('password-assignment', (s) => `DB_PASSWORD=${s}`),
  ctx('password-assignment', (s) => `  password: "${s}"`, () => `${r(8)} ${r(8)}`),
  ctx('password-assignment', (s) => `mysql --password ${s} -h db`),
  ctx('token-assignment', (s) => `export SERVICE_TOKEN='${s}'`),
  ctx('token-assignment', (s) => `deploy --token=${s}`),
  ctx('token-assignment', (s) => `GET /callback?code=1&access_token=${s}&state=2`),
  ctx('api-key-assignment', (s) => `{"api_key": "${s}", "region": "eu"}`),
  ctx('api-key-assignment', (s) => `  x-api-key: ${s}`),
  ctx('secret-assignment', (s) => `client_secret => ${s}`),
  ctx('secret-assignment', (s) => `{\\"webhook_secret\\": \\"${s}\\"}`),
  ctx('credential-assignment', (s) => `credentials=${s}`),
];

const rules = loadRules({}, {});

describe('sanitizer rules', () => {
  it('covers at least 30 formats here (every built-in rule: test/sanitize-corpus.test.ts)', () => {
    expect(builtinRules.length).toBeGreaterThanOrEqual(30);
    const covered = new Set(cases.map(([rule]) => rule));
    expect(covered.size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map(([rule, make], i) => [`${rule} #${i}`, rule, make] as const))('masks %s', (_label, rule, make) => {
    const { line, secret } = make();
    const out = maskText(rules, line);
    expect(out.text).not.toContain(secret);
    expect(out.text).toContain(`[MASKED:${rule}]`);
    // Idempotent: the masked text holds nothing more.
    expect(scan(rules, Buffer.from(out.text))).toEqual([]);
  });

  it('a random value that starts with a placeholder word (no-, my-, new-) is a secret; words after it are a placeholder', () => {
    const set = loadRules({ maskStyle: '***' }, {});
    for (const word of ['no', 'my', 'new', 'your', 'not']) {
      const value = `${word}-${r(10)}-${r(2)}#${r(3)}`;
      expect(maskText(set, `helm registry login ghcr.io --username ci --password ${value}`).text).toBe('helm registry login ghcr.io --username ci --password ***');
    }
    for (const placeholder of ['your-password-here', 'not_a_real_token', 'my-secret-token']) {
      const line = `DB_PASSWORD=${placeholder}`;
      expect(maskText(set, line).text).toBe(line);
    }
  });

  it('never masks git SHAs, sha256/sha512 digests, UUIDs, ordinary base64, build ids, placeholders', () => {
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const lines = [
      `HEAD is now at ${hex(40)} Merge pull request #42`,
      `GITHUB_SHA=${hex(40)}`,
      `head_sha: ${hex(40)}`,
      `Digest: sha256:${hex(64)}`,
      `${hex(64)}  dist/app.tar.gz`,
      `sha512 ${hex(128)}`,
      `"integrity": "sha512-${Buffer.from(randomBytes(64)).toString('base64')}"`,
      `request-id: ${uuid()} run ${uuid().toUpperCase()}`,
      `token: ${hex(40)}`,
      `secret_id: ${uuid()}`,
      Buffer.from('The quick brown fox jumps over the lazy dog, and the build passed in 42 seconds.').toString('base64'),
      Buffer.from(JSON.stringify({ name: 'api', version: '1.2.3', private: true })).toString('base64'),
      `build ${hex(32)} artifact ${hex(48)} cache-key ${hex(56)}`,
      `password: \${{ secrets.DB_PASSWORD }}`,
      `TOKEN=$GITHUB_TOKEN --token "$NPM_TOKEN"`,
      `token: ***`,
      `SyntaxError: Unexpected token '<' in JSON at position 0`,
      `DB_PASSWORD_FILE=/run/secrets/db_password`,
      `git@github.com:acme/api.git https://github.com/acme/api/actions/runs/123`,
      `npm warn config npm_config_cache /home/runner/.npm`,
      `  ✓ skips when the password is empty (3 ms)`,
    ];
    for (const line of lines) expect(maskText(rules, line).text, line).toBe(line);
  });

  it('mask style ***, exclusions and rules of mask-rules.json apply', () => {
    const t = `ghp_${r(36)}`;
    const set = loadRules({ maskStyle: '***', rules: [{ name: 'acme-key', pattern: 'ACME-[0-9]{6}', keywords: ['acme-'] }], exclusions: ['AKIAIOSFODNN7EXAMPLE'] }, {});
    expect(maskText(set, `a ${t} b ACME-123456 c AKIAIOSFODNN7EXAMPLE`).text).toBe('a *** b *** c AKIAIOSFODNN7EXAMPLE');
    const only = loadRules({ builtinRules: false, rules: [{ name: 'acme-key', pattern: 'ACME-[0-9]{6}' }] }, {});
    expect(maskText(only, `${t} ACME-654321`).text).toBe(`${t} [MASKED:acme-key]`);
  });

  it('masks the values of secret-named environment variables, their base64 and URL-encoded forms', () => {
    const value = `${r(12)}/+&${r(6)}`;
    const set = loadRules({}, { DEPLOY_KEY: value, PATH: '/usr/bin:/bin', HOME: '/home/runner', SHORT_TOKEN: 'abc', GITHUB_SHA: hex(40) });
    const b64 = Buffer.from(`deploy:${value}`).toString('base64');
    const line = `v=${value} b=${b64} u=${encodeURIComponent(value)} p=/usr/bin:/bin`;
    const out = maskText(set, line).text;
    expect(out).not.toContain(value);
    expect(out).not.toContain(encodeURIComponent(value));
    for (const form of base64Forms(value)) expect(out).not.toContain(form);
    expect(out).toContain('p=/usr/bin:/bin');
    for (const n of ['GITHUB_TOKEN', 'NPM_AUTH', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'MY_PAT', 'apiKey', 'SLACK_WEBHOOK']) expect(looksSecretName(n), n).toBe(true);
    for (const n of ['PATH', 'PWD', 'HOME', 'GITHUB_SHA', 'SSH_AUTH_SOCK', 'AWS_ACCESS_KEY_ID', 'TOKEN_URL', 'KEYTIMEOUT']) expect(looksSecretName(n), n).toBe(false);
  });
});

describe('streaming masker', () => {
  const run = (pieces: Buffer[], opts: { chunkSize: number; overlap: number }) => {
    const out: Buffer[] = [];
    const m = new Masker(rules, { mode: 'mask', ...opts, sink: (b) => out.push(Buffer.from(b)) });
    for (const p of pieces) m.push(p);
    m.end();
    return { out: Buffer.concat(out), m };
  };

  it('catches a secret split across a chunk boundary, wherever the split falls', () => {
    const secret = `ghp_${r(36)}`;
    const text = Buffer.from(`${'x'.repeat(50)} token ${secret} tail\n`.repeat(3));
    for (let cut = 1; cut < text.length; cut += 3) {
      const { out, m } = run([text.subarray(0, cut), text.subarray(cut)], { chunkSize: 16, overlap: 128 });
      expect(out.toString(), `cut ${cut}`).not.toContain(secret);
      expect(m.counts.get('github-pat')).toBe(3);
    }
    // Tiny chunks: the carry does the work.
    const pieces = [];
    for (let i = 0; i < text.length; i += 7) pieces.push(text.subarray(i, i + 7));
    const { out } = run(pieces, { chunkSize: 8, overlap: 100 });
    expect(out.toString()).toBe(text.toString().split(secret).join('[MASKED:github-pat]'));
  });

  it('keeps CRLF, invalid UTF-8 and very long lines byte for byte, except the masked spans', () => {
    const secret = `npm_${r(36)}`;
    const prefix = Buffer.from([0xff, 0xfe, 0x80, 0x41, 0x0d, 0x0a, 0xc3, 0x28]);
    const long = Buffer.from('z'.repeat(300_000));
    const input = Buffer.concat([prefix, Buffer.from(`line\r\nNPM=${secret}\r\n`), long, Buffer.from(` ${secret}\r\n`), prefix]);
    const { out, m } = run([input], { chunkSize: 4096, overlap: 1024 });
    const expected = Buffer.concat([prefix, Buffer.from('line\r\nNPM=[MASKED:npm-token]\r\n'), long, Buffer.from(' [MASKED:npm-token]\r\n'), prefix]);
    expect(out.equals(expected)).toBe(true);
    expect(m.total).toBe(2);
  });

  it('reports line numbers in scan mode', () => {
    const m = new Masker(rules, { mode: 'scan', chunkSize: 32, overlap: 64 });
    m.push(Buffer.from(`a\nb\r\nc ghp_${r(36)}\n\nd\nxoxb-${digits(12)}-${digits(12)}-${r(24)}\n`));
    m.end();
    expect(m.findings).toEqual([
      { line: 3, rule: 'github-pat' },
      { line: 6, rule: 'slack-bot-token' },
    ]);
  });
});

describe('files', () => {
  it('sanitizeFileTo: a masked copy with its sha256; binary copied unchanged and reported; gzip scanned', async () => {
    const dir = tempDir();
    const secret = `ghp_${r(36)}`;
    writeFileSync(join(dir, 'job.log'), `start\nGITHUB_TOKEN=${secret}\nend\n`);
    const res = await sanitizeFileTo(join(dir, 'job.log'), join(dir, 'out.log'), rules);
    const written = readFileSync(join(dir, 'out.log'));
    expect(written.toString()).toBe('start\nGITHUB_TOKEN=[MASKED:github-pat]\nend\n');
    expect(res).toEqual({ bytes: written.length, sha256: createHash('sha256').update(written).digest('hex'), masked: [{ rule: 'github-pat', count: 1 }] });

    const bin = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), Buffer.from(secret)]);
    writeFileSync(join(dir, 'shot.png'), bin);
    expect(await sanitizeFileTo(join(dir, 'shot.png'), join(dir, 'shot.out'), rules)).toMatchObject({ bytes: bin.length, masked: [], skipped: 'binary' });
    expect(readFileSync(join(dir, 'shot.out')).equals(bin)).toBe(true);

    writeFileSync(join(dir, 'job.log.gz'), gzipSync(`x\n${secret}\n`));
    const gz = await sanitizeFileTo(join(dir, 'job.log.gz'), join(dir, 'out.gz'), rules);
    expect(gz.masked).toEqual([{ rule: 'github-pat', count: 1 }]);
    expect(gunzipSync(readFileSync(join(dir, 'out.gz'))).toString()).toBe('x\n[MASKED:github-pat]\n');

    writeFileSync(join(dir, 'bad.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from(secret)]));
    expect(await sanitizeFileTo(join(dir, 'bad.gz'), join(dir, 'bad.out'), rules)).toMatchObject({ masked: [], skipped: 'gzip' });
  });

  it('an in-place rewrite that would leave a match fails and leaves the file as it was', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.log');
    writeFileSync(file, 'the MASK here\n');
    const odd = loadRules({ builtinRules: false, maskStyle: '<rule>', rules: [{ name: 'MASK', pattern: 'MASK', keywords: [] }] }, {});
    await expect(sanitizeInPlace(file, odd, false)).rejects.toThrow(/still matches rule MASK/);
    expect(readFileSync(file, 'utf8')).toBe('the MASK here\n');
    expect(readdirSync(dir)).toEqual(['a.log']);
  });
});

describe('ops evidence sanitize', () => {
  /** An evidence folder: logs with secrets, a clean one, a binary, a gzip, and nested folders. */
  function evidence() {
    const ws = workspaceDir();
    const root = join(ws, 'docs', 'reports', '2025-11-14');
    mkdirSync(join(root, 'artifacts', '1'), { recursive: true });
    const s = { gh: `ghp_${r(36)}`, aws: `AKIA${r(16, UPPER + '234567')}`, pw: r(16), npm: `npm_${r(36)}`, gz: `glpat-${r(20, B64URL)}` };
    writeFileSync(join(root, 'artifacts', '1', 'job.log'), `step 1\nexport GITHUB_TOKEN=${s.gh}\nkey ${s.aws}\nagain ${s.gh}\n`);
    writeFileSync(join(root, 'artifacts', '1', 'deploy.log'), `deploy\r\nDB_PASSWORD=${s.pw}\r\n`);
    writeFileSync(join(root, 'artifacts', '1', 'clean.log'), `all good ${hex(40)}\n`);
    writeFileSync(join(root, 'artifacts', '1', 'shot.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0, 0]), Buffer.from(s.npm)]));
    writeFileSync(join(root, 'artifacts', '1', 'old.log.gz'), gzipSync(`a\nb\nCI_JOB_TOKEN: ${s.gz}\n`));
    return { ws, root, s };
  }
  const all = (s: Record<string, string>) => Object.values(s);

  it('--check lists file, line and rule, exits 4, never prints a secret, writes nothing', async () => {
    const { ws, root, s } = evidence();
    const before = readFileSync(join(root, 'artifacts', '1', 'job.log'));
    const res = await ops(['evidence', 'sanitize', '--check', 'docs/reports', '--workspace', ws], { cwd: ws });
    expect(res.code).toBe(4);
    expect(res.stdout).toBe(
      [
        'docs/reports/2025-11-14/artifacts/1/deploy.log:2: password-assignment',
        'docs/reports/2025-11-14/artifacts/1/job.log:2: github-pat',
        'docs/reports/2025-11-14/artifacts/1/job.log:3: aws-access-key-id',
        'docs/reports/2025-11-14/artifacts/1/job.log:4: github-pat',
        'docs/reports/2025-11-14/artifacts/1/old.log.gz:3: gitlab-pat',
        '',
      ].join('\n'),
    );
    expect(res.stderr).toContain('ops: warning: docs/reports/2025-11-14/artifacts/1/shot.png: skipped: binary');
    expect(res.stderr).toContain('ops: evidence sanitize: 5 secrets found in 3 files');
    const json = await ops(['evidence', 'sanitize', '--check', root, '--json', '--workspace', ws], { cwd: ws });
    expect(json.code).toBe(4);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ files_scanned: 4, masked: [], files_changed: 0 });
    expect(report.findings).toHaveLength(5);
    expect(report.findings[0]).toEqual({ file: 'docs/reports/2025-11-14/artifacts/1/deploy.log', line: 2, rule: 'password-assignment' });
    expect(report.skipped).toEqual([{ file: 'docs/reports/2025-11-14/artifacts/1/shot.png', reason: 'binary (not scanned)' }]);
    for (const out of [res.stdout, res.stderr, json.stdout, json.stderr]) for (const secret of all(s)) expect(out).not.toContain(secret);
    expect(readFileSync(join(root, 'artifacts', '1', 'job.log')).equals(before)).toBe(true);
    expect(existsSync(join(ws, '.ops', 'ledger.db'))).toBe(false);
  });

  it('masks in place atomically (mode kept, no temp file left), records history and one audit event, then --check is clean', async () => {
    const { ws, root, s } = evidence();
    const dir = join(root, 'artifacts', '1');
    chmodSync(join(dir, 'job.log'), 0o640);
    const cleanMtime = statSync(join(dir, 'clean.log')).mtimeMs;
    const res = await ops(['evidence', 'sanitize', root, '--json', '--workspace', ws], { cwd: ws, env: { OPS_ACTOR: 'alice' } });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    const f = (name: string) => `docs/reports/2025-11-14/artifacts/1/${name}`;
    expect(report).toEqual({
      files_scanned: 4,
      bytes: expect.any(Number),
      masked: [
        { file: f('deploy.log'), rule: 'password-assignment', count: 1 },
        { file: f('job.log'), rule: 'aws-access-key-id', count: 1 },
        { file: f('job.log'), rule: 'github-pat', count: 2 },
        { file: f('old.log.gz'), rule: 'gitlab-pat', count: 1 },
      ],
      findings: [],
      files_changed: 3,
      skipped: [{ file: f('shot.png'), reason: 'binary (not scanned)' }],
      failed: [],
    });
    expect(res.stdout + res.stderr).not.toContain(s.gh);
    expect(readFileSync(join(dir, 'job.log'), 'utf8')).toBe('step 1\nexport GITHUB_TOKEN=[MASKED:github-pat]\nkey [MASKED:aws-access-key-id]\nagain [MASKED:github-pat]\n');
    expect(readFileSync(join(dir, 'deploy.log'), 'utf8')).toBe('deploy\r\nDB_PASSWORD=[MASKED:password-assignment]\r\n');
    expect(gunzipSync(readFileSync(join(dir, 'old.log.gz'))).toString()).toBe('a\nb\nCI_JOB_TOKEN: [MASKED:gitlab-pat]\n');
    expect(statSync(join(dir, 'job.log')).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, 'clean.log')).mtimeMs).toBe(cleanMtime);
    expect(readdirSync(dir).sort()).toEqual(['clean.log', 'deploy.log', 'job.log', 'old.log.gz', 'shot.png']);

    const db = new Database(join(ws, '.ops', 'ledger.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT ts, command, file, rule, count, run_id, attempt FROM sanitization_history ORDER BY id').all();
      expect(rows).toEqual(report.masked.map((m: { file: string; rule: string; count: number }) => ({ ts: '2025-11-14T00:00:00Z', command: 'sanitize', ...m, run_id: null, attempt: null })));
      const events = db.prepare('SELECT actor, event FROM audit_events').all();
      expect(events).toEqual([{ actor: 'alice', event: 'evidence.sanitize' }]);
      const dump = JSON.stringify(db.prepare('SELECT * FROM sanitization_history').all()) + JSON.stringify(db.prepare('SELECT * FROM audit_events').all());
      for (const secret of all(s)) expect(dump).not.toContain(secret);
    } finally {
      db.close();
    }
    expect((await ops(['audit', 'verify', '--workspace', ws])).code).toBe(0);

    const again = await ops(['evidence', 'sanitize', '--check', root, '--workspace', ws], { cwd: ws });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('clean: 4 files scanned (0.0 MB), no secret found\n');
    // Nothing left to mask: no new history, no new audit event.
    const second = await ops(['evidence', 'sanitize', root, '--workspace', ws], { cwd: ws });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^4 files scanned \(0\.0 MB\): 0 secrets masked in 0 files\n$/);
    expect((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout).toContain('evidence.sanitize');
    expect(JSON.parse((await ops(['audit', 'log', '--json', '--workspace', ws])).stdout)).toHaveLength(1);
  });

  it('does not follow a symlink that leaves the root, and refuses path traversal', async () => {
    const ws = workspaceDir();
    const outside = join(ws, 'outside.log');
    const secret = `ghp_${r(36)}`;
    writeFileSync(outside, `token ${secret}\n`);
    mkdirSync(join(ws, 'evidence'));
    writeFileSync(join(ws, 'evidence', 'in.log'), 'nothing\n');
    symlinkSync(outside, join(ws, 'evidence', 'link.log'));
    symlinkSync(ws, join(ws, 'evidence', 'up'));
    const res = await ops(['evidence', 'sanitize', 'evidence', '--json', '--workspace', ws], { cwd: ws });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.files_scanned).toBe(1);
    expect(report.skipped).toEqual([
      { file: 'evidence/link.log', reason: 'symlink leaving the root (not followed)' },
      { file: 'evidence/up', reason: 'symlink leaving the root (not followed)' },
    ]);
    expect(readFileSync(outside, 'utf8')).toBe(`token ${secret}\n`);

    const trav = await ops(['evidence', 'sanitize', 'evidence/../outside.log', '--workspace', ws], { cwd: ws });
    expect(trav.code).toBe(2);
    expect(trav.stderr).toMatch(/^ops: evidence\/\.\.\/outside\.log: path traversal/);
    const missing = await ops(['evidence', 'sanitize', 'nope', '--workspace', ws], { cwd: ws });
    expect(missing.code).toBe(2);
    expect(readFileSync(outside, 'utf8')).toBe(`token ${secret}\n`);
  });

  it('masks the values of secret-named environment variables in files', async () => {
    const ws = workspaceDir();
    const value = r(20);
    writeFileSync(join(ws, 'a.log'), `echo ${value}\nbasic ${Buffer.from(`ci:${value}`).toString('base64')}\n`);
    const res = await ops(['evidence', 'sanitize', 'a.log', '--workspace', ws], { cwd: ws, env: { DEPLOY_TOKEN: value } });
    expect(res.code).toBe(0);
    const text = readFileSync(join(ws, 'a.log'), 'utf8');
    expect(text).not.toContain(value);
    expect(text).toContain('echo [MASKED:env-secret]\n');
    for (const form of base64Forms(value)) expect(text).not.toContain(form);
  });
});
