// bench/serve's load generator, a process of its own (so the server's event loop and the
// clients' do not share a core's time slices in one process). Modes:
//   sse URL KEY N EVENTS     N SSE clients; prints {"ready":N} once all are subscribed, then
//                            for each of EVENTS killswitch events the latency of every
//                            client (receive time − the event's ts, ms), per event; then {"done":…}
//   get URL KEY PATH C N     C concurrent clients making N requests in all; latencies (ms).
//                            `{t}` in PATH: a different time per request (2025-10-15 + n s),
//                            so no two requests ask the same thing (no cached answer)
import http from 'node:http';

const [mode, url, key, ...rest] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
/** The last line, then exit once it is written (a pipe takes 64 KB at a time: exit at once would cut it). */
const last = (o) => process.stdout.write(JSON.stringify(o) + '\n', () => process.exit(0));

if (mode === 'sse') {
  const n = Number(rest[0]);
  const events = Number(rest[1]);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const latencies = [];
  let subscribed = 0;
  let finished = 0;
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const req = http.get({ hostname, port, path: '/api/v1/events?types=killswitch.*', agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      if (res.statusCode !== 200) {
        failed++;
        res.resume();
        return;
      }
      let buf = '';
      let seen = 0;
      res.setEncoding('utf8');
      // Cheap parsing: 1 000 sockets share this process; the time taken is measured too.
      res.on('data', (chunk) => {
        const at = Date.now();
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (frame.includes(': subscribed') && ++subscribed === n) out({ ready: n, failed });
          const t = frame.indexOf('"ts":"');
          if (t < 0 || !frame.startsWith('id: ')) continue;
          (latencies[seen] ??= []).push(at - Date.parse(frame.slice(t + 6, frame.indexOf('"', t + 6))));
          if (++seen === events) {
            res.destroy();
            if (++finished === n) {
              last({ done: true, latencies, failed });
            }
          }
        }
      });
    });
    req.on('error', () => failed++);
  }
} else if (mode === 'get') {
  const [path, c, total] = [rest[0], Number(rest[1]), Number(rest[2])];
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const latencies = [];
  let issued = 0;
  const one = (n) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const p = path.replace('{t}', new Date(Date.UTC(2025, 9, 15) + n * 1000).toISOString().replace('.000Z', 'Z'));
      http
        .get({ hostname, port, path: p, agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
            latencies.push(performance.now() - t0);
            resolve();
          });
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (issued < total) {
      await one(issued++);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, worker));
  last({ latencies: latencies.map((l) => Math.round(l * 10) / 10), seconds: (performance.now() - t0) / 1000 });
}
