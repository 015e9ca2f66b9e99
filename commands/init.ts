import { defineCommand } from '../src/cli/command';
import { printJson } from '../src/cli/output';

declare const OPS_VERSION: string;

export default defineCommand({
  command: 'init',
  needsWorkspace: false,
  describe: 'Write the default .ops/ config files and an empty ledger (never overwrites); --github-actions: also the scheduled workflow',
  builder: (y) =>
    y
      .options({
        'github-actions': { type: 'boolean', describe: 'Also write .github/workflows/ops.yml (sync, detect, replay, notify every 10 minutes) and print the steps for other workflows' },
        force: { type: 'boolean', describe: 'With --github-actions: replace an existing .github/workflows/ops.yml' },
        install: { type: 'string', describe: 'With --github-actions: what the workflow installs ops from, as npm install -g takes it (default github:OWNER/REPO#v<version>)' },
      })
      .example('$0 init --github-actions --install github:acme/ops-ci-console#v0.1.0', ''),
  async run(args, ctx) {
    const { usageError } = await import('../src/cli/errors');
    const gha = Boolean(args['github-actions']);
    if (!gha && (args.force || args.install !== undefined)) throw usageError(args.force ? '--force' : '--install', 'only with --github-actions');
    let workflow: { path: string; abs: string; exists: boolean; text: string; steps: string; placeholder: boolean } | undefined;
    if (gha) {
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      const t = await import('../src/github/workflow-template');
      const version = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';
      const install = (args.install as string | undefined) ?? t.defaultInstallSpec(version);
      if (!t.safeInstallSpec(install)) throw usageError('--install', `${JSON.stringify(install)}: expected an npm install spec (a tag, github:OWNER/REPO#REF, a tarball path or URL) without spaces or quotes`);
      const abs = join(ctx.workspace, t.WORKFLOW_PATH);
      const exists = existsSync(abs);
      // Checked before anything is written: exit 2 changes nothing.
      if (exists && !args.force) throw usageError(t.WORKFLOW_PATH, 'already exists: not overwritten (--force replaces it)');
      const o = { version, install };
      workflow = { path: t.WORKFLOW_PATH, abs, exists, text: t.workflowTemplate(o), steps: t.existingWorkflowSteps(o), placeholder: install.includes(t.PLACEHOLDER) };
    }

    const { initWorkspace } = await import('../src/workspace/init');
    const files = initWorkspace(ctx.workspace, ctx.ledgerPath, ctx.nowIso);
    if (workflow) {
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(workflow.abs), { recursive: true });
      if (args.force) (await import('../src/evidence/atomic')).writeFileIfChanged(workflow.abs, workflow.text);
      else {
        try {
          writeFileSync(workflow.abs, workflow.text, { flag: 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(workflow.path, 'already exists: not overwritten (--force replaces it)');
          throw err;
        }
      }
    }
    const wf = workflow && { path: workflow.path, action: workflow.exists ? 'replaced' : 'created' };
    if (ctx.json) return printJson(ctx.io, { workspace: ctx.workspace, ledger: ctx.ledgerPath, files, ...(wf ? { workflow: wf, steps: workflow!.steps } : {}) });
    for (const f of files) ctx.io.stdout.write(`${f.action === 'created' ? 'created' : 'kept   '}  ${f.path}\n`);
    ctx.io.stdout.write(`ledger   ${ctx.ledgerPath}\n`);
    if (workflow && wf) {
      ctx.io.stdout.write(
        `${wf.action === 'created' ? 'created' : 'replaced'}  ${wf.path}  (every 10 minutes and on workflow_dispatch: runs sync, detect, retry replay, notify deliver)\n\n` +
          `Add these two steps to the jobs of your other workflows (commit .ops/*.json too):\n\n${workflow.steps}`,
      );
    }
    if (workflow?.placeholder) {
      const { warn } = await import('../src/cli/warn');
      warn(ctx.io, `${workflow.path}: installs ops from OWNER/REPO: put where ops-ci-console lives there (or run again with --force --install github:OWNER/REPO#TAG)`, { json: ctx.json, title: 'ops init' });
    }
  },
});
