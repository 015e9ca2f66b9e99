/** Exit codes of SPEC §10.2: CI scripts branch on them, so they never change meaning. */
export const Exit = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  check: 4,
  busy: 5,
  interrupted: 130,
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

/**
 * An error the user is meant to read: printed as one line, `ops: <subject>: <message>`,
 * and mapped to its exit code. Anything else that escapes a command is a bug (exit 1).
 */
export class OpsError extends Error {
  constructor(
    readonly code: ExitCode,
    readonly subject: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpsError';
  }
}

/** An error as one line for a person: an OpsError's subject (file, flag) first, as the CLI prints it. */
export function errorText(err: unknown): string {
  if (err instanceof OpsError) return `${err.subject}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export const usageError = (subject: string, message: string) => new OpsError(Exit.usage, subject, message);

/** better-sqlite3 reports a held write lock as SQLITE_BUSY once busy_timeout has run out. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}
