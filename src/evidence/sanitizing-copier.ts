import { loadRules, sanitizeFileTo, type MaskRulesConfig } from '../sanitize';
import type { SanitizingCopier } from '../actions/collect';

/** Collect's copier: every byte goes through the sanitizer before it reaches the evidence folder. */
export function sanitizingCopier(config: MaskRulesConfig, env: NodeJS.ProcessEnv): SanitizingCopier {
  const rules = loadRules(config, env);
  return {
    async copy(src, dest) {
      const r = await sanitizeFileTo(src, dest, rules);
      return { bytes: r.bytes, sha256: r.sha256, masked: r.masked, notScanned: r.skipped ?? null };
    },
  };
}
