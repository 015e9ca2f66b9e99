import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { usageError } from '../cli/errors';
import { configSchemas, configFiles, type ConfigFile, type ConfigOf } from './schemas';

export interface LoadedConfig<F extends ConfigFile> {
  file: F;
  path: string;
  /** false: the file is absent and the built-in defaults apply. */
  present: boolean;
  value: ConfigOf<F>;
}

/** `.ops/<file>` as users see it in messages, whatever the workspace path. */
const display = (file: ConfigFile) => `.ops/${file}`;

/** Reads and validates one `.ops/*.json` file; absent → defaults; invalid → exit 2 naming file and field. */
export function loadConfig<F extends ConfigFile>(workspace: string, file: F): LoadedConfig<F> {
  const path = join(workspace, '.ops', file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { file, path, present: false, value: defaultsOf(file) };
    }
    throw usageError(display(file), `cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError(display(file), `invalid JSON: ${(err as Error).message}`);
  }
  const parsed = (configSchemas[file] as z.ZodType).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw usageError(`${display(file)}: ${field}`, issue.message);
  }
  return { file, path, present: true, value: parsed.data as ConfigOf<F> };
}

export function defaultsOf<F extends ConfigFile>(file: F): ConfigOf<F> {
  return (configSchemas[file] as z.ZodType).parse({}) as ConfigOf<F>;
}

/** Every config file, validated: for `ops config check`, `ops status` and the console. */
export function loadAllConfig(workspace: string): { [F in ConfigFile]: LoadedConfig<F> } {
  return Object.fromEntries(configFiles.map((f) => [f, loadConfig(workspace, f)])) as { [F in ConfigFile]: LoadedConfig<F> };
}
