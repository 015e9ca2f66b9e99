import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { defaultsOf } from '../config/load';
import { configFiles } from '../config/schemas';
import { openLedger } from '../ledger/open';

export interface InitFile {
  path: string;
  action: 'created' | 'kept';
}

const GITIGNORE = '# The ledger and locks are this machine\'s state, not source: keep them out of git.\nledger.db\nledger.db-*\nevidence.lock*\n*.tmp-*\n';

/**
 * Writes the default `.ops/` config files and an empty, migrated ledger. Never overwrites:
 * an existing file is kept as it is (SPEC §10.1).
 */
export function initWorkspace(workspace: string, ledgerPath: string, now: string): InitFile[] {
  const dir = join(workspace, '.ops');
  mkdirSync(dir, { recursive: true });
  const files: InitFile[] = [];
  for (const file of configFiles) {
    const created = createExclusive(join(dir, file), JSON.stringify(defaultsOf(file), null, 2) + '\n');
    files.push({ path: `.ops/${file}`, action: created ? 'created' : 'kept' });
  }
  files.push({ path: '.ops/.gitignore', action: createExclusive(join(dir, '.gitignore'), GITIGNORE) ? 'created' : 'kept' });
  openLedger(ledgerPath, { create: true, now }).close();
  return files;
}

/**
 * Creates `path` with `content` only if it does not exist, and never torn: the bytes go to
 * a temporary file first, which is then hard-linked into place (link fails if the target
 * exists, so two concurrent inits cannot overwrite each other).
 */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
