import type { Context } from '../cli/context';

/** Masks secrets (mask-rules.json, and the values of secret-looking environment variables) in recorded command output. */
export async function commandOutputMasker(ctx: Context): Promise<(text: string) => string> {
  const { loadRules, maskText } = await import('../sanitize/index');
  const rules = loadRules(await ctx.config('mask-rules.json'), ctx.io.env);
  return (text) => (text ? maskText(rules, text).text : text);
}
