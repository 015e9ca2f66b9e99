/**
 * Command templates of config.json (`retryCommand`): an argument array, never a shell
 * line, so a workflow name with spaces or quotes stays one argument.
 */

export interface TemplateValues {
  gh: string;
  run_id: string;
  repository: string;
  workflow: string;
  /** The re-run ops is about to make: 1 for the first. */
  attempt: number;
  /** The failed run attempt the entry retries. */
  run_attempt: number;
  /** Rollback: the repository secret to delete. */
  secret?: string;
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;
const KNOWN = new Set<string>(['gh', 'run_id', 'repository', 'workflow', 'attempt', 'run_attempt', 'secret']);

/** The first placeholder ops does not know, or null: config validation names it. */
export function unknownPlaceholder(template: readonly string[]): string | null {
  for (const arg of template) for (const m of arg.matchAll(PLACEHOLDER)) if (!KNOWN.has(m[1]!)) return m[0];
  return null;
}

export const knownPlaceholders = () => [...KNOWN].map((k) => `{${k}}`).join(', ');

export function expandTemplate(template: readonly string[], values: TemplateValues): string[] {
  return template.map((arg) => arg.replace(PLACEHOLDER, (whole, name: string) => (KNOWN.has(name) ? String(values[name as keyof TemplateValues] ?? '') : whole)));
}
