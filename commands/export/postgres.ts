import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { resolveNow, toIso } from '../../src/time/clock';

/** How often --follow looks for new writes: one integer read (PRAGMA data_version) when idle. */
const POLL_MS = 500;
/** After a failed pass, --follow tries again this much later (sooner when the ledger changes). */
const RETRY_MS = 5_000;

export default defineCommand<{ url?: string; once?: boolean; follow?: boolean; 'print-sql'?: boolean }>({
  command: 'postgres',
  describe: 'Export runs, audit events, retry history, killswitch log, alerts and deliveries to Postgres (exactly once, resumable); --follow keeps exporting',
  needsWorkspace: false,
  catchUp: false,
  builder: (y) =>
    y
      .options({
        url: { type: 'string', requiresArg: true, describe: 'postgres://USER:PASSWORD@HOST:PORT/DB (default: the variable config.json export.postgres.urlEnv names, OPS_POSTGRES_URL)' },
        once: { type: 'boolean', describe: 'Export what is new and exit (the default)' },
        follow: { type: 'boolean', alias: 'f', describe: 'Keep exporting new writes until Ctrl-C' },
        'print-sql': { type: 'boolean', describe: 'Print the schema migrations for a DBA to apply by hand; connects nowhere' },
      })
      .conflicts('once', 'follow')
      .example('OPS_POSTGRES_URL=postgres://ops_writer:…@db.example:5432/ops $0 export postgres', '')
      .example('$0 export postgres --print-sql > ops-schema.sql', '') as never,
  async run(args, ctx) {
    const hasWorkspace = existsSync(join(ctx.workspace, '.ops'));
    const cfg = hasWorkspace ? (await ctx.config('config.json')).export.postgres : undefined;
    const schema = cfg?.schema ?? 'ops';
    if (args['print-sql']) {
      if (args.url !== undefined || args.follow) throw usageError('--print-sql', 'connects nowhere: not with --url or --follow');
      const { printableSql } = await import('../../src/export/postgres/schema');
      ctx.io.stdout.write(printableSql(schema));
      return;
    }
    ctx.requireWorkspace();
    const urlEnv = cfg?.urlEnv ?? 'OPS_POSTGRES_URL';
    const raw = args.url ?? ctx.io.env[urlEnv];
    if (raw === undefined || raw.trim() === '') {
      throw usageError('export postgres', `no database URL: set ${urlEnv}${cfg ? ' (config.json export.postgres.urlEnv)' : ''} or pass --url`);
    }
    const { parsePgUrl } = await import('../../src/export/postgres/url');
    const target = parsePgUrl(raw, args.url !== undefined ? '--url' : urlEnv);
    const tls = { mode: cfg?.ssl.mode, caFile: cfg?.ssl.caFile && resolve(ctx.workspace, cfg.ssl.caFile) };
    const { connectPg } = await import('../../src/export/postgres/connect');
    // Connecting is a few round trips and a server process starting: begun before the ledger
    // opens (~10 ms of a one-run export). Its failure is reported by the export, which awaits it.
    const connecting = args.follow ? undefined : connectPg(target, tls);
    connecting?.catch(() => {});
    let db;
    try {
      db = await ctx.ledger();
    } catch (err) {
      void connecting?.then((c) => c.end()).catch(() => {});
      throw err;
    }
    const { exportPostgresOnce } = await import('../../src/export/postgres/export');
    const { describeExport } = await import('../../src/export/postgres/describe');
    const opts = { db, target, tls, schema, workspaceId: cfg?.workspaceId, label: ctx.workspace, batchRows: cfg?.batchRows, now: () => toIso(resolveNow(ctx.io.env)) };

    if (!args.follow) {
      const result = await exportPostgresOnce({ ...opts, connecting });
      if (ctx.json) return printJson(ctx.io, result);
      ctx.io.stdout.write(describeExport(result) + '\n');
      return;
    }

    // --follow: one connection, a pass whenever another process commits to the ledger.
    let stop = false;
    let wake: (() => void) | undefined;
    process.once('SIGINT', () => {
      stop = true;
      wake?.();
    });
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        let version = db.pragma('data_version', { simple: true });
        const started = Date.now();
        const timer = setInterval(() => {
          const v = db.pragma('data_version', { simple: true });
          if (v !== version || Date.now() - started >= ms) {
            version = v;
            done();
          }
        }, POLL_MS);
        const done = () => {
          clearInterval(timer);
          wake = undefined;
          resolve();
        };
        wake = done;
      });
    let client: Awaited<ReturnType<typeof connectPg>> | undefined;
    while (!stop) {
      try {
        client ??= await connectPg(target, tls, { applicationName: 'ops export --follow' });
        const result = await exportPostgresOnce({ ...opts, client });
        if (result.batches || result.migrated.length) ctx.io.stdout.write(ctx.json ? JSON.stringify(result) + '\n' : describeExport(result) + '\n');
        if (!stop) await sleep(Number.POSITIVE_INFINITY);
      } catch (err) {
        const { errorText } = await import('../../src/base/errors');
        ctx.io.stderr.write(`ops: warning: export postgres: ${errorText(err)} (retrying)\n`);
        await client?.end().catch(() => {});
        client = undefined;
        if (!stop) await sleep(RETRY_MS);
      }
    }
    await client?.end().catch(() => {});
    return Exit.interrupted;
  },
});
