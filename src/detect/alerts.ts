import { appendAudit } from '../events/log';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import type { Severity } from '../notify/message';
import type { Action, Finding } from './rules';

/**
 * Alerts are findings kept over time: one open alert per (rule, subject) while its
 * condition holds, however often detection runs; resolved when it no longer does. Opening
 * and resolving are audit events, so each notifies (src/notify) in the same transaction.
 */

export interface Alert {
  id: number;
  rule: string;
  subject: string;
  state: 'open' | 'resolved';
  severity: Severity;
  summary: string;
  facts: Record<string, unknown>;
  action: Action;
  action_result: string | null;
  opened_at: string;
  last_seen_at: string;
  resolved_at: string | null;
}

export const DETECT_ACTOR = { name: 'ops-detect', role: 'system' } as const;

type Row = Omit<Alert, 'facts'> & { facts: string };
const toAlert = (r: Row): Alert => ({ ...r, facts: JSON.parse(r.facts) });

export interface Reconciled {
  opened: (Alert & { scope: string })[];
  /** Open before and still holding: refreshed, not raised again. */
  held: Alert[];
  resolved: Alert[];
}

/**
 * Brings the alerts in line with what holds now, in one IMMEDIATE transaction (two
 * detectors at once cannot both open the same alert). `actionText` says, for the
 * notification, what will be done about a new alert.
 */
export function reconcile(db: Ledger, findings: readonly Finding[], now: string, actionText: (f: Finding) => string | null): Reconciled {
  return db
    .transaction((): Reconciled => {
      const open = new Map((prepared(db, `SELECT * FROM alerts WHERE state = 'open'`).all() as Row[]).map((r) => [`${r.rule}\0${r.subject}`, toAlert(r)]));
      const out: Reconciled = { opened: [], held: [], resolved: [] };
      for (const f of findings) {
        const key = `${f.rule}\0${f.subject}`;
        const existing = open.get(key);
        if (existing) {
          open.delete(key);
          // Written only when the figures changed: evaluating an unchanged ledger writes nothing.
          const facts = JSON.stringify(f.facts);
          if (f.summary === existing.summary && facts === JSON.stringify(existing.facts)) {
            out.held.push(existing);
            continue;
          }
          prepared(db, 'UPDATE alerts SET last_seen_at = ?, summary = ?, facts = ? WHERE id = ?').run(now, f.summary, facts, existing.id);
          out.held.push({ ...existing, summary: f.summary, facts: f.facts, last_seen_at: now });
          continue;
        }
        const text = actionText(f);
        const audit = appendAudit(db, {
          ts: now,
          actor: DETECT_ACTOR.name,
          role: DETECT_ACTOR.role,
          event: 'alert.open',
          target_id: `${f.rule}:${f.subject}`,
          payload: { rule: f.rule, subject: f.subject, severity: f.severity, summary: f.summary, action: f.action, action_text: text, facts: f.facts },
        });
        const id = Number(
          prepared(db, 
            `INSERT INTO alerts (rule, subject, state, severity, summary, facts, action, action_result, opened_at, last_seen_at, open_audit)
             VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(f.rule, f.subject, f.severity, f.summary, JSON.stringify(f.facts), f.action, f.action === 'alert' ? null : text, now, now, audit.seq).lastInsertRowid,
        );
        out.opened.push({ ...getAlert(db, id)!, scope: f.scope });
      }
      for (const a of open.values()) {
        appendAudit(db, {
          ts: now,
          actor: DETECT_ACTOR.name,
          role: DETECT_ACTOR.role,
          event: 'alert.resolve',
          target_id: `${a.rule}:${a.subject}`,
          payload: { id: a.id, rule: a.rule, subject: a.subject, summary: a.summary, opened_at: a.opened_at },
        });
        prepared(db, `UPDATE alerts SET state = 'resolved', resolved_at = ? WHERE id = ?`).run(now, a.id);
        out.resolved.push({ ...a, state: 'resolved', resolved_at: now });
      }
      return out;
    })
    .immediate();
}

export function getAlert(db: Ledger, id: number): Alert | null {
  const r = prepared(db, 'SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
  return r ? toAlert(r) : null;
}

/** What was done about an open alert, with its `alert.action` event (the detection log's ACTION line). */
export function setActionResult(db: Ledger, a: Pick<Alert, 'id' | 'rule' | 'subject'>, result: string, now: string): void {
  db.transaction(() => {
    appendAudit(db, {
      ts: now,
      actor: DETECT_ACTOR.name,
      role: DETECT_ACTOR.role,
      event: 'alert.action',
      target_id: `${a.rule}:${a.subject}`,
      payload: { id: a.id, rule: a.rule, subject: a.subject, result },
    });
    prepared(db, 'UPDATE alerts SET action_result = ? WHERE id = ?').run(result, a.id);
  }).immediate();
}

/** Open alerts, most severe first, then newest: `ops status`, the console. */
export function openAlerts(db: Ledger): Alert[] {
  return (prepared(db, `SELECT * FROM alerts WHERE state = 'open' ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, opened_at DESC, id DESC`).all() as Row[]).map(toAlert);
}

/** The open alerts, then the latest resolved ones: `limit` in all (the console's panel). */
export function alertsForReview(db: Ledger, limit: number): Alert[] {
  const open = openAlerts(db).slice(0, limit);
  const resolved = prepared(db, `SELECT * FROM alerts WHERE state = 'resolved' ORDER BY resolved_at DESC, id DESC LIMIT ?`).all(limit - open.length) as Row[];
  return [...open, ...resolved.map(toAlert)];
}

/** Every alert, newest first. */
export function listAlerts(db: Ledger, limit: number): Alert[] {
  return (prepared(db, 'SELECT * FROM alerts ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toAlert);
}
