import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { MainConfig } from '../config/schemas';
import { expandTemplate } from '../retry/command';
import { errorExcerpt, runCommand } from '../retry/execute';
import type { StepImpl } from '../saga/runner';
import { describe, readObject, storeObject, type FileChange, type Snapshot } from './snapshot';

/**
 * `ops rollback` as saga steps (SPEC §6): stop the workflows whose files the rollback
 * changes, restore the snapshot's files, verify. Each step can run twice (a resumed
 * rollback repeats the step it was cut off in) and be undone from its memo.
 */

export interface PlannedStep {
  name: 'disable_workflow' | 'remove_secret' | 'restore_files' | 'verify';
  params: Record<string, unknown>;
  /** What the step runs, for --dry-run. */
  describe: string;
}

/** A file to write back (`sha256`) or to remove (null: it was not in the snapshot). */
export interface Restore {
  path: string;
  sha256: string | null;
}

const WORKFLOW_DIR = '.github/workflows/';

export function planRollback(snap: Snapshot, diff: readonly FileChange[], config: MainConfig, gh: string): PlannedStep[] {
  const restores: Restore[] = diff.filter((d) => d.change !== 'same').map((d) => ({ path: d.path, sha256: d.snapshot?.sha256 ?? null }));
  const workflows = restores.filter((r) => r.path.startsWith(WORKFLOW_DIR)).map((r) => basename(r.path));
  const steps: PlannedStep[] = workflows.map((workflow) => ({
    name: 'disable_workflow',
    params: { workflow },
    describe: `stop workflow ${workflow}: ${workflowCommand(config.rollback.disableCommand, gh, workflow).join(' ')} (undo: ${workflowCommand(config.rollback.enableCommand, gh, workflow).join(' ')})`,
  }));
  if (config.rollback.removeSecrets) {
    for (const secret of config.rollback.secrets) {
      const argv = expandTemplate(config.rollback.removeSecretCommand, { gh, secret, workflow: '', run_id: '', repository: '', attempt: 0, run_attempt: 0 });
      steps.push({ name: 'remove_secret', params: { secret }, describe: `remove secret ${secret}: ${argv.join(' ')} (cannot be undone: its value is gone)` });
    }
  }
  steps.push({
    name: 'restore_files',
    params: { snapshot_id: snap.id, files: restores },
    describe: restores.length ? `restore ${restores.length} file${restores.length === 1 ? '' : 's'} of snapshot #${snap.id}: ${restores.map((r) => `${r.path}${r.sha256 ? '' : ' (remove)'}`).join(', ')}` : `nothing to restore: the tracked files match snapshot #${snap.id}`,
  });
  steps.push({ name: 'verify', params: { snapshot_id: snap.id, files: restores, workflows }, describe: `verify every tracked file matches snapshot #${snap.id}${workflows.length ? ' and the workflows are stopped' : ''}` });
  return steps;
}

const workflowCommand = (template: readonly string[], gh: string, workflow: string) =>
  expandTemplate(template, { gh, workflow, run_id: '', repository: '', attempt: 0, run_attempt: 0 });

export interface RollbackEnv {
  workspace: string;
  config: MainConfig;
  gh: string;
  env: NodeJS.ProcessEnv;
}

export function rollbackSteps(e: RollbackEnv): (name: string) => StepImpl {
  const run = async (argv: string[]) => {
    const r = await runCommand(argv, { timeoutMs: e.config.ghTimeoutSeconds * 1000, env: e.env });
    if (r.spawnError) throw new Error(r.spawnError);
    if (r.timedOut) throw new Error(`${argv.join(' ')}: timed out`);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: exit ${r.exitCode}: ${errorExcerpt(r, 300)}`);
  };
  const impls: Record<string, StepImpl> = {
    disable_workflow: {
      action: async (p) => run(workflowCommand(e.config.rollback.disableCommand, e.gh, (p as { workflow: string }).workflow)),
      compensate: async (p) => run(workflowCommand(e.config.rollback.enableCommand, e.gh, (p as { workflow: string }).workflow)),
    },
    remove_secret: {
      action: async (p) => {
        const secret = (p as { secret: string }).secret;
        await run(expandTemplate(e.config.rollback.removeSecretCommand, { gh: e.gh, secret, workflow: '', run_id: '', repository: '', attempt: 0, run_attempt: 0 }));
      },
      // A deleted secret's value is gone: a person must set it again. The saga ends `failed`, saying so.
      compensate: async (p) => {
        throw new Error(`secret ${(p as { secret: string }).secret} was deleted and cannot be restored by ops: set it again (gh secret set)`);
      },
    },
    restore_files: {
      async action(p, remember, memo) {
        const files = (p as { files: Restore[] }).files;
        // The backup is taken once: a resumed step must not back up its own half-restored tree.
        let backups = (memo as { backups?: Record<string, string | null> } | null)?.backups;
        if (!backups) {
          backups = {};
          for (const f of files) {
            const abs = join(e.workspace, f.path);
            backups[f.path] = existsSync(abs) ? storeObject(e.workspace, readFileSync(abs)) : null;
          }
          remember({ backups });
        }
        for (const f of files) put(e.workspace, f.path, f.sha256);
      },
      async compensate(_p, memo) {
        const backups = (memo as { backups?: Record<string, string | null> } | null)?.backups;
        // No backup recorded: the step stopped before touching any file.
        for (const [path, digest] of Object.entries(backups ?? {})) put(e.workspace, path, digest);
      },
    },
    verify: {
      async action(p) {
        const { files } = p as { files: Restore[] };
        const wrong = files.filter((f) => (describe(e.workspace, f.path)?.sha256 ?? null) !== f.sha256).map((f) => f.path);
        if (wrong.length) throw new Error(`not as in the snapshot after the restore: ${wrong.join(', ')}`);
      },
      compensate: async () => {},
    },
  };
  return (name) => {
    const impl = impls[name];
    if (!impl) throw new Error(`unknown saga step ${name}`);
    return impl;
  };
}

/** Writes a stored content at `path` atomically, or removes the file (digest null). */
function put(workspace: string, path: string, digest: string | null): void {
  const abs = join(workspace, path);
  if (digest === null) {
    rmSync(abs, { force: true });
    return;
  }
  if (describe(workspace, path)?.sha256 === digest) return;
  mkdirSync(dirname(abs), { recursive: true });
  writeFileAtomic.sync(abs, readObject(workspace, digest), { fsync: true });
}
