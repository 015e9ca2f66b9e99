import type { CommandGroup } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import keys from './keys';

export const serve: CommandGroup = {
  command: 'serve',
  describe: 'The HTTP API, live events (SSE) and GitHub webhooks for this workspace: ops serve [--host H] [--port N]; keys',
  commands: [keys],
  builder: (y) =>
    y
      .options({
        host: { type: 'string', describe: 'Address to listen on (default: config.json serve.host, 127.0.0.1); TLS belongs to a reverse proxy' },
        port: { type: 'number', requiresArg: true, describe: 'Port (default: config.json serve.port, 8787); 0 picks a free one' },
      })
      .example('$0 serve', 'http://127.0.0.1:8787 (loopback only)')
      .example('$0 serve --port 0 --json', 'a free port; prints {"url":…}')
      .example('$0 serve keys create alice-laptop --role operator', 'a key, printed once'),
  async run(args, ctx) {
    const config = await ctx.config('config.json');
    const host = (args.host as string | undefined) ?? config.serve.host;
    if (!host.trim()) throw usageError('--host', 'must not be blank');
    const port = (args.port as number | undefined) ?? config.serve.port;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      // yargs makes a non-number NaN: quote what was typed instead.
      const { typedValue } = await import('../../src/cli/parse');
      throw usageError('--port', `expected a port from 0 to 65535, got ${JSON.stringify(typedValue('--port') ?? String(args.port))}`);
    }
    // Hono and the server code load here only: no other command pays for them.
    const { startServer } = await import('../../src/serve/server');
    let server;
    try {
      // At merge: `background: (deps) => startWatch(…)` (issue 15's job runner) and `mount` (the dashboard).
      server = await startServer(ctx, { host, port, heartbeatMs: heartbeat(ctx.io.env) });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EADDRINUSE') throw usageError(`${host}:${port}`, 'address in use (another ops serve? --port 0 picks a free port)');
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw usageError('--host', `cannot listen on ${JSON.stringify(host)} (${code})`);
      throw err;
    }
    if (ctx.json) ctx.io.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
    else ctx.io.stdout.write(`ops serve: listening on ${server.url} (Ctrl-C stops)\n`);
    if (!isLoopback(host)) ctx.io.stderr.write(`ops: serve: listening on ${host}, beyond this machine: put a TLS reverse proxy in front (README, ops serve)\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await server.close();
    return signal === 'SIGINT' ? Exit.interrupted : Exit.ok;
  },
};

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** OPS_SERVE_HEARTBEAT_MS: a shorter SSE heartbeat (tests; proxies that cut idle streams sooner). */
function heartbeat(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.OPS_SERVE_HEARTBEAT_MS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10) throw usageError('OPS_SERVE_HEARTBEAT_MS', `expected milliseconds (10 or more), got ${JSON.stringify(v)}`);
  return n;
}
