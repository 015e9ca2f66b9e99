import { usageError } from '../cli/errors';

/** rollback.trackedPaths must stay inside the workspace: a snapshot never reads or restores outside it. */
export function checkTrackedPaths(paths: readonly string[]): readonly string[] {
  for (const p of paths) {
    if (p.startsWith('/') || p.split(/[\\/]/).includes('..')) throw usageError('.ops/config.json: rollback.trackedPaths', `${JSON.stringify(p)} reaches outside the workspace (absolute or ..)`);
  }
  return paths;
}
