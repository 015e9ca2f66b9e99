// bench/sanitize: MB/s and peak RSS of `ops evidence sanitize FILE --json` on a realistic CI
// log (default 100 MB: timestamps, npm and test output, some very long lines) with fake
// secrets, generated at run time, sprinkled in. Targets: ≥ 50 MB/s (aim 100), peak RSS < 200 MB.
// Usage: node bench/sanitize.mjs [MB]   (needs `npm run build`; KEEP=1 keeps the masked log and prints its path)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OPS, tempWorkspace } from './lib.mjs';

const targetMb = Number(process.argv[2] ?? 100);
const ws = tempWorkspace();
const file = join(ws, 'job.log');

// Fake secrets: random characters of the right alphabet, made now, never committed.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n, alphabet = ALNUM) => {
  const b = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[b[i] % alphabet.length];
  return s;
};
const hex = (n) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
const secretLines = [
  () => `export GITHUB_TOKEN=ghp_${rand(36)}`,
  () => `npm config set //registry.npmjs.org/:_authToken=npm_${rand(36)}`,
  () => `AWS_ACCESS_KEY_ID=AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')} aws_secret_access_key=${rand(40)}`,
  () => `curl -H "Authorization: Bearer ${rand(40)}" https://api.example.com/v1/deploy`,
  () => `git clone https://x-access-token:${rand(30)}@github.com/acme/api.git`,
  () => `posting to https://hooks.slack.com/services/T${rand(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${rand(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${rand(24)}`,
  () => `STRIPE_KEY=sk_live_${rand(24)} db password: ${rand(12)}`,
  () => `jwt=eyJ${rand(20)}.eyJ${rand(40)}.${rand(43)}`,
];

const started = Date.parse('2025-11-14T00:00:00Z');
const plain = (i) => {
  const ts = new Date(started + i * 37).toISOString();
  switch (i % 12) {
    case 0: return `${ts} ##[group]Run npm ci`;
    case 1: return `${ts} npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.`;
    case 2: return `${ts} added 1423 packages, and audited 1424 packages in 38s`;
    case 3: return `${ts}  ✓ test/runs-import.test.ts > imports gh JSON (${i % 97} ms)`;
    case 4: return `${ts}  ✗ test/guard.test.ts > exits 3 while engaged: expected 0 to be 3 // Object.is equality`;
    case 5: return `${ts}     at runTest (file:///home/runner/work/api/api/node_modules/vitest/dist/runner.js:${i % 900}:17)`;
    case 6: return `${ts} HEAD is now at ${hex(40)} Merge pull request #${i % 5000} from acme/feature`;
    case 7: return `${ts} Digest: sha256:${hex(64)} build ${randomBytes(6).toString('hex')}-${i}`;
    case 8: return `${ts} Downloading https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz (request id ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)})`;
    case 9: return `${ts} Using token from environment; secret scanning enabled; password policy ok`;
    case 10: return `${ts} ${'='.repeat(20)} webpack compiled successfully in ${i % 9000} ms ${'-'.repeat(20)}`;
    default: return `${ts} [build] src/components/Widget${i % 300}.tsx → dist/assets/widget-${hex(8)}.js  ${(i % 400) / 10} kB │ gzip: ${(i % 120) / 10} kB`;
  }
};

const fd = openSync(file, 'w');
const target = targetMb * 1e6;
let written = 0;
let secrets = 0;
for (let i = 0; written < target; ) {
  const lines = [];
  for (let j = 0; j < 2000; j++, i++) {
    if (i % 997 === 500) {
      lines.push(secretLines[secrets++ % secretLines.length]());
    } else if (i % 50_000 === 25_000) {
      // A very long line: minified bundle output, 2 MB, one secret in the middle.
      const half = rand(1_000_000, ALNUM + '+/=;,.(){}');
      lines.push(`${half} api_key: "${rand(32)}" ${half}`);
      secrets++;
    } else lines.push(plain(i));
  }
  const chunk = Buffer.from(lines.join('\n') + '\n');
  writeSync(fd, chunk);
  written += chunk.length;
}
closeSync(fd);
const mb = statSync(file).size / 1e6;

const t0 = process.hrtime.bigint();
const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, OPS, 'evidence', 'sanitize', file, '--json', '--workspace', ws], { encoding: 'utf8' });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
if (r.status !== 0) throw new Error(`ops evidence sanitize exited ${r.status}: ${r.stderr}`);
const report = JSON.parse(r.stdout);
const [maxRssKb, userS, sysS] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
const rssMb = maxRssKb / 1024;
const cpuSeconds = userS + sysS;
const masked = report.masked.reduce((n, m) => n + m.count, 0);
if (masked < secrets) throw new Error(`masked ${masked} secrets, ${secrets} were planted: ${JSON.stringify(report.masked)}`);

// The check of the masked file must be clean now.
const c = spawnSync(process.execPath, [OPS, 'evidence', 'sanitize', file, '--check', '--json', '--workspace', ws], { encoding: 'utf8' });
if (c.status !== 0) throw new Error(`--check after masking exited ${c.status}: ${c.stdout.slice(0, 2000)}`);
if (!process.env.KEEP) rmSync(ws, { recursive: true, force: true });
else console.error(file);

const mbps = mb / seconds;
console.log(
  JSON.stringify({
    input_mb: +mb.toFixed(1),
    secrets_planted: secrets,
    masked,
    seconds: +seconds.toFixed(2),
    mb_per_s: +mbps.toFixed(1),
    // CPU time of the child (start-up included): what the wall clock shows on an idle machine.
    cpu_seconds: +cpuSeconds.toFixed(2),
    mb_per_cpu_s: +(mb / cpuSeconds).toFixed(1),
    peak_rss_mb: +rssMb.toFixed(1),
    targets: { mb_per_s: 50, peak_rss_mb: 200 },
    ok: mbps >= 50 && rssMb < 200,
  }),
);
