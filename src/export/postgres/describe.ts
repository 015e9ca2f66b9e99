import type { PostgresExportResult } from './export';

const tableNames: Record<string, string> = {
  runs: 'run attempts',
  audit_events: 'events',
  retry_entries: 'retry entries',
  retry_attempts: 'retry attempts',
  killswitch_log: 'killswitch engagements',
  alerts: 'alerts',
  notification_deliveries: 'deliveries',
};

/** One line for a person: where, which workspace, what was written. */
export function describeExport(r: PostgresExportResult): string {
  const parts = Object.entries(r.rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n.toLocaleString('en-US')} ${tableNames[t] ?? t}`);
  const where = `${r.target} schema ${r.schema}, workspace ${r.workspace_id}`;
  const migrated = r.migrated.length ? `; schema migrated to ${r.migrated.at(-1)}` : '';
  const secs = (r.ms / 1000).toFixed(1);
  if (!parts.length) return `${where}: up to date (event ${r.cursor.events_seq})${migrated}, ${secs} s`;
  return `${where}: ${parts.join(', ')} written (${r.batches} batch${r.batches === 1 ? '' : 'es'}, event ${r.cursor.events_seq})${migrated}, ${secs} s`;
}
