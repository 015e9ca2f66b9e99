import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import type { Env } from '../api';
import page from './index.html?raw';
import script from './app.js?raw';
import styles from './style.css?raw';
import uplotScript from 'uplot/dist/uPlot.esm.js?minified';
import uplotStyles from 'uplot/dist/uPlot.min.css?raw';

/**
 * The web dashboard at `/`: one page, one ES module, one stylesheet, and uPlot, all bundled
 * into the program as text. The files carry no data and need no key; the page asks for a
 * key and reads /api/v1 with it.
 */

/**
 * Self only, no inline script or style attribute in markup (uPlot sizes its elements
 * through the CSSOM, which style-src does not govern). connect-src covers fetch and the SSE
 * stream; nothing may frame the page (its buttons stop deployments).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const asset = (body: string, type: string): Asset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });

const ASSETS: Record<string, Asset> = {
  '/': asset(page, 'text/html; charset=utf-8'),
  '/app.js': asset(script, 'text/javascript; charset=utf-8'),
  '/style.css': asset(styles, 'text/css; charset=utf-8'),
  '/vendor/uPlot.esm.js': asset(uplotScript, 'text/javascript; charset=utf-8'),
  '/vendor/uPlot.min.css': asset(uplotStyles, 'text/css; charset=utf-8'),
};

export function dashboardRoutes(app: Hono<Env>): void {
  for (const [path, a] of Object.entries(ASSETS)) {
    app.get(path, (c) => {
      const headers: Record<string, string> = {
        'content-type': a.type,
        etag: a.etag,
        // Revalidated each load: an upgraded ops serves its new page at once.
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      };
      if (path === '/') {
        headers['content-security-policy'] = DASHBOARD_CSP;
        headers['x-frame-options'] = 'DENY';
      }
      if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, headers);
      return c.body(a.body, 200, headers);
    });
  }
}
