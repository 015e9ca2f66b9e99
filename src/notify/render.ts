import type { Notification } from './outbox';

/** A notification in each channel's format (pure). */

const SLACK_FIELDS = 10; // Block Kit's limit per section
const mark = { critical: ':rotating_light:', warning: ':warning:', info: ':information_source:' } as const;

/** Slack incoming webhook: Block Kit, with `text` as the fallback for notifications and old clients. */
export function slackMessage(n: Notification): object {
  const title = `${n.severity.toUpperCase()}: ${n.title}`;
  return {
    text: title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${mark[n.severity]} ${n.title}`.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(n.text).slice(0, 3000) } },
      ...(n.fields.length ? [{ type: 'section', fields: n.fields.slice(0, SLACK_FIELDS).map(([k, v]) => ({ type: 'mrkdwn', text: `*${slackEscape(k)}*\n${slackEscape(v)}`.slice(0, 2000) })) }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `ops · ${n.event} · ${n.severity} · audit #${n.audit_seq} · ${n.created_at}` }] },
    ],
  };
}

/** Slack treats &, < and > as markup. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The generic webhook's JSON: stable across attempts, so a receiver can dedupe on idempotency_key. */
export function webhookBody(n: Notification, channel: string): object {
  return {
    id: n.id,
    idempotency_key: `notify:${n.id}:${channel}`,
    event: n.event,
    severity: n.severity,
    title: n.title,
    text: n.text,
    fields: Object.fromEntries(n.fields),
    audit_seq: n.audit_seq,
    created_at: n.created_at,
  };
}

export function githubIssue(n: Notification): { title: string; body: string } {
  const rows = n.fields.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  return {
    title: `[ops] ${n.title}`,
    body: [
      `**${n.severity.toUpperCase()}**: ${n.text}`,
      '',
      ...(rows.length ? ['| | |', '|---|---|', ...rows, ''] : []),
      `_ops notification ${n.id}: ${n.event}, audit event #${n.audit_seq}, ${n.created_at}_`,
    ].join('\n'),
  };
}

/** One line of logs/notification_log_YYYYMMDD.log. */
export function logLine(n: Notification): string {
  const fields = n.fields.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${n.created_at} ${n.severity.toUpperCase()} ${n.event} #${n.id} ${n.title.replace(/\n/g, ' ')}${fields ? ` ${fields}` : ''}`;
}
