// bench/console: ops-console on a 1 000 000-run demo ledger (the one bench/kpi builds and
// keeps), in a real terminal (tmux, 120x40):
// - first frame: launch to the first frame with the header, the queue line and the runs;
// - full frame: launch to the frame that has the total too (the footer's "1/1000000"; the
//   same frame since the total is stored, migration 9, up to the 10 ms polling step);
// - key-to-frame latency while scrolling (j pressed, next frame showing the moved selection);
// - peak RSS after that, 12 s after launch (idle on the runs panel), and after the KPI panel
//   and the filter below;
// - the KPI panel: Tab to it, then until its figures are on screen (its computation runs
//   only when the panel is shown);
// - the `/` filter: key-to-frame per character typed, for an indexed filter (w:Deploy) and
//   for bare words matching nothing (no index: the latest 100 000 runs are searched).
// Medians of a few launches; the screen is polled every 10 ms for the frames (so those figures
// are up to 10 ms late), as fast as tmux answers for the keys.
// Usage: node bench/console.mjs [dir] [launches]   (needs `npm run build` and tmux)
// OPS_CONSOLE_BIN=path measures another build of bin/ops-console (a before/after comparison).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPS, median, time } from './lib.mjs';

const dir = process.argv[2] ?? join(tmpdir(), 'ops-bench-kpi-1m');
const launches = Number(process.argv[3] ?? 5);
const CONSOLE = process.env.OPS_CONSOLE_BIN ?? new URL('../bin/ops-console', import.meta.url).pathname;
const env = { ...process.env, OPS_NOW: '2025-11-14T00:00:00Z', NO_COLOR: '1' };
if (!existsSync(join(dir, '.ops', 'ledger.db'))) time(process.execPath, [OPS, 'demo', dir, '--runs', '1000000', '--days', '30'], { env });
// Migrations a newer ops brings are applied here, not inside the timed launch.
time(process.execPath, [OPS, 'status', '--json', '--workspace', dir], { env });

const tmux = (...args) => execFileSync('tmux', args, { encoding: 'utf8' });
const session = `ops-bench-${process.pid}`;
// A failed measurement does not leave its console running.
process.on('exit', () => {
  try {
    execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
  } catch {
    // already gone
  }
});
const screen = () => tmux('capture-pane', '-p', '-t', session);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const selected = (s) => s.split('\n').find((l) => l.startsWith('>')) ?? '';
const titleLine = (s) => s.split('\n').find((l) => l.startsWith('filter: ')) ?? '';

/** Polls until `ok(screen)`; the time it took (ms). */
async function until(ok, what, t0 = performance.now(), every = 10, limit = 10_000) {
  for (;;) {
    const s = screen();
    if (ok(s)) return performance.now() - t0;
    if (performance.now() - t0 > limit) throw new Error(`no ${what} after ${limit} ms:\n${s}`);
    // Not faster for frames: each poll is a tmux process, and on 2 cores polling slows what it measures.
    await sleep(every);
  }
}

/** Types `text` one key at a time; for each, the time until the filter title shows it. */
async function typeTimed(text, sink) {
  let typed = titleLine(screen()).replace(/^filter: /, '').split('  ')[0].replace('(none)', '');
  for (const ch of text) {
    typed += ch;
    const k0 = performance.now();
    tmux('send-keys', '-t', session, '-l', ch);
    const want = `filter: ${typed}  `;
    // The title shows the text with its count: the frame drawn after the query ran.
    sink.push(await until((s) => titleLine(s).startsWith(want), `filter frame for ${JSON.stringify(typed)}`, k0, 1));
  }
}

const first = [];
const full = [];
const rss = [];
const rssAll = [];
const rssIdle = [];
const keys = [];
const kpi = [];
const filterIndexed = [];
const filterScan = [];
for (let i = 0; i < launches; i++) {
  const t0 = performance.now();
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', 'env', '-u', 'CI', 'NO_COLOR=1', 'OPS_NOW=2025-11-14T00:00:00Z', process.execPath, CONSOLE, '--workspace', dir);
  // The first frame: header, queue line, the runs with the selection.
  first.push(await until((s) => /^ops  /m.test(s) && /^retries: /m.test(s) && /^> \d/m.test(s), 'first frame', t0));
  // A full frame: the footer's position among the (1 000 000 or more) runs.
  full.push(await until((s) => / 1\/1,?\d{3},?\d{3}\s*$/m.test(s), 'full frame', t0));
  const pid = tmux('list-panes', '-t', session, '-F', '#{pane_pid}').trim();
  for (let k = 0; k < 10; k++) {
    const before = selected(screen());
    const k0 = performance.now();
    tmux('send-keys', '-t', session, 'j');
    while (selected(screen()) === before) await sleep(1);
    keys.push(performance.now() - k0);
  }
  const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  rss.push(peak());
  // Idle a while on the runs panel (what a console mostly does): the evidence poll has read
  // config.json (for its reportsDir) by then, which costs memory of its own.
  await sleep(Math.max(0, 12_000 - (performance.now() - t0)));
  rssIdle.push(peak());
  // This build has the KPI panel and the filter when its help says so.
  tmux('send-keys', '-t', session, '?');
  await until((s) => /next panel/.test(s), 'help');
  const newKeys = /next panel: runs, retry queue, KPIs/.test(screen());
  tmux('send-keys', '-t', session, 'Escape');
  await until((s) => !/next panel/.test(s), 'help closed');
  if (newKeys) {
    // Tab twice (two sends: one chunk of two tabs would be one unknown key), then the figures.
    const p0 = performance.now();
    tmux('send-keys', '-t', session, 'Tab');
    await until((s) => /^ +ID +STATE/m.test(s), 'retry panel', p0, 1);
    tmux('send-keys', '-t', session, 'Tab');
    kpi.push(await until((s) => /^(KPI +VALUE|KPIs 7d: )/m.test(s), 'KPI figures', p0, 5));
    tmux('send-keys', '-t', session, '/');
    await until((s) => /^filter: /m.test(s), 'filter prompt');
    await typeTimed('w:Deploy', filterIndexed);
    for (let n = 0; n < 8; n++) tmux('send-keys', '-t', session, 'BSpace');
    await until((s) => titleLine(s).startsWith('filter: (none)'), 'filter cleared');
    await typeTimed('zzz', filterScan);
    rssAll.push(peak());
  }
  tmux('kill-session', '-t', session);
  await sleep(200);
}
const stats = (xs) => (xs.length ? { median: +median(xs).toFixed(1), max: +Math.max(...xs).toFixed(1) } : null);
console.log(
  JSON.stringify({
    runs: 1_000_000,
    launches,
    first_frame_ms: Math.round(median(first)),
    first_frame_max_ms: Math.round(Math.max(...first)),
    full_frame_ms: Math.round(median(full)),
    full_frame_max_ms: Math.round(Math.max(...full)),
    // Peak up to the scrolling; then 12 s after launch, idle on the runs panel; then after the
    // KPI panel and the filter.
    peak_rss_mb: Math.round(Math.max(...rss)),
    peak_rss_idle_12s_mb: Math.round(Math.max(...rssIdle)),
    peak_rss_after_kpis_and_filter_mb: rssAll.length ? Math.round(Math.max(...rssAll)) : null,
    key_to_frame_ms: stats(keys),
    kpi_panel_ms: stats(kpi),
    filter_key_to_frame_ms: { indexed: stats(filterIndexed), scan: stats(filterScan) },
    targets: { first_frame_ms: 500, peak_rss_mb: 150 },
  }),
);
