/**
 * Crash points for the tests that prove atomicity: with OPS_FAILPOINT=<name> the process
 * SIGKILLs itself where the code names that point, as a power cut or `kill -9` would, with
 * no chance to run a finally or roll back by hand. Nothing else happens when it is unset.
 *
 * OPS_FAILPOINT may name several points, comma-separated: the first one reached kills.
 * A name ending in `@N` kills on the Nth time that point is reached (`consumer.tickets.before@2`).
 */
const hits = new Map<string, number>();

export function failpoint(name: string): void {
  const spec = process.env.OPS_FAILPOINT;
  if (!spec) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  for (const p of spec.split(',')) {
    const [point, nth] = p.trim().split('@');
    if (point === name && (nth === undefined || Number(nth) === n)) process.kill(process.pid, 'SIGKILL');
  }
}
