import type { MainConfig } from '../config/schemas';
import type { Ledger } from '../ledger/open';
import { listSagas } from '../saga/runner';
import { zonedDayBounds } from '../time/zone';
import { mdTable } from './markdown';

export interface RollbackRecord {
  at: string;
  snapshot: string;
  actor: string;
  reason: string;
  outcome: string;
}

/**
 * ROLLBACK_PROTOCOL.md (SPEC §6): the procedure as this workspace is configured to run it,
 * and the rollbacks of the date. Pure.
 */
export function rollbackProtocolMarkdown(date: string, rollback: MainConfig['rollback'], history: readonly RollbackRecord[]): string {
  const cmd = (argv: readonly string[]) => '`' + argv.join(' ') + '`';
  let md = `# Rollback protocol: ${date}\n\n`;
  md += `## Procedure\n\n`;
  md += `A rollback restores a snapshot (\`ops snapshot create\`) as one saga: each step has a compensation, steps run in order, and a failed step undoes the ones before it in reverse. It is allowed while the killswitch is engaged.\n\n`;
  md += `1. **Stop the affected workflows**: ${cmd(rollback.disableCommand)} (compensation: ${cmd(rollback.enableCommand)}).\n`;
  md += `2. **Remove secrets**: ${rollback.removeSecrets ? 'on' : 'off in this workspace (config.json rollback.removeSecrets)'}.\n`;
  md += `3. **Restore the snapshot's files** atomically: ${rollback.trackedPaths.map((p) => '`' + p + '`').join(', ')} and the ops config files (compensation: put back what was there).\n`;
  md += `4. **Verify**: every restored file's sha256 matches the snapshot, and the workflows are stopped.\n`;
  md += `5. **Record** the rollback in the ledger and the audit log, and notify.\n\n`;
  md += `Triggers: consecutive failures of a workflow (detection rules), a serious error (secret exposure, data corruption), or an operator: \`ops rollback --to SNAPSHOT_ID --reason "…"\` (\`--dry-run\` first).\n\n`;
  md += `## Rollbacks on this date\n\n`;
  md += history.length ? mdTable(['at (UTC)', 'snapshot', 'actor', 'reason', 'outcome'], history.map((h) => [h.at, h.snapshot, h.actor, h.reason, h.outcome])) : 'None.\n';
  return md;
}

/** The rollbacks started on a date, oldest first, as the protocol lists them. */
export function rollbacksOf(db: Ledger, date: string, timeZone: string): RollbackRecord[] {
  const [from, to] = zonedDayBounds(date, timeZone);
  return listSagas(db, 'rollback')
    .filter((s) => s.started_at >= from && s.started_at < to)
    .map((s) => ({ at: s.started_at, snapshot: `#${s.subject}`, actor: s.actor, reason: s.reason, outcome: s.error ? `${s.state}: ${s.error}` : s.state }));
}
