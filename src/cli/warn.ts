import type { IO } from './io';

/** Workflow-command data escaping (actions/toolkit): %, CR and LF. */
export const escapeAnnotation = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * A warning: `ops: warning: <text>` on stderr, and inside GitHub Actions also a `::warning`
 * annotation on stdout (unless stdout is one JSON document), so it shows on the run's page.
 */
export function warn(io: IO, text: string, opts: { json?: boolean; title?: string } = {}): void {
  if (io.env.GITHUB_ACTIONS === 'true' && !opts.json) io.stdout.write(`::warning title=${opts.title ?? 'ops'}::${escapeAnnotation(text)}\n`);
  io.stderr.write(`ops: warning: ${text}\n`);
}
