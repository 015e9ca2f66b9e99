/**
 * What a notification says, decided from the audit event that caused it (pure). One table
 * of the events worth telling someone about; every other event notifies nobody.
 */

export type Severity = 'info' | 'warning' | 'critical';

export interface Message {
  severity: Severity;
  title: string;
  text: string;
  /** Label and value pairs, in order: Slack fields, webhook JSON, issue body lines. */
  fields: [string, string][];
}

/** The run an event is about, when it names one. */
export interface RunFacts {
  workflow: string;
  repository: string;
  url: string | null;
}

export interface EventFacts {
  event: string;
  actor: string;
  run_id: string | null;
  target_id: string | null;
  payload: unknown;
  run: RunFacts | null;
}

type Builder = (e: EventFacts, p: Record<string, any>) => Message;

const scopeName = (scope: unknown) => (scope === '*' || scope == null ? 'all workflows' : String(scope));
const runName = (e: EventFacts) => (e.run ? `${e.run.workflow} run ${e.run_id}` : `run ${e.run_id}`);
const runFields = (e: EventFacts): [string, string][] => (e.run ? [['repository', e.run.repository], ...(e.run.url ? [['run', e.run.url] as [string, string]] : [])] : []);
const minutes = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

const builders: Record<string, Builder> = {
  'killswitch.engage': (e, p) => ({
    severity: 'critical',
    title: `Killswitch ENGAGED: ${scopeName(p.scope)}`,
    text: `${e.actor} stopped ${scopeName(p.scope)}: ${p.reason}`,
    fields: [['scope', String(p.scope)], ['by', e.actor], ['reason', String(p.reason)], ...(p.expires_at ? [['expires', String(p.expires_at)] as [string, string]] : [])],
  }),
  'killswitch.release': (e, p) => ({
    severity: 'info',
    title: `Killswitch released: ${scopeName(p.scope)}`,
    text: `${e.actor} released ${scopeName(p.scope)}: ${p.reason}`,
    fields: [['scope', String(p.scope)], ['by', e.actor], ['reason', String(p.reason)]],
  }),
  'killswitch.expire': (_e, p) => ({
    severity: 'info',
    title: `Killswitch expired: ${scopeName(p.scope)}`,
    text: `The engagement for ${scopeName(p.scope)} lapsed at ${p.expires_at}.`,
    fields: [['scope', String(p.scope)]],
  }),
  'retry.failed': (e, p) => ({
    severity: 'critical',
    title: `Retries exhausted: ${runName(e)}`,
    text: `${p.class ?? 'unknown'}${p.http_status ? ` (HTTP ${p.http_status})` : ''}: ${p.why ?? p.cause ?? 'gave up'}`,
    fields: [['class', String(p.class ?? 'unknown')], ['attempts', String(p.attempts ?? '?')], ...(p.cause ? [['cause', String(p.cause)] as [string, string]] : []), ...runFields(e)],
  }),
  'retry.recovered': (e, p) => ({
    severity: 'info',
    title: `Recovered: ${runName(e)}`,
    text: `Succeeded after ${p.attempts} retr${p.attempts === 1 ? 'y' : 'ies'}${typeof p.recovery_ms === 'number' ? `, ${minutes(p.recovery_ms)} after the failure` : ''}.`,
    fields: [['attempts', String(p.attempts)], ...runFields(e)],
  }),
  'rollback.complete': rollback('warning', 'completed', 'the tracked files are back to the snapshot'),
  'rollback.compensated': rollback('critical', 'failed and was undone', 'every step that ran was compensated'),
  'rollback.failed': rollback('critical', 'FAILED', 'the tree may be half-restored: see ops audit list and the ticket'),
  'alert.open': (_e, p) => ({
    severity: p.severity,
    title: `Alert: ${p.summary}`,
    text: [p.summary, p.action_text].filter(Boolean).join('\n'),
    fields: [['rule', String(p.rule)], ['subject', String(p.subject)], ['action', String(p.action)]],
  }),
  'alert.resolve': (_e, p) => ({
    severity: 'info',
    title: `Resolved: ${p.summary}`,
    text: `The condition no longer holds (open since ${p.opened_at}).`,
    fields: [['rule', String(p.rule)], ['subject', String(p.subject)]],
  }),
  'watch.job_failing': (_e, p) => ({
    severity: 'warning',
    title: `ops watch: ${p.job} failing (${p.failures} runs in a row)`,
    text: `The ${p.job} job of ops watch failed ${p.failures} times in a row: ${p.error}`,
    fields: [['job', String(p.job)], ['failures', String(p.failures)], ['next run', String(p.next_run_at ?? '-')], ['watcher', String(p.owner ?? '-')]],
  }),
  'watch.job_recovered': (_e, p) => ({
    severity: 'info',
    title: `ops watch: ${p.job} recovered`,
    text: `The ${p.job} job of ops watch succeeded again after ${p.failures} failed runs.`,
    fields: [['job', String(p.job)]],
  }),
};

function rollback(severity: Severity, how: string, detail: string): Builder {
  return (e, p) => ({
    severity,
    title: `Rollback #${p.id} ${how}`,
    text: `${e.actor}'s rollback ${how}: ${p.error ?? detail}`,
    fields: [['by', e.actor], ['steps', (p.steps as [string, string][] | undefined)?.map(([n, s]) => `${n} ${s}`).join(', ') ?? '']],
  });
}

export const notifiableEvents = Object.keys(builders);

/** The message for an event, or null when the event notifies nobody. */
export function messageFor(e: EventFacts): Message | null {
  const build = builders[e.event];
  return build ? build(e, (e.payload ?? {}) as Record<string, any>) : null;
}
