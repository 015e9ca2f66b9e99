import type { Run } from './types';

/**
 * Fields that describe a run rather than its state. A source that does not know them
 * (gh run list has no actor or job) must not erase what another source recorded
 * (evidence collect inside CI knows both).
 */
const descriptive = ['job', 'event', 'branch', 'head_sha', 'actor', 'url', 'classification'] as const;

/** The attempt as it should be stored after `incoming` is applied over `existing`. */
export function mergeAttempt(existing: Run | undefined, incoming: Run): Run {
  if (!existing) return incoming;
  const merged: Run = { ...incoming };
  for (const key of descriptive) {
    if (merged[key] === null && existing[key] !== null) (merged as unknown as Record<string, unknown>)[key] = existing[key];
  }
  return merged;
}
