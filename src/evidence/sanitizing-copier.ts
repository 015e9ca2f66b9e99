import { loadRules, sanitizeFileTo, type MaskRulesConfig } from '../sanitize';
import type { SanitizingCopier } from '../actions/collect';

/** Collect's copier: every byte goes through the sanitizer before it reaches the evidence folder. */
export function sanitizingCopier(config: MaskRulesConfig, env: NodeJS.ProcessEnv): SanitizingCopier {
  const rules = loadRules(config, env);
  // Allow-listed paths (mask-rules.json allow.paths): no rule runs there; secret-named env values are still masked.
  const envOnly = rules.allowPaths.length ? loadRules({ builtinRules: false, maskStyle: config.maskStyle }, env) : rules;
  return {
    async copy(src, dest) {
      const allowed = rules.allowPaths.length > 0 && rules.allowPaths.some((re) => re.test(src.split('\\').join('/')));
      const r = await sanitizeFileTo(src, dest, allowed ? envOnly : rules);
      return { bytes: r.bytes, sha256: r.sha256, masked: r.masked, notScanned: r.skipped ?? null };
    },
  };
}
