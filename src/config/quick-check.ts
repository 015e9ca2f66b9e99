import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE_NAMES } from './files';
import type { ConfigProblem } from './problem';
import type { ConfigFile, ConfigOf } from './schemas';

declare const OPS_VERSION: string;

/**
 * Every problem of the workspace's config files, for commands that only warn about them
 * (guard, runs list, the console header) and must stay fast. Validating means loading zod
 * (~40 ms, most of what `ops guard` costs), so a verdict of "valid" is remembered per exact
 * file contents and ops build in a per-user temp folder: the same bytes checked by the same
 * build are valid again. Only valid results are remembered; a problem is found afresh each time.
 */
export async function quickConfigProblems(workspace: string): Promise<ConfigProblem[]> {
  const { createHash } = await import('node:crypto');
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
  const marker = join(folder(), hash.digest('hex'));
  if (ours()) {
    try {
      statSync(marker);
      return [];
    } catch {
      // not remembered yet
    }
  }
  const { configProblems } = await import('./load');
  const problems = configProblems(workspace);
  if (!problems.length) remember(marker, '');
  return problems;
}

/**
 * One config file's validated value (what loadConfig returns), remembered in the same folder
 * with the exact text it was made from, for every command's ctx.config: a command whose
 * config has not changed since the last one skips zod (~40 ms of `ops export postgres`'s
 * start-up). A file with a problem is never remembered (loadConfig throws), nor one that
 * holds a credential.
 */
export async function quickConfig<F extends ConfigFile>(workspace: string, file: F): Promise<ConfigOf<F>> {
  let text: string | null = null;
  try {
    text = readFileSync(join(workspace, '.ops', file), 'utf8');
  } catch (err) {
    // Unreadable: loadConfig names the problem.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return (await import('./load')).loadConfig(workspace, file).value;
  }
  // Named by a quick hash (node:crypto alone costs ~4 ms to load); the entry holds the text it
  // was made from and counts only when that is this file's text, byte for byte.
  const stamp = buildStamp();
  const marker = join(folder(), `${file}.${fnv1a(`${stamp}\0${text ?? '-'}`)}.json`);
  if (ours()) {
    try {
      const entry = JSON.parse(readFileSync(marker, 'utf8')) as { stamp: string; text: string | null; value: ConfigOf<F> };
      if (entry.stamp === stamp && entry.text === text) return entry.value;
    } catch {
      // not remembered yet (or half-written by a process killed mid-write: made again)
    }
  }
  const { loadConfigText } = await import('./load');
  const value = loadConfigText(workspace, file, text).value;
  if (!holdsCredential(value)) remember(marker, JSON.stringify({ stamp, text, value }));
  return value;
}

/**
 * A notification channel's inline url (a Slack webhook URL is itself a credential): such a
 * file is validated every time rather than copied into the temp folder, where it would
 * outlive the workspace (a self-hosted runner's /tmp). Every other secret in config is the
 * name of an environment variable.
 */
function holdsCredential(value: unknown): boolean {
  const channels = (value as { notifications?: { channels?: { url?: string }[] } })?.notifications?.channels;
  return Array.isArray(channels) && channels.some((c) => c.url !== undefined);
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as hex. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const folder = () => join(tmpdir(), `ops-config-ok-${process.getuid?.() ?? 'user'}`);

/** The folder is this user's: one another user made could vouch for files it never checked. */
function ours(): boolean {
  try {
    const owner = statSync(folder()).uid;
    return owner === (process.getuid?.() ?? owner);
  } catch {
    return false;
  }
}

function remember(marker: string, content: string): void {
  // Whole or absent: a reader never sees half a value (a name of its own per writer: test workers share a pid).
  const tmp = `${marker}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(folder(), { recursive: true, mode: 0o700 });
    if (!ours()) return;
    writeFileSync(tmp, content);
    renameSync(tmp, marker);
  } catch {
    // a read-only temp folder only means checking again next time
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing was written
    }
  }
}

let thisBuild: string | undefined;

/** Which ops build this is: a new build may validate differently. Once per process: each config file asks. */
function buildStamp(): string {
  if (thisBuild !== undefined) return thisBuild;
  let stamp = typeof OPS_VERSION === 'string' ? OPS_VERSION : 'dev';
  // Built, every chunk is rewritten by each build; from source (tests), the schemas change apart.
  for (const file of [import.meta.url, ...(import.meta.url.endsWith('.ts') ? [new URL('./schemas.ts', import.meta.url).href] : [])]) {
    try {
      const s = statSync(fileURLToPath(file));
      stamp += `:${s.mtimeMs}:${s.size}`;
    } catch {
      stamp += ':?';
    }
  }
  return (thisBuild = stamp);
}
