import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { RouteDef } from '../api';
import { requestContext, type Deps } from '../deps';
import { httpProblem } from '../problem';

/**
 * Evidence over HTTP: a date folder's files (`<reports>/<YYYY-MM-DD>/…`) with their sha256,
 * and each file, its sha256 in `ETag` and `Digest` (`Repr-Digest` too), so a download can
 * be checked against RUNS_SUMMARY.json and `ops evidence verify`. Read-only; nothing
 * outside the date folder is reachable (no `..`, no symlink out).
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** sha256 of a file, remembered while its size and mtime stay the same. */
const hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
async function sha256Of(path: string, st: Stats): Promise<string> {
  const known = hashes.get(path);
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const sha256 = h.digest('hex');
  hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

const TYPES: Record<string, string> = { json: 'application/json', md: 'text/markdown; charset=utf-8', log: 'text/plain; charset=utf-8', txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8' };

export function evidenceRoutes(deps: Deps): RouteDef<any, any>[] {
  async function folderOf(c: Parameters<RouteDef['handler']>[0], date: string): Promise<string> {
    if (!DATE.test(date)) throw httpProblem(400, `date: expected YYYY-MM-DD, got ${JSON.stringify(date)}`);
    const dir = join(await requestContext(deps, c.get('key')).reportsDir(), date);
    try {
      if (statSync(dir).isDirectory()) return dir;
    } catch {
      // below
    }
    throw httpProblem(404, `no evidence for ${date}`);
  }

  return [
    {
      method: 'GET',
      path: '/evidence/{date}',
      summary: "A date's evidence folder (the configured zone's calendar date): every file with its bytes and sha256",
      role: 'viewer',
      response: z.object({ date: z.string(), files: z.array(z.object({ path: z.string(), bytes: z.number(), sha256: z.string(), url: z.string() })) }),
      handler: async (c, { params }) => {
        const dir = await folderOf(c, params.date!);
        const files = [];
        for (const d of readdirSync(dir, { recursive: true, withFileTypes: true })) {
          if (!d.isFile()) continue;
          const abs = join(d.parentPath, d.name);
          const st = statSync(abs);
          const path = relative(dir, abs).split(sep).join('/');
          files.push({ path, bytes: st.size, sha256: await sha256Of(abs, st), url: `/api/v1/evidence/${params.date}/files/${path.split('/').map(encodeURIComponent).join('/')}` });
        }
        files.sort((a, b) => (a.path < b.path ? -1 : 1));
        return c.json({ date: params.date, files });
      },
    },
    {
      method: 'GET',
      path: '/evidence/{date}/files/{path*}',
      summary: 'One evidence file; its sha256 in ETag and Digest (If-None-Match answers 304)',
      role: 'viewer',
      produces: ['application/octet-stream'],
      handler: async (c, { params }) => {
        const dir = await folderOf(c, params.date!);
        const rel = params.path ?? '';
        const abs = resolve(dir, rel);
        const inside = (p: string, root: string) => p.startsWith(root + sep);
        let real: string;
        try {
          real = realpathSync(abs);
        } catch {
          throw httpProblem(404, `no file ${rel} in the evidence of ${params.date}`);
        }
        if (!inside(abs, dir) || !inside(real, realpathSync(dir))) throw httpProblem(404, `no file ${rel} in the evidence of ${params.date}`);
        const st = statSync(real);
        if (!st.isFile()) throw httpProblem(404, `no file ${rel} in the evidence of ${params.date}`);
        const sha256 = await sha256Of(real, st);
        const b64 = Buffer.from(sha256, 'hex').toString('base64');
        const headers = { etag: `"${sha256}"`, digest: `sha-256=${b64}`, 'repr-digest': `sha-256=:${b64}:` };
        if (c.req.header('if-none-match')?.split(',').some((t) => t.trim().replace(/^W\//, '') === headers.etag)) return c.body(null, 304, headers);
        const ext = rel.split('.').pop()?.toLowerCase() ?? '';
        return new Response(Readable.toWeb(createReadStream(real)) as ReadableStream, {
          headers: { ...headers, 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-length': String(st.size) },
        });
      },
    },
  ];
}
