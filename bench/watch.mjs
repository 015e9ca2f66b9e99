// bench/watch: what `ops watch` costs while there is nothing to do. A fresh workspace
// (`ops init`: no repositories, empty queue and outbox), the watcher started with its
// default schedule; after a warm-up (startup and the first run of every job), CPU time
// (utime+stime of the process and its children, /proc/<pid>/stat) and RSS (VmRSS, sampled
// every 5 s) over the measured window. Linux only.
// Usage: node bench/watch.mjs [seconds=120] [warmup=15]   (needs `npm run build`)
// The idle jobs repeat every 10 s (expiry), 15 s (deliver), 30 s (replay), 60 s
// (consumers), 120 s (sync, skipped without repositories): a 2-minute window holds every
// pattern, so its CPU % stands for 10 minutes too; the hourly report adds one run an hour.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { OPS } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 120);
const warmup = Number(process.argv[3] ?? 15);
const ws = mkdtempSync(join(tmpdir(), 'ops-bench-watch-'));
const init = spawnSync(process.execPath, [OPS, 'init', '--workspace', ws], { encoding: 'utf8' });
if (init.status !== 0) throw new Error(init.stderr);

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
const child = spawn(process.execPath, [OPS, 'watch', '--workspace', ws], { env, stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
child.stderr.on('data', (d) => (log += d));
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const cpuSeconds = () => {
  // Fields after the command name "(…)": state is 3rd; utime, stime, cutime, cstime are 14-17.
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / HZ;
};
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await sleep(warmup * 1000);
const startupCpu = cpuSeconds();
const rss = [rssMb()];
const t0 = process.hrtime.bigint();
for (let waited = 0; waited < seconds; waited += 5) {
  await sleep(5000);
  rss.push(rssMb());
}
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const used = cpuSeconds() - startupCpu;
child.kill('SIGTERM');
const code = await new Promise((r) => child.on('exit', (c) => r(c)));
rmSync(ws, { recursive: true, force: true });
console.log(
  JSON.stringify({
    window_s: +wall.toFixed(1),
    warmup_s: warmup,
    startup_cpu_s: +startupCpu.toFixed(2),
    idle_cpu_s: +used.toFixed(2),
    idle_cpu_percent_of_a_core: +((used / wall) * 100).toFixed(3),
    cpu_s_per_10_min: +((used / wall) * 600).toFixed(2),
    rss_mb: { start: +rss[0].toFixed(1), max: +Math.max(...rss).toFixed(1), end: +rss.at(-1).toFixed(1) },
    exit_code: code,
    log_lines: log.split('\n').filter(Boolean).length,
  }),
);
