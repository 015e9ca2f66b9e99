/** Killswitch state (SPEC §1.3), as pure functions over engagement rows. */

/** The scope of an engagement that stops every workflow. */
export const GLOBAL = '*';

export interface Engagement {
  id: number;
  scope: string;
  reason: string;
  actor: string;
  engaged_at: string;
  expires_at: string | null;
  released_at: string | null;
  released_by: string | null;
  release_reason: string | null;
  release_kind: 'manual' | 'expired' | null;
}

/** An engagement whose expiry has passed counts as released, whether or not that was recorded yet. */
export const isActive = (e: Engagement, now: string) =>
  // Compared as instants: ISO text with and without milliseconds does not sort as time does.
  e.released_at === null && (e.expires_at === null || Date.parse(e.expires_at) > Date.parse(now));

/**
 * Workflow names compare case-insensitively (`deploy` is `Deploy`): a scope typed in another
 * case must still stop the workflow. ASCII folding, as SQLite's NOCASE does, so the SQL
 * filters and this agree.
 */
const fold = (s: string) => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
export const sameWorkflow = (a: string, b: string) => a === b || fold(a) === fold(b);

/** What stops `workflow` now: the global engagement first, else the workflow's own. */
export function covering(engagements: readonly Engagement[], workflow: string | undefined, now: string): Engagement | undefined {
  const active = engagements.filter((e) => isActive(e, now));
  return active.find((e) => e.scope === GLOBAL) ?? (workflow === undefined ? undefined : active.find((e) => e.scope !== GLOBAL && sameWorkflow(e.scope, workflow)));
}

export const scopeLabel = (scope: string) => (scope === GLOBAL ? 'all workflows' : `workflow ${JSON.stringify(scope)}`);

/** One line for an on-call: what is stopped, by whom, since when, why. */
export function describeEngagement(e: Engagement): string {
  const expiry = e.expires_at ? `, expires ${e.expires_at}` : '';
  return `killswitch engaged for ${scopeLabel(e.scope)} by ${e.actor} since ${e.engaged_at}${expiry}: ${e.reason}`;
}

/** SPEC §10.4 `killswitch status`: `{engaged, scope, reason, actor, since, expires_at}`; scope null = global. */
export function statusJson(e: Engagement | undefined, askedScope: string) {
  return {
    engaged: e !== undefined,
    scope: (e?.scope ?? askedScope) === GLOBAL ? null : (e?.scope ?? askedScope),
    reason: e?.reason ?? null,
    actor: e?.actor ?? null,
    since: e?.engaged_at ?? null,
    expires_at: e?.expires_at ?? null,
  };
}
