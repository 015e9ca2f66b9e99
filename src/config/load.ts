import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { usageError } from '../cli/errors';
import { configSchemas, configFiles, type ConfigFile, type ConfigOf } from './schemas';
import type { ConfigProblem } from './problem';

export interface LoadedConfig<F extends ConfigFile> {
  file: F;
  path: string;
  /** false: the file is absent and the built-in defaults apply. */
  present: boolean;
  value: ConfigOf<F>;
}

export { problemText, type ConfigProblem } from './problem';

/** `.ops/<file>` as users see it in messages, whatever the workspace path. */
const display = (file: ConfigFile) => `.ops/${file}`;

type Read = { present: false } | { present: true; raw: unknown } | { present: true; problem: ConfigProblem };

function readRaw(path: string, file: ConfigFile): Read {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { present: false };
    return { present: true, problem: { file: display(file), field: '(file)', message: `cannot read: ${(err as Error).message}` } };
  }
  return parseRaw(text, file);
}

function parseRaw(text: string, file: ConfigFile): Read {
  try {
    return { present: true, raw: JSON.parse(text) };
  } catch (err) {
    return { present: true, problem: { file: display(file), field: '(file)', message: `invalid JSON: ${(err as Error).message}` } };
  }
}

const fieldOf = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(top level)');

/** Reads and validates one `.ops/*.json` file; absent → defaults; invalid → exit 2 naming file and field. */
export function loadConfig<F extends ConfigFile>(workspace: string, file: F): LoadedConfig<F> {
  const path = join(workspace, '.ops', file);
  return loadRead(path, file, readRaw(path, file));
}

/** loadConfig of a file's text already read (null: absent), so a caller can tie the value to those exact bytes. */
export function loadConfigText<F extends ConfigFile>(workspace: string, file: F, text: string | null): LoadedConfig<F> {
  return loadRead(join(workspace, '.ops', file), file, text === null ? { present: false } : parseRaw(text, file));
}

function loadRead<F extends ConfigFile>(path: string, file: F, read: Read): LoadedConfig<F> {
  if (!read.present) return { file, path, present: false, value: defaultsOf(file) };
  if ('problem' in read) throw usageError(display(file), read.problem.message);
  const parsed = (configSchemas[file] as z.ZodType).safeParse(read.raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw usageError(`${display(file)}: ${fieldOf(issue.path)}`, issue.message);
  }
  return { file, path, present: true, value: parsed.data as ConfigOf<F> };
}

/**
 * A config file for the emergency paths (killswitch engage/release): never throws. A field
 * that is invalid falls back to its built-in default, the valid ones are kept, and every
 * problem is returned so the caller can warn. An unreadable or non-JSON file is all defaults.
 */
export function loadConfigLenient<F extends ConfigFile>(workspace: string, file: F): { value: ConfigOf<F>; problems: ConfigProblem[] } {
  const read = readRaw(join(workspace, '.ops', file), file);
  if (!read.present) return { value: defaultsOf(file), problems: [] };
  if ('problem' in read) return { value: defaultsOf(file), problems: [read.problem] };
  const schema = configSchemas[file] as z.ZodType;
  const problems = validate(file, read.raw);
  if (!problems.length) return { value: schema.parse(read.raw) as ConfigOf<F>, problems };
  // Drop each top-level field with a problem (its default applies) until what is left is valid.
  let raw = read.raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (let i = 0; i < 50; i++) {
      const parsed = schema.safeParse(raw);
      if (parsed.success) return { value: parsed.data as ConfigOf<F>, problems };
      const bad = new Set(parsed.error.issues.map((issue) => issue.path[0]));
      // An unknown key (strict objects) is reported on the object, naming the keys.
      for (const issue of parsed.error.issues) if (issue.code === 'unrecognized_keys') for (const k of issue.keys) bad.add(k);
      const kept = Object.fromEntries(Object.entries(raw as object).filter(([k]) => !bad.has(k)));
      if (Object.keys(kept).length === Object.keys(raw as object).length) break;
      raw = kept;
    }
  }
  return { value: defaultsOf(file), problems };
}

/** Every problem of one file's content (not just the first), for status and config check. */
function validate(file: ConfigFile, raw: unknown): ConfigProblem[] {
  const parsed = (configSchemas[file] as z.ZodType).safeParse(raw);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({ file: display(file), field: fieldOf(issue.path), message: issue.message }));
}

/** Every problem of every config file of the workspace (absent files have none). */
export function configProblems(workspace: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const file of configFiles) {
    const read = readRaw(join(workspace, '.ops', file), file);
    if (!read.present) continue;
    if ('problem' in read) problems.push(read.problem);
    else problems.push(...validate(file, read.raw));
  }
  return problems;
}

export function defaultsOf<F extends ConfigFile>(file: F): ConfigOf<F> {
  return (configSchemas[file] as z.ZodType).parse({}) as ConfigOf<F>;
}

/** Every config file, validated: for `ops config check`, `ops status` and the console. */
export function loadAllConfig(workspace: string): { [F in ConfigFile]: LoadedConfig<F> } {
  return Object.fromEntries(configFiles.map((f) => [f, loadConfig(workspace, f)])) as { [F in ConfigFile]: LoadedConfig<F> };
}
