import type Database from 'better-sqlite3';

/**
 * Prepared statements, kept per connection. Preparing costs more than running a small
 * statement (a replay step prepared ~20 and spent 1.4 ms on runWriter's alone), and a
 * replay or import runs the same few thousands of times.
 * Plucking statements are kept apart: `.pluck()` changes the statement object itself.
 */
const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function prepared<P extends unknown[] | {} = unknown[], R = unknown>(db: Database.Database, sql: string, pluck = false): Database.Statement<P, R> {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  const key = (pluck ? 'p:' : 's:') + sql;
  let s = m.get(key);
  if (!s) {
    s = db.prepare(sql);
    if (pluck) s.pluck();
    m.set(key, s);
  }
  return s as unknown as Database.Statement<P, R>;
}
