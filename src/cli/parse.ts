import { usageError } from './errors';
import { parseIsoTime, toIso } from '../time/clock';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as 90s, 15m, 24h, 7d, 2w, in ms; null when the text is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

/** `--since`: an ISO-8601 time with zone, or a duration back from now (24h, 7d). */
export function parseSince(flag: string, text: string, now: number): string {
  const back = parseDuration(text);
  if (back !== null) return toIso(now - back);
  const ms = parseIsoTime(text);
  if (ms === null) throw usageError(flag, `expected an ISO-8601 time with zone (2025-11-14T00:00:00Z) or a duration (24h, 7d), got ${JSON.stringify(text)}`);
  return toIso(ms);
}

let rawArgv: string[] = [];

/** The invocation's words, so a message can quote what the user typed (runCli sets it). */
export function rememberArgv(argv: string[]): void {
  rawArgv = argv;
}

/** What followed `flag` on the command line (`--limit abc`, `--limit=abc`), the last one given. */
export function typedValue(flag: string): string | undefined {
  let found: string | undefined;
  rawArgv.forEach((token, i) => {
    if (token === flag && i + 1 < rawArgv.length) found = rawArgv[i + 1];
    else if (token.startsWith(flag + '=')) found = token.slice(flag.length + 1);
  });
  return found;
}

export function positiveInt(flag: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    // A number option yargs could not read is NaN: quote the words, not `null`.
    const shown = typeof value === 'number' && Number.isNaN(value) ? (typedValue(flag) ?? '') : value;
    throw usageError(flag, `must be an integer from 1 to ${max}, got ${JSON.stringify(shown)}`);
  }
  return n;
}

/** `--reason` is what the next on-call reads at 3 a.m.: required, and not blank. */
export function requireReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (!text) throw usageError('--reason', 'required and not blank: say why (it is recorded in the audit log and shown by ops guard)');
  return text;
}

/**
 * A reason as it is recorded (ledger row, audit payload, log line, ticket): with any secret
 * pasted into it masked by the sanitizer's rules and the environment's secret values.
 */
export async function maskedReason(text: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { maskFreeText } = await import('../events/payload');
  return maskFreeText(text, env);
}
