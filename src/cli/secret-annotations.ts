import { isAbsolute, join, relative, sep } from 'node:path';
import type { CollectedFile } from '../actions/collect';
import { loadRules, sanitizeInPlace, type MaskRulesConfig } from '../sanitize';
import { annotationLine } from './actions-output';

/**
 * GitHub shows at most 10 warning annotations of a step: past that, the first
 * MAX_SECRET_ANNOTATIONS - 1 findings are annotated and one more says how many were not.
 */
export const MAX_SECRET_ANNOTATIONS = 10;

export interface SecretAnnotationInput {
  files: CollectedFile[];
  /** Where --logs/--artifact were matched (a file's `name` is relative to it). */
  sourceRoot: string;
  /** Annotation paths are relative to this (GITHUB_WORKSPACE, the repository root, else the ops workspace). */
  base: string;
  rules: MaskRulesConfig;
  env: NodeJS.ProcessEnv;
}

/**
 * One `::warning file=<source file>,line=<line>,title=…::` per secret the collect masked,
 * naming the rule only. The copier reports counts per rule; the lines come from a scan
 * (`sanitizeInPlace(…, check=true)`, which reads and never writes) of the source file, made
 * only for files in which something was masked, so it finds the same secrets in the same
 * places (for gzip logs: lines of the decompressed text). A file the scan cannot read any
 * more is annotated once per rule, without a line.
 */
export async function secretAnnotations(o: SecretAnnotationInput): Promise<string> {
  const hits = o.files.filter((f) => f.status === 'collected' && f.masked.length);
  if (!hits.length) return '';
  const rules = loadRules(o.rules, o.env);
  const found: { file: string; line?: number; rule: string }[] = [];
  for (const f of hits) {
    const src = join(o.sourceRoot, f.name);
    const file = pathFor(src, o.base);
    try {
      const { findings } = await sanitizeInPlace(src, rules, true);
      if (!findings.length) throw new Error('nothing found');
      for (const x of findings) found.push({ file, line: x.line, rule: x.rule });
    } catch {
      for (const m of f.masked) found.push({ file, rule: m.rule });
    }
  }
  const shown = found.length > MAX_SECRET_ANNOTATIONS ? found.slice(0, MAX_SECRET_ANNOTATIONS - 1) : found;
  let out = '';
  for (const x of shown) {
    out += annotationLine('warning', `secret masked (rule ${x.rule}): the evidence copy has it masked; the source log still holds it`, {
      file: x.file,
      line: x.line,
      title: 'ops evidence collect',
    });
  }
  if (shown.length < found.length) {
    const rest = found.length - shown.length;
    out += annotationLine('warning', `${rest} more secret${rest === 1 ? '' : 's'} masked: see the job summary (ops evidence collect)`, { title: 'ops evidence collect' });
  }
  return out;
}

function pathFor(path: string, base: string): string {
  const rel = relative(base, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}
