import { annotate } from './actions-output';
import type { IO } from './io';

/**
 * A warning: `ops: warning: <text>` on stderr, and inside GitHub Actions also a `::warning`
 * annotation on stdout (unless stdout is one JSON document), so it shows on the run's page.
 */
export function warn(io: IO, text: string, opts: { json?: boolean; title?: string } = {}): void {
  annotate(io, 'warning', text, { title: opts.title ?? 'ops' }, opts.json);
  io.stderr.write(`ops: warning: ${text}\n`);
}
