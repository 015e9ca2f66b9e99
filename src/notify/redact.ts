import type { Channel, ConfigOf } from '../config/schemas';
import { loadRules, maskText } from '../sanitize';

/**
 * Webhook URLs and signing secrets are credentials: a Slack incoming-webhook URL lets anyone
 * post to the channel. They never reach the ledger, a log or the terminal in full.
 */

/** Scheme, host and port, the path hidden: enough to tell endpoints apart. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}

/** Where a channel sends, safe to print. */
export function describeTarget(c: Channel, env: NodeJS.ProcessEnv): string {
  if (c.type === 'log') return 'logs/notification_log_YYYYMMDD.log';
  if (c.type === 'github_issue') return `gh issue create${c.repo ? ` --repo ${c.repo}` : ''}`;
  const url = c.url ?? (c.urlEnv ? env[c.urlEnv] : undefined);
  return `${url ? maskUrl(url) : '(unset)'}${c.urlEnv ? ` from $${c.urlEnv}` : ''}`;
}

/**
 * Masks what an attempt recorded (an error message, a response body): the channels' URLs and
 * secrets literally, then the mask rules (a server echoing a token back).
 */
export function redactor(channels: readonly Channel[], env: NodeJS.ProcessEnv, maskRules: ConfigOf<'mask-rules.json'>): (text: string) => string {
  const literals: [string, string][] = [];
  for (const c of channels) {
    const url = c.url ?? (c.urlEnv ? env[c.urlEnv] : undefined);
    if (url) literals.push([url, maskUrl(url)]);
    const secret = c.secretEnv ? env[c.secretEnv] : undefined;
    if (secret) literals.push([secret, `[MASKED:${c.secretEnv}]`]);
  }
  // Longest first: a URL containing another's text is replaced whole.
  literals.sort((a, b) => b[0].length - a[0].length);
  let rules: ReturnType<typeof loadRules> | undefined;
  return (text) => {
    for (const [value, masked] of literals) text = text.split(value).join(masked);
    rules ??= loadRules(maskRules, env);
    return maskText(rules, text).text;
  };
}
