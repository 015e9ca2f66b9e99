import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The generic webhook's signature (SPEC §1.7): `sha256=` and the hex HMAC-SHA256 of
 * `<timestamp>.<body>`. Signing the timestamp with the body lets a receiver refuse replays
 * of an old delivery (check X-Ops-Timestamp is recent), as Slack's and Stripe's do.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** What a receiver runs: constant-time comparison of the header with the expected value. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
