import { defineCommand } from '../../src/cli/command';
import { Exit, OpsError } from '../../src/cli/errors';
import { printJson } from '../../src/cli/output';

export default defineCommand({
  command: 'check',
  describe: 'Validate every .ops/*.json config file (exit 2 naming the file and field when one is invalid)',
  async run(_args, ctx) {
    const { loadConfig } = await import('../../src/config/load');
    const { configFiles } = await import('../../src/config/schemas');
    const results = configFiles.map((file) => {
      try {
        const loaded = loadConfig(ctx.workspace, file);
        return { file: `.ops/${file}`, state: loaded.present ? 'ok' : 'default', error: null };
      } catch (err) {
        if (!(err instanceof OpsError)) throw err;
        return { file: `.ops/${file}`, state: 'invalid', error: `${err.subject}: ${err.message}` };
      }
    });
    const invalid = results.filter((r) => r.state === 'invalid');
    if (ctx.json) printJson(ctx.io, { workspace: ctx.workspace, files: results });
    else {
      for (const r of results) {
        if (r.state === 'ok') ctx.io.stdout.write(`ok       ${r.file}\n`);
        else if (r.state === 'default') ctx.io.stdout.write(`default  ${r.file} (absent: built-in defaults apply)\n`);
      }
    }
    // Errors go to stderr in the one-line format, one per invalid file, even with --json.
    for (const r of invalid) ctx.io.stderr.write(`ops: ${r.error}\n`);
    return invalid.length ? Exit.usage : Exit.ok;
  },
});
