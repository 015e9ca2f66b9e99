import { appendFileSync } from 'node:fs';
import type { IO } from './io';

/**
 * GitHub Actions-native output (issue 21 part 4): workflow commands on stdout (annotations,
 * log groups) and Markdown appended to the job's step summary (`$GITHUB_STEP_SUMMARY`).
 * Everything here is a no-op outside Actions (`GITHUB_ACTIONS` not `true`), and nothing
 * goes to stdout with `--json` (stdout is then exactly one JSON document; the step summary,
 * a file, is still written). Node built-ins only: commands import it on their own paths.
 */

export const inActions = (env: NodeJS.ProcessEnv) => env.GITHUB_ACTIONS === 'true';

/** Workflow-command message escaping (actions/toolkit `escapeData`): %, CR, LF. */
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Workflow-command property escaping (`escapeProperty`): also `:` and `,`, which end a property. */
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export interface AnnotationProps {
  title?: string;
  /** A path relative to the repository root: the annotation is shown on that file. */
  file?: string;
  line?: number;
}

/** `::warning file=F,line=N,title=T::message` (or error/notice) as a line, properties in that order. */
export function annotationLine(level: 'error' | 'warning' | 'notice', message: string, props: AnnotationProps = {}): string {
  const p: string[] = [];
  if (props.file !== undefined) p.push(`file=${escapeProperty(props.file)}`);
  if (props.line !== undefined) p.push(`line=${props.line}`);
  if (props.title !== undefined) p.push(`title=${escapeProperty(props.title)}`);
  return `::${level}${p.length ? ' ' + p.join(',') : ''}::${escapeData(message)}\n`;
}

/** Writes an annotation to stdout inside Actions, unless stdout is a JSON document. */
export function annotate(io: IO, level: 'error' | 'warning' | 'notice', message: string, props: AnnotationProps = {}, json = false): void {
  if (!inActions(io.env) || json) return;
  io.stdout.write(annotationLine(level, message, props));
}

/** Lines of output beyond which `longOutput` folds it into a collapsible log group. */
export const GROUP_THRESHOLD = 15;

/**
 * Writes `text` to stdout; inside Actions, when it is longer than GROUP_THRESHOLD lines, as a
 * collapsible `::group::title` … `::endgroup::` (the log shows the title, one click opens it).
 * Short output stays visible as it is.
 */
export function writeLong(io: IO, title: string, text: string): void {
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (!inActions(io.env) || lines <= GROUP_THRESHOLD) {
    io.stdout.write(text);
    return;
  }
  io.stdout.write(`::group::${escapeData(title)}\n${text}${text.endsWith('\n') ? '' : '\n'}::endgroup::\n`);
}

/**
 * Appends Markdown to `$GITHUB_STEP_SUMMARY` inside Actions. Appends only (other steps'
 * summaries in the same file are kept), and never fails the command: a file that cannot be
 * written is a warning on stderr. Returns whether it was written.
 */
export function appendStepSummary(io: IO, markdown: string): boolean {
  const path = io.env.GITHUB_STEP_SUMMARY;
  if (!inActions(io.env) || !path) return false;
  try {
    appendFileSync(path, markdown.endsWith('\n') ? markdown + '\n' : markdown + '\n\n');
    return true;
  } catch (err) {
    io.stderr.write(`ops: warning: step summary: cannot append to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return false;
  }
}

/** A table cell: one line, pipes escaped, Markdown's inline specials left alone except `|`. */
export const mdCell = (v: unknown): string =>
  String(v ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|')
    .trim() || ' ';

/** Inline code, with a backtick fence longer than any run of backticks inside. */
export function mdCode(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** A GitHub-flavoured Markdown table; `right` marks right-aligned columns (numbers). */
export function mdTable(headers: string[], rows: unknown[][], right: number[] = []): string {
  const head = `| ${headers.map(mdCell).join(' | ')} |\n`;
  const rule = `|${headers.map((_, i) => (right.includes(i) ? ' ---: ' : ' --- ')).join('|')}|\n`;
  return head + rule + rows.map((r) => `| ${r.map(mdCell).join(' | ')} |\n`).join('');
}

/** A `### ops <command>` heading: each command's section in the job summary starts with one. */
export const mdHeading = (title: string) => `### ${title}\n\n`;

export const formatBytes = (n: number): string => {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
};

/**
 * For `ops runs sync` (issue 21 part 1, built elsewhere): its step summary, one row per
 * repository. Call `appendStepSummary(io, runsSyncSummary(rows))` after the sync (also with
 * --json; it is a no-op outside Actions).
 */
export interface RunsSyncSummaryRow {
  repo: string;
  runs: number;
  new: number;
  failed: number;
  queued: number;
  /** e.g. `complete`, `rate limited: resumes from page 12`. */
  note?: string;
}

export function runsSyncSummary(rows: RunsSyncSummaryRow[], opts: { since?: string } = {}): string {
  const total = (k: 'runs' | 'new' | 'failed' | 'queued') => rows.reduce((n, r) => n + r[k], 0);
  let md = mdHeading('ops runs sync');
  md += `${rows.length} repositor${rows.length === 1 ? 'y' : 'ies'}${opts.since ? `, since ${opts.since}` : ''}: ${total('runs')} runs, ${total('new')} new, ${total('failed')} failed, ${total('queued')} queued for retry\n\n`;
  md += mdTable(
    ['repository', 'runs', 'new', 'failed', 'queued for retry', 'note'],
    rows.map((r) => [r.repo, r.runs, r.new, r.failed, r.queued, r.note ?? '']),
    [1, 2, 3, 4],
  );
  return md;
}
