import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';
import { parseDuration } from '../../src/cli/parse';

const REPO = /^[\w.-]+\/[\w.-]+$/;

export default defineCommand({
  command: 'sync',
  describe: "Pull workflow runs from GitHub (gh api), incrementally; the failed runs' job logs are collected sanitized, classified and queued for retry",
  builder: (y) =>
    y
      .options({
        repo: { type: 'string', array: true, describe: 'OWNER/NAME (repeatable; default: config.json repos)' },
        since: { type: 'string', describe: 'How far back the first sync of a repository goes (default 7d); given, it also back-fills' },
        'lock-timeout': { type: 'string', default: '30s', describe: 'How long to wait for the evidence lock before exit 5' },
      })
      .example('$0 runs sync --repo acme/api --repo acme/web', ''),
  async run(args, ctx) {
    const flagged = ((args.repo as string[] | undefined) ?? []).filter((r) => r !== '');
    for (const r of flagged) if (!REPO.test(r)) throw usageError('--repo', `expected OWNER/NAME, got ${JSON.stringify(r)}`);
    let sinceMs = 7 * 86_400_000;
    if (args.since !== undefined) {
      const ms = parseDuration(String(args.since));
      if (ms === null || ms === 0) throw usageError('--since', `expected a duration such as 24h or 7d, got ${JSON.stringify(args.since)}`);
      sinceMs = ms;
    }
    const lockMs = parseDuration(String(args['lock-timeout']));
    if (lockMs === null) throw usageError('--lock-timeout', `expected a duration such as 30s or 2m, got ${JSON.stringify(args['lock-timeout'])}`);
    const config = await ctx.config('config.json');
    const repos = [...new Set(flagged.length ? flagged : config.repos)];
    if (!repos.length) throw usageError('runs sync', 'no repository: pass --repo OWNER/NAME or list them in .ops/config.json repos');

    const db = await ctx.ledger({ create: true });
    const { runsSync } = await import('../../src/cli/runs-sync');
    const { entryJson } = await import('../../src/retry/queue');

    // A progress line on a terminal only (rewritten in place); waits and problems always.
    const tty = ctx.io.isTTY && !ctx.json;
    let shown = false;
    const clear = () => {
      if (shown) ctx.io.stderr.write('\r\x1b[2K');
      shown = false;
    };
    const { results, requests, enqueued } = await runsSync(ctx, db, {
      repos,
      sinceMs,
      explicitSince: args.since !== undefined,
      lockMs,
      progress: tty
        ? (i, text) => {
            ctx.io.stderr.write(`\r\x1b[2Kops: runs sync: repo ${i + 1}/${repos.length}: ${text}`);
            shown = true;
          }
        : undefined,
      warn: (text) => {
        clear();
        ctx.io.stderr.write(text.startsWith('warning: ') ? `ops: warning: runs sync: ${text.slice(9)}\n` : `ops: runs sync: ${text}\n`);
      },
    });
    clear();
    if (!ctx.json) {
      for (const r of results) {
        ctx.io.stdout.write(
          `${r.repo}: ${r.runs} run${r.runs === 1 ? '' : 's'} (${r.inserted} new, ${r.failed} failed, ${r.queued} queued for retry)` +
            (r.not_modified && !r.inserted && !r.updated ? '; unchanged since the last sync' : r.updated ? `; ${r.updated} updated` : '') +
            '\n',
        );
      }
    }
    if (ctx.json) printJson(ctx.io, { repos: results, requests, queued: enqueued.map((e) => entryJson(e)) });
    const { annotate, appendStepSummary, runsSyncSummary } = await import('../../src/cli/actions-output');
    const repoProblem = (r: (typeof results)[number]) =>
      r.error + (r.pages ? `; stopped after ${r.pages} page${r.pages === 1 ? '' : 's'} (recorded: the next sync continues from there)` : '');
    for (const r of results) {
      if (!r.error) continue;
      ctx.io.stderr.write(`ops: runs sync: ${r.repo}: ${repoProblem(r)}\n`);
      annotate(ctx.io, 'error', `${r.repo}: ${repoProblem(r)}`, { title: 'ops runs sync' }, ctx.json);
    }
    appendStepSummary(
      ctx.io,
      runsSyncSummary(
        results.map((r) => ({
          repo: r.repo,
          runs: r.runs,
          new: r.inserted,
          failed: r.failed,
          queued: r.queued,
          note: r.error ? repoProblem(r) : r.not_modified && !r.inserted && !r.updated ? 'unchanged since the last sync' : r.updated ? `${r.updated} updated` : '',
        })),
        { since: args.since === undefined ? undefined : String(args.since) },
      ),
    );
    const { afterWrite } = await import('../../src/consumers/after-write');
    await afterWrite(ctx, db);
    return results.some((r) => r.error) ? Exit.failed : Exit.ok;
  },
});
