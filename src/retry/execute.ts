import { execa } from 'execa';
import { mapRunRecord } from '../runs/gh';
import { classify, type ClassifyResult } from './classify';
import type { View } from './lease';

/** Runs one external command (no shell, argument array, timeout): the edge where replay meets GitHub. */

export interface CommandResult {
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** The command could not be started at all (ENOENT, EACCES): nothing ran. */
  spawnError: string | null;
}

export interface RunOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
}

export async function runCommand(argv: readonly string[], opts: RunOptions): Promise<CommandResult> {
  const [file, ...args] = argv as [string, ...string[]];
  const r = await execa(file, args, {
    reject: false,
    timeout: opts.timeoutMs,
    // A hung gh gets SIGTERM at the timeout and SIGKILL 2 s later: replay must not hang with it.
    forceKillAfterDelay: 2000,
    env: opts.env,
    extendEnv: false,
    stdin: 'ignore',
    maxBuffer: 4_000_000,
    stripFinalNewline: true,
    // No exit hooks per call (they cost ~2 ms each): if ops dies mid-call, its gh finishes on its
    // own and the expired lease makes the next replayer look at the run before re-running it.
    cleanup: false,
  });
  const code = (r as { code?: string }).code;
  const spawnError = r.failed && r.exitCode === undefined && !r.timedOut && code ? `cannot run ${JSON.stringify(file)}: ${code === 'ENOENT' ? 'not found' : code}` : null;
  return {
    exitCode: r.exitCode ?? null,
    timedOut: r.timedOut,
    durationMs: r.durationMs,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    spawnError,
  };
}

/** What to keep of a command's output as its error: the end, where the reason is. */
export function errorExcerpt(r: CommandResult, max = 2000): string {
  const text = [r.stderr, r.stdout].filter((s) => s.trim()).join('\n').trim();
  return text.length > max ? '…' + text.slice(-max) : text;
}

/** Classifies a failed re-run: a timeout is transient whatever it printed. */
export function classifyResult(r: CommandResult, text: string, timeoutMs: number, nowMs: number): ClassifyResult {
  if (r.timedOut) {
    return {
      http_status: null,
      class: 'transient',
      cause: `timed out after ${Math.round(timeoutMs / 1000)} s`,
      retryable: true,
      risk: 'low',
      action: 'check https://www.githubstatus.com and the runner network; it is retried per policy (config.json ghTimeoutSeconds sets the limit)',
    };
  }
  return classify({ exitCode: r.exitCode, text, now: nowMs });
}

export const VIEW_FIELDS = 'databaseId,attempt,status,conclusion,workflowName,name,event,headBranch,headSha,url,createdAt,startedAt,updatedAt';

/** Turns `gh run view --json …` output into a run attempt, or says why it cannot. */
export function parseView(r: CommandResult, repository: string, mask: (s: string) => string, nowMs: number): View {
  if (r.spawnError || r.timedOut || r.exitCode !== 0) {
    const text = mask(errorExcerpt(r, 500));
    return { ok: false, error: r.spawnError ?? (r.timedOut ? 'timed out' : text || `exit code ${r.exitCode}`), classification: classifyResult(r, text, 0, nowMs) };
  }
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    return { ok: false, error: 'gh run view printed no JSON', classification: classify({ text: 'unrecognised output' }) };
  }
  const mapped = mapRunRecord(value, { repo: repository });
  if (!mapped.ok) return { ok: false, error: `gh run view: ${mapped.field}: ${mapped.problem}`, classification: classify({ text: mapped.problem }) };
  return { ok: true, run: mapped.run };
}
