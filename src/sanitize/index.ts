/**
 * The sanitizer (SPEC §3.3). For `ops evidence collect`:
 *
 *   const rules = loadRules(await ctx.config('mask-rules.json'), ctx.io.env);
 *   const r = await sanitizeFileTo(src, destTmp, rules); // {bytes, sha256, masked, skipped?}
 */
export { loadRules, scan, maskText, ENV_RULE, type RuleSet, type MaskRulesConfig, type Span, type ScanDetail } from './scanner';
export { Masker, SanitizeVerifyError, type Finding } from './stream';
export { sanitizeFileTo, sanitizeInPlace, walkPaths, sniff, PathError, type SanitizedCopy, type FileResult, type SkipReason } from './sanitize-files';
export { builtinRules, builtinRuleIds, type RuleDef } from './rules';
export { judgeValue, keyIsSecret, entropy } from './judge';
