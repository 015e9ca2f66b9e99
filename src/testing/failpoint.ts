/**
 * Crash points for the tests that prove atomicity: with OPS_FAILPOINT=<name> the process
 * SIGKILLs itself where the code names that point, as a power cut or `kill -9` would, with
 * no chance to run a finally or roll back by hand. Nothing else happens when it is unset.
 */
export function failpoint(name: string): void {
  if (process.env.OPS_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
