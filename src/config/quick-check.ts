import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE_NAMES } from './files';
import type { ConfigProblem } from './problem';

declare const OPS_VERSION: string;

/**
 * Every problem of the workspace's config files, for commands that only warn about them
 * (guard, runs list, the console header) and must stay fast. Validating means loading zod
 * (~40 ms, most of what `ops guard` costs), so a verdict of "valid" is remembered per exact
 * file contents and ops build in a per-user temp folder: the same bytes checked by the same
 * build are valid again. Only valid results are remembered; a problem is found afresh each time.
 */
export async function quickConfigProblems(workspace: string): Promise<ConfigProblem[]> {
  const hash = createHash('sha256').update(buildStamp());
  let present = false;
  for (const file of CONFIG_FILE_NAMES) {
    let content: Buffer | null = null;
    try {
      content = readFileSync(join(workspace, '.ops', file));
    } catch {
      // absent (defaults) or unreadable: the full check below says which
    }
    if (content) present = true;
    hash.update(`\0${file}\0${content === null ? '-' : content.length + ':'}`);
    if (content) hash.update(content);
  }
  if (!present) return [];
  const dir = join(tmpdir(), `ops-config-ok-${process.getuid?.() ?? 'user'}`);
  const marker = join(dir, hash.digest('hex'));
  try {
    // Ours only: a folder another user made could vouch for files it never checked.
    const owner = statSync(dir).uid;
    if (owner === (process.getuid?.() ?? owner)) {
      statSync(marker);
      return [];
    }
  } catch {
    // not remembered yet
  }
  const { configProblems } = await import('./load');
  const problems = configProblems(workspace);
  if (!problems.length) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(marker, '');
    } catch {
      // a read-only temp folder only means checking again next time
    }
  }
  return problems;
}

/** Which ops build this is: a new build may validate differently. */
function buildStamp(): string {
  let stamp = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';
  try {
    const s = statSync(fileURLToPath(import.meta.url));
    stamp += `:${s.mtimeMs}:${s.size}`;
  } catch {
    stamp += ':?';
  }
  return stamp;
}
