/**
 * Per-key rate limits: a token bucket per key (refills `perMinute` tokens a minute, holds
 * up to `burst`). In memory: one server process serves a workspace, and a restart forgiving
 * the buckets is harmless.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export function rateLimiter(limit: RateLimit, clock: () => number = () => performance.now()) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = limit.perMinute / 60_000;
  return {
    /** Takes one token for `key`: 0 when allowed, else the seconds until one is there (Retry-After). */
    take(key: string): number {
      const now = clock();
      const b = buckets.get(key) ?? { tokens: limit.burst, at: now };
      b.tokens = Math.min(limit.burst, b.tokens + (now - b.at) * perMs);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
  };
}
