// bench/console: ops-console on a 1 000 000-run demo ledger (the one bench/kpi builds and
// keeps), in a real terminal (tmux, 120x40): time from launch to the first full frame,
// peak RSS, and key-to-frame latency while scrolling (j pressed, next frame showing the
// moved selection). Medians of a few launches; the screen is polled every 10 ms (so the
// first-frame figure is up to 10 ms late).
// Usage: node bench/console.mjs [dir] [launches]   (needs `npm run build` and tmux)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPS, median, time } from './lib.mjs';

const dir = process.argv[2] ?? join(tmpdir(), 'ops-bench-kpi-1m');
const launches = Number(process.argv[3] ?? 5);
const CONSOLE = new URL('../bin/ops-console', import.meta.url).pathname;
const env = { ...process.env, OPS_NOW: '2025-11-14T00:00:00Z', NO_COLOR: '1' };
if (!existsSync(join(dir, '.ops', 'ledger.db'))) time(process.execPath, [OPS, 'demo', dir, '--runs', '1000000', '--days', '30'], { env });
// Migrations a newer ops brings are applied here, not inside the timed launch.
time(process.execPath, [OPS, 'status', '--json', '--workspace', dir], { env });

const tmux = (...args) => execFileSync('tmux', args, { encoding: 'utf8' });
const session = `ops-bench-${process.pid}`;
const screen = () => tmux('capture-pane', '-p', '-t', session);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const selected = (s) => s.split('\n').find((l) => l.startsWith('>')) ?? '';

const first = [];
const rss = [];
const keys = [];
for (let i = 0; i < launches; i++) {
  const t0 = performance.now();
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', 'env', '-u', 'CI', 'NO_COLOR=1', 'OPS_NOW=2025-11-14T00:00:00Z', process.execPath, CONSOLE, '--workspace', dir);
  // A full frame: header, queue line, rows, and the footer's position.
  while (!/1\/1,?000,?000|1\/1000000/.test(screen())) {
    if (performance.now() - t0 > 10_000) throw new Error('no first frame after 10 s:\n' + screen());
    // Not faster: each poll is a tmux process, and on 2 cores polling slows what it measures.
    await sleep(10);
  }
  first.push(performance.now() - t0);
  const pid = tmux('list-panes', '-t', session, '-F', '#{pane_pid}').trim();
  for (let k = 0; k < 10; k++) {
    const before = selected(screen());
    const k0 = performance.now();
    tmux('send-keys', '-t', session, 'j');
    while (selected(screen()) === before) await sleep(1);
    keys.push(performance.now() - k0);
  }
  rss.push(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);
  tmux('kill-session', '-t', session);
  await sleep(200);
}
console.log(
  JSON.stringify({
    runs: 1_000_000,
    launches,
    first_frame_ms: Math.round(median(first)),
    first_frame_max_ms: Math.round(Math.max(...first)),
    peak_rss_mb: Math.round(Math.max(...rss)),
    key_to_frame_ms: { median: +median(keys).toFixed(1), max: +Math.max(...keys).toFixed(1) },
    targets: { first_frame_ms: 500, peak_rss_mb: 150 },
  }),
);
