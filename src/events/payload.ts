import { loadRules, maskText, type RuleSet } from '../sanitize';

/**
 * Nothing secret enters the event log: every string of a payload (a killswitch or rollback
 * reason, an error text, a file name) goes through the sanitizer's built-in rules and the
 * values of secret-looking environment variables before it is hashed and stored.
 */
let cached: { env: NodeJS.ProcessEnv; rules: RuleSet } | undefined;

function rulesFor(env: NodeJS.ProcessEnv): RuleSet {
  if (cached?.env !== env) cached = { env, rules: loadRules({}, env) };
  return cached.rules;
}

/** A masked copy of a free text (a reason typed at a terminal). */
export function maskFreeText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return maskText(rulesFor(env), text).text;
}

/** A masked copy of a payload: every string in it, keys left as they are. */
export function maskPayload(value: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') return value.length >= 8 ? maskFreeText(value, env) : value;
  if (Array.isArray(value)) return value.map((v) => maskPayload(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPayload(v, env)]));
  return value;
}
