import type { Client } from 'pg';
import { Exit, OpsError } from '../../base/errors';
import { latestPgVersion, migrationLockSql, migrationsTableSql, pgMigrations } from './schema';

/**
 * Brings the ops schema in Postgres up to date: every pending migration in one transaction,
 * under a transaction-level advisory lock (two exporters starting at once: one migrates, the
 * other waits, then finds nothing to do). The common case, an up-to-date schema, is one read
 * and takes no lock. Returns the versions applied.
 */
export async function ensureSchema(client: Client, schema: string): Promise<number[]> {
  const current = await schemaVersion(client, schema);
  if (current === latestPgVersion) return [];
  if (current > latestPgVersion) throw newer(schema, current);
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query(migrationLockSql(schema));
    await client.query(migrationsTableSql(schema));
    const from = Number((await client.query(`SELECT COALESCE(max(version), 0) AS v FROM "${schema}".schema_migrations`)).rows[0].v);
    if (from > latestPgVersion) throw newer(schema, from);
    for (const m of pgMigrations) {
      if (m.version <= from) continue;
      await client.query(m.sql(schema));
      await client.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return applied;
}

/** The schema's version; 0 when it (or its migrations table) does not exist yet. */
export async function schemaVersion(client: Client, schema: string): Promise<number> {
  // One round trip: the table is there but on a first export.
  try {
    return Number((await client.query(`SELECT COALESCE(max(version), 0) AS v FROM "${schema}".schema_migrations`)).rows[0].v);
  } catch (err) {
    // No such table (42P01) or schema (3F000).
    if (['42P01', '3F000'].includes((err as { code?: string }).code ?? '')) return 0;
    throw err;
  }
}

const newer = (schema: string, v: number) => new OpsError(Exit.failed, `postgres schema ${schema}`, `at migration ${v}, newer than this ops knows (${latestPgVersion}): upgrade ops`);
