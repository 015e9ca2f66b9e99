import type { Context } from './context';
import type { CollectResult } from '../actions/collect';
import { annotate, appendStepSummary } from './actions-output';
import { collectSummary } from './step-summaries';
import { secretAnnotations } from './secret-annotations';

/**
 * `ops evidence collect` inside GitHub Actions: a `::warning` per masked secret (rule,
 * source file, line), an `::error` per file that could not be collected, and the job
 * summary's table. Annotations only without --json; the summary always.
 */
export async function collectActionsOutput(ctx: Context, result: CollectResult, o: { sourceRoot: string; workflow?: string; repository?: string }): Promise<void> {
  const base = ctx.io.env.GITHUB_WORKSPACE || ctx.workspace;
  if (!ctx.json) {
    ctx.io.stdout.write(await secretAnnotations({ files: result.files, sourceRoot: o.sourceRoot, base, rules: await ctx.config('mask-rules.json'), env: ctx.io.env }));
    for (const f of result.files) {
      if (f.status !== 'collected') annotate(ctx.io, 'error', `${f.name}: ${f.error}`, { title: 'ops evidence collect' });
    }
  }
  appendStepSummary(ctx.io, collectSummary(result, { workspace: ctx.workspace, workflow: o.workflow, repository: o.repository }));
}
