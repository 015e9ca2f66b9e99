import { defineCommand } from '../../src/cli/command';
import { Exit, usageError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'sanitize <paths..>',
  describe: 'Mask secrets in evidence files already on disk (in place, atomically); --check only reports them (exit 4)',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', describe: 'Files or folders (recursed; symlinks are not followed)' })
      .option('check', { type: 'boolean', default: false, describe: 'Change nothing: list findings (file, line, rule — never the secret) and exit 4 if any' })
      .option('explain', {
        type: 'boolean',
        default: false,
        describe: 'Change nothing: every match with line, column, rule, its provenance and why it was judged a secret (never the secret), weak values too; exit 4 if a secret would be masked',
      })
      .example('$0 evidence sanitize docs/reports/2025-11-14', 'mask what the rules find, record it in the ledger')
      .example('$0 evidence sanitize --check docs/reports', 'CI gate: exit 4 when a secret is left')
      .example('$0 evidence sanitize --explain job.log', 'why each match is a secret (tune .ops/mask-rules.json with it)'),
  async run(args, ctx) {
    const paths = ((args.paths as unknown as string[] | undefined) ?? []).map(String);
    if (!paths.length) throw usageError('evidence sanitize', 'which files? give one or more PATHs');
    const explain = Boolean(args.explain);
    const check = Boolean(args.check) || explain;
    const { relative, isAbsolute, sep } = await import('node:path');
    const { loadRules, walkPaths, sanitizeInPlace, PathError, SanitizeVerifyError } = await import('../../src/sanitize/index');

    let walk: ReturnType<typeof walkPaths>;
    try {
      walk = walkPaths(paths, ctx.io.cwd);
    } catch (err) {
      if (err instanceof PathError) throw usageError(err.arg, err.message);
      throw err;
    }
    const maskConfig = await ctx.config('mask-rules.json');
    const rules = loadRules(maskConfig, ctx.io.env);
    // Allow-listed paths: no rule runs there; known secrets (secret-named env values) are still masked.
    const envOnly = rules.allowPaths.length ? loadRules({ builtinRules: false, maskStyle: maskConfig.maskStyle }, ctx.io.env) : rules;

    const report = {
      files_scanned: 0,
      bytes: 0,
      masked: [] as { file: string; rule: string; count: number }[],
      findings: [] as { file: string; line: number; rule: string; column?: number; length?: number; masked?: boolean; source?: string; why?: string }[],
      files_changed: 0,
      skipped: [...walk.skipped] as { file: string; reason: string }[],
      failed: [] as { file: string; error: string }[],
    };
    const history: { file: string; rule: string; count: number }[] = [];
    const ledgerName = (abs: string) => {
      const rel = relative(ctx.workspace, abs);
      return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs).split(sep).join('/');
    };

    for (const f of walk.files) {
      let r: Awaited<ReturnType<typeof sanitizeInPlace>>;
      try {
        const allowed = rules.allowPaths.length > 0 && rules.allowPaths.some((re) => re.test(ledgerName(f.path)) || re.test(f.display));
        r = await sanitizeInPlace(f.path, allowed ? envOnly : rules, check, { explain });
      } catch (err) {
        const msg = err instanceof SanitizeVerifyError ? err.message : `cannot sanitize: ${(err as Error).message}`;
        report.failed.push({ file: f.display, error: msg });
        continue;
      }
      if (r.skipped) {
        report.skipped.push({ file: f.display, reason: r.skipped === 'binary' ? 'binary (not scanned)' : 'gzip that is corrupt or holds binary data (not scanned)' });
        continue;
      }
      report.files_scanned++;
      report.bytes += r.bytes;
      if (r.changed) report.files_changed++;
      for (const m of r.masked) {
        report.masked.push({ file: f.display, rule: m.rule, count: m.count });
        history.push({ file: ledgerName(f.path), rule: m.rule, count: m.count });
      }
      for (const x of r.findings) report.findings.push(explain ? { file: f.display, ...x } : { file: f.display, line: x.line, rule: x.rule });
    }

    // What was masked: history rows and one audit event, in one transaction. --check writes nothing.
    if (!check && history.length) {
      const { appendAudit } = await import('../../src/events/log');
      const db = await ctx.ledger({ create: true });
      db.transaction(() => {
        const insert = db.prepare(`INSERT INTO sanitization_history (ts, command, file, rule, count, run_id, attempt) VALUES (?, 'sanitize', ?, ?, ?, NULL, NULL)`);
        for (const h of history) insert.run(ctx.nowIso, h.file, h.rule, h.count);
        appendAudit(db, {
          ts: ctx.nowIso,
          actor: ctx.actor,
          role: ctx.role,
          event: 'evidence.sanitize',
          payload: {
            files_scanned: report.files_scanned,
            files_changed: report.files_changed,
            bytes: report.bytes,
            masked: history,
          },
        });
      }).immediate();
    }

    const total = report.masked.reduce((n, m) => n + m.count, 0);
    if (ctx.json) printJson(ctx.io, report);
    else {
      const out = ctx.io.stdout;
      if (explain) {
        for (const x of report.findings) {
          out.write(`${x.file}:${x.line}:${x.column}: ${x.rule}${x.masked ? '' : ' (weak: not masked)'} (${x.length} bytes): ${x.why}\n    from: ${x.source}\n`);
        }
      } else if (check) {
        for (const x of report.findings) out.write(`${x.file}:${x.line}: ${x.rule}\n`);
      } else if (report.masked.length) {
        const { renderTable } = await import('../../src/cli/table');
        out.write(
          renderTable(
            [
              { header: 'FILE', value: (m) => m.file },
              { header: 'RULE', value: (m) => m.rule },
              { header: 'COUNT', value: (m) => String(m.count), align: 'right' },
            ],
            report.masked,
          ),
        );
      }
      const mb = (report.bytes / 1e6).toFixed(1);
      const files = `${report.files_scanned} file${report.files_scanned === 1 ? '' : 's'} scanned (${mb} MB)`;
      if (check) {
        if (!report.findings.some((x) => x.masked !== false)) out.write(`clean: ${files}, no secret found\n`);
      } else {
        out.write(`${files}: ${total} secret${total === 1 ? '' : 's'} masked in ${report.files_changed} file${report.files_changed === 1 ? '' : 's'}\n`);
      }
    }
    for (const s of report.skipped) ctx.io.stderr.write(`ops: warning: ${s.file}: skipped: ${s.reason}\n`);
    for (const f of report.failed) ctx.io.stderr.write(`ops: ${f.file}: ${f.error}\n`);
    const secrets = report.findings.filter((x) => x.masked !== false);
    if (check && secrets.length) {
      const n = secrets.length;
      const inFiles = new Set(secrets.map((x) => x.file)).size;
      ctx.io.stderr.write(`ops: evidence sanitize: ${n} secret${n === 1 ? '' : 's'} found in ${inFiles} file${inFiles === 1 ? '' : 's'}\n`);
      return Exit.check;
    }
    if (report.failed.length) return Exit.failed;
    return Exit.ok;
  },
});
