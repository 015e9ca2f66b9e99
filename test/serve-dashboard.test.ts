import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { NOW, OPS_BIN, opsProcess, tempDir } from './helpers';
import { call, createKey, startServe } from './serve-helpers';

/**
 * The web dashboard in a real headless Chromium (Debian's /usr/bin/chromium) against a
 * real `ops serve` on the demo workspace. Screenshots go under the OS temp dir; their
 * paths are printed.
 */

const CHROMIUM = process.env.OPS_TEST_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(`the browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or OPS_TEST_CHROMIUM=/path/to/chromium`);
}
// Without the background-networking flags Chromium dials out at start, and this machine's
// closed network refuses it.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = join(tmpdir(), 'ops-dashboard-screenshots');

const run = promisify(execFile);
const opsAsync = (args: string[]) => run(process.execPath, [OPS_BIN, ...args], { env: { PATH: process.env.PATH, OPS_NOW: NOW } });
const status = (ws: string) => JSON.parse(opsProcess(['killswitch', 'status', '--json', '--workspace', ws]).stdout);

let contexts: BrowserContext[] = [];
async function browser(viewport = { width: 1280, height: 800 }): Promise<{ ctx: BrowserContext; page: Page; problems: string[] }> {
  // A fresh profile each time: nothing remembered between tests.
  const ctx = await chromium.launchPersistentContext(tempDir('ops-chromium-'), { executablePath: CHROMIUM, args: ARGS, headless: true, viewport });
  contexts.push(ctx);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const problems: string[] = [];
  // A CSP violation, a failed module load or an uncaught error shows here.
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  return { ctx, page, problems };
}

async function signIn(page: Page, url: string, key: string) {
  const res = await page.goto(url + '/');
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#login-key', key);
  await page.keyboard.press('Enter');
  await page.locator('#login').waitFor({ state: 'hidden' });
  return res!;
}

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  console.log(`screenshot: ${path}`);
  return path;
}

let ws: string;
let operator: string;
let viewer: string;

/** A demo workspace (ops demo) with an operator's and a viewer's key. */
function demo() {
  ws = join(tempDir('ops-dash-'), 'demo');
  const made = opsProcess(['demo', ws]);
  expect(made.code, made.stderr).toBe(0);
  operator = createKey(ws, 'alice-laptop', 'operator');
  viewer = createKey(ws, 'vera', 'viewer');
}

// Registered after helpers' clean-up, so it runs before it: Chromium lets go of its profile first.
afterEach(async () => {
  for (const c of contexts) await c.close();
  contexts = [];
});

describe('ops serve: the web dashboard in headless Chromium', () => {
  it('renders the runs, the KPI charts, the queue and alerts; shows a killswitch engaged from the CLI within 2 s without a reload', async () => {
    demo();
    const s = await startServe(ws);
    const { page, problems } = await browser();
    const res = await signIn(page, s.url, operator);
    const csp = res.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');

    // The runs: as many rows as the API has (the latest 50), the latest first.
    const runs = (await call(s.url, '/api/v1/runs?limit=50', { key: viewer })).json as { run_id: string }[];
    await page.locator('#runs-table tbody tr[data-run]').first().waitFor();
    expect(await page.locator('#runs-table tbody tr[data-run]').count()).toBe(runs.length);
    expect(await page.locator('#runs-table tbody tr[data-run]').first().getAttribute('data-run')).toBe(runs[0]!.run_id);
    // The KPI charts: uPlot drew a canvas in each, sized to its panel.
    for (const id of ['#chart-runs', '#chart-rate']) {
      await page.locator(`${id} canvas`).waitFor();
      expect((await page.locator(`${id} canvas`).boundingBox())!.width).toBeGreaterThan(200);
    }
    const kpi = (await call(s.url, '/api/v1/kpi?window=7d', { key: viewer })).json;
    await expect.poll(() => page.locator('#kpi-list').innerText()).toContain(String(kpi.runs));
    // The demo leaves an open alert and retry entries.
    await page.locator('#alerts-list li[data-alert]').first().waitFor();
    await page.locator('#retries-table tbody tr[data-retry]').first().waitFor();
    expect(await page.locator('#tally-list').innerText()).toMatch(/Runs\s+\d+/);
    await page.locator('#killswitch[data-state="released"]').waitFor();
    expect(await page.locator('#conn').innerText()).toBe('live');
    await shot(page, 'dashboard-1280x800-released');

    // Engaged from the CLI, another process: the banner turns within 2 s, same page.
    await page.evaluate('window.__sameDocument = true');
    await opsAsync(['killswitch', '--reason', 'INC-4711 bad migration', '--workspace', ws]);
    const committed = Date.now();
    await page.locator('#killswitch[data-state="engaged"]').waitFor({ timeout: 2000 });
    const tookMs = Date.now() - committed;
    console.log(`killswitch from the CLI on the page after ${tookMs} ms`);
    expect(tookMs).toBeLessThan(2000);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const banner = await page.locator('#killswitch').innerText();
    expect(banner).toMatch(/Killswitch engaged/i);
    expect(banner).toContain('INC-4711 bad migration');
    expect(banner).toContain('All workflows');
    // Impossible to miss: red, across the page.
    const look = (await page.evaluate(`(() => { const e = document.getElementById('killswitch'); return { bg: getComputedStyle(e).backgroundColor, width: e.getBoundingClientRect().width }; })()`)) as { bg: string; width: number };
    expect(look.bg).toBe('rgb(185, 28, 28)');
    expect(look.width).toBe(1280);
    await shot(page, 'dashboard-1280x800-engaged');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // the charts' resize is debounced
    // One column, nothing wider than the phone (tables scroll inside their panel).
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect((await page.locator('#killswitch').boundingBox())!.width).toBe(390);
    expect((await page.locator('#chart-runs canvas').boundingBox())!.width).toBeLessThanOrEqual(390);
    await shot(page, 'dashboard-390x844-engaged');
    expect(problems).toEqual([]);
  });

  it('an operator releases and engages from the page with a typed confirmation; ops killswitch status agrees; errors come from the problem JSON', async () => {
    demo();
    opsProcess(['killswitch', '--reason', 'INC-9 from the CLI', '--workspace', ws]);
    expect(status(ws).engaged).toBe(true);
    const s = await startServe(ws);
    const { page, problems } = await browser();
    await signIn(page, s.url, operator);
    await page.locator('#killswitch[data-state="engaged"]').waitFor();

    // X: the release dialog. A wrong word does nothing but say so.
    await page.locator('body').press('X');
    await page.locator('#confirm').waitFor({ state: 'visible' });
    expect(await page.locator('#confirm-h').innerText()).toBe('Release the killswitch');
    await page.fill('#confirm-reason', 'fixed by INC-9 rollback');
    await page.fill('#confirm-word', 'release');
    await page.locator('#confirm-word').press('Enter');
    await expect.poll(() => page.locator('#confirm-error').innerText()).toContain('Type RELEASE');
    expect(status(ws).engaged).toBe(true);
    await page.fill('#confirm-word', 'RELEASE');
    await shot(page, 'dashboard-1280x800-release-dialog');
    await page.locator('#confirm-word').press('Enter');
    await page.locator('#killswitch[data-state="released"]').waitFor({ timeout: 2000 });
    expect(status(ws).engaged).toBe(false);
    // Focus went back where it was: the page, not lost.
    expect(await page.locator('#confirm').isVisible()).toBe(false);

    // The server's 400 (problem JSON detail) shows in the dialog; nothing is engaged.
    await page.locator('body').press('K');
    await page.locator('#confirm').waitFor({ state: 'visible' });
    await page.selectOption('#confirm-scope', 'Deploy');
    await page.fill('#confirm-expires', 'soon');
    await page.fill('#confirm-reason', 'INC-10 deploys broken');
    await page.fill('#confirm-word', 'ENGAGE');
    await page.click('#confirm-go');
    await expect.poll(() => page.locator('#confirm-error').innerText()).toMatch(/^400: body\.expires: expected a duration/);
    expect(status(ws).engaged).toBe(false);
    // Corrected: engaged for Deploy, 4 h, under the key's name.
    await page.fill('#confirm-expires', '4h');
    await page.click('#confirm-go');
    await page.locator('#killswitch[data-state="engaged"] li[data-scope="Deploy"]').waitFor({ timeout: 2000 });
    const after = JSON.parse(opsProcess(['killswitch', 'status', '--scope', 'Deploy', '--json', '--workspace', ws]).stdout);
    expect(after).toMatchObject({ engaged: true, scope: 'Deploy', reason: 'INC-10 deploys broken', actor: 'key:alice-laptop' });
    expect(after.expires_at).not.toBeNull();
    expect(await page.locator('#notice').innerText()).toMatch(/Engaged for Deploy/);
    // The one failed request is the 400 above.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
  });

  it('a viewer sees the buttons disabled with why, and K does nothing; the keyboard reaches every panel with a visible focus', async () => {
    demo();
    const s = await startServe(ws);
    const before = status(ws);
    const { page, problems } = await browser();
    await signIn(page, s.url, viewer);
    await expect.poll(() => page.locator('#who').innerText()).toBe('vera (viewer)');
    expect(await page.locator('#engage').isDisabled()).toBe(true);
    expect(await page.locator('#release').isDisabled()).toBe(true);
    expect(await page.locator('#ks-why').innerText()).toBe('Key vera is a viewer: engaging and releasing need an operator key.');
    await page.locator('body').press('K');
    expect(await page.locator('#confirm').isVisible()).toBe(false);
    expect(await page.locator('#notice').innerText()).toContain('need an operator key');
    expect(status(ws)).toEqual(before);

    // 4 jumps to the runs, with the focus ring drawn.
    await page.locator('body').press('4');
    expect(await page.evaluate('document.activeElement?.id')).toBe('runs');
    const outline = await page.evaluate(`getComputedStyle(document.getElementById('runs')).outlineStyle`);
    expect(outline).not.toBe('none');
    // A reload keeps the key (the tab's sessionStorage); Tab from the top: the skip link first, then the header's controls.
    await page.reload();
    await page.locator('#runs-table tbody tr[data-run]').first().waitFor();
    expect(await page.locator('#login').isVisible()).toBe(false);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to runs');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('help-open');
    // Signing out forgets the key (sessionStorage) and asks again.
    await page.click('#signout');
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });

  it('after the server went away and came back, the page reconnects by itself and shows what happened meanwhile', async () => {
    demo();
    const first = await startServe(ws);
    const { page, problems } = await browser();
    await signIn(page, first.url, operator);
    await expect.poll(() => page.locator('#conn').innerText()).toBe('live');
    await page.locator('#killswitch[data-state="released"]').waitFor();
    await first.stop();
    await expect.poll(() => page.locator('#conn').getAttribute('data-state')).not.toBe('live');
    // Engaged while no server was there to tell anyone.
    expect(opsProcess(['killswitch', '--reason', 'INC-5 engaged during the outage', '--workspace', ws]).code).toBe(0);
    // The same address again (a restart).
    const port = new URL(first.url).port;
    const again = spawn(process.execPath, [OPS_BIN, 'serve', '--port', port, '--json', '--workspace', ws], { env: { PATH: process.env.PATH, OPS_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        again.stdout!.once('data', () => resolve());
        again.once('exit', (code) => reject(new Error(`ops serve exited ${code}`)));
      });
      await page.locator('#killswitch[data-state="engaged"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('#killswitch').innerText()).toContain('INC-5 engaged during the outage');
      expect(await page.locator('#conn').innerText()).toBe('live');
    } finally {
      const gone = new Promise((resolve) => again.once('exit', resolve));
      again.kill('SIGTERM');
      await gone;
    }
    // While the server was down the browser logged its failed connections; nothing else.
    expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(p))).toEqual([]);
  });

  it('serves the page, the script and uPlot from the bundle; a wrong key is asked again, never shown', async () => {
    demo();
    const s = await startServe(ws);
    for (const [path, type] of [['/', 'text/html'], ['/app.js', 'text/javascript'], ['/style.css', 'text/css'], ['/vendor/uPlot.esm.js', 'text/javascript'], ['/vendor/uPlot.min.css', 'text/css']]) {
      const r = await fetch(s.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toContain(type!);
      const again = await fetch(s.url + path, { headers: { 'if-none-match': r.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    const { page } = await browser();
    await page.goto(s.url + '/');
    await page.fill('#login-key', 'ops_wrong-' + Math.random().toString(36).slice(2));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#login-error').innerText()).toContain('did not accept the key');
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('body').innerText()).not.toContain('ops_wrong');
  });
});
