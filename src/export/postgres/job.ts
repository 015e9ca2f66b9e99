import type { Client } from 'pg';
import type { MainConfig } from '../../config/schemas';
import type { Ledger } from '../../ledger/open';
import { exportPostgresOnce, type PostgresExportResult } from './export';
import { parsePgUrl } from './url';

/**
 * The export as a job for a long-running process (`ops watch`, `ops serve`): null when
 * config.json has no export.postgres (nothing to do), otherwise one export pass. Throws an
 * OpsError with everything secret masked (a missing URL variable included, exit 2) for the
 * caller to log and retry later. Pass the same `client` between passes to keep one
 * connection (the caller ends it); without one, each pass connects and disconnects.
 */
export async function postgresExportJob(o: {
  db: Ledger;
  config: MainConfig;
  env: NodeJS.ProcessEnv;
  workspace: string;
  client?: Client;
  now?: () => string;
}): Promise<PostgresExportResult | null> {
  const cfg = o.config.export.postgres;
  if (!cfg) return null;
  const raw = o.env[cfg.urlEnv];
  if (!raw) {
    const { Exit, OpsError } = await import('../../base/errors');
    throw new OpsError(Exit.usage, 'export postgres', `no database URL: set ${cfg.urlEnv} (config.json export.postgres.urlEnv)`);
  }
  const { resolve } = await import('node:path');
  return exportPostgresOnce({
    db: o.db,
    target: parsePgUrl(raw, cfg.urlEnv),
    tls: { mode: cfg.ssl.mode, caFile: cfg.ssl.caFile && resolve(o.workspace, cfg.ssl.caFile) },
    schema: cfg.schema,
    workspaceId: cfg.workspaceId,
    label: o.workspace,
    batchRows: cfg.batchRows,
    now: o.now ?? (() => new Date().toISOString()),
    client: o.client,
  });
}
