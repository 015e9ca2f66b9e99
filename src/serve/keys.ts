import { createHash, randomBytes } from 'node:crypto';
import { appendAudit } from '../events/log';
import type { Ledger } from '../ledger/open';
import { prepared } from '../ledger/statements';
import { Exit, OpsError } from '../base/errors';

/**
 * API keys of `ops serve`. A key is `ops_` + 32 random bytes (base64url): printed once at
 * creation, stored only as its sha256 (a random 256-bit secret needs no slow hash: there is
 * nothing to guess). Lookups are by that hash, so a request costs one indexed read.
 */

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** viewer < operator < admin: each role may do what the ones before it may. */
export const roleRank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface ApiKey {
  id: number;
  name: string;
  role: Role;
  /** The first characters of the key, to tell keys apart in `ops serve keys list`. */
  prefix: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, name, role, prefix, created_at, created_by, revoked_at';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export const keyHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface Actor {
  name: string;
  role: string;
}

/** Makes a key; returns the secret (shown once) and its record. One audit event, no secret in it. */
export function createKey(db: Ledger, o: { name: string; role: Role; now: string; actor: Actor }): { secret: string; key: ApiKey } {
  if (!NAME.test(o.name)) throw new OpsError(Exit.usage, 'NAME', `expected letters, digits and . _ @ - (up to 64), got ${JSON.stringify(o.name)}`);
  const secret = `ops_${randomBytes(32).toString('base64url')}`;
  const key = db
    .transaction(() => {
      if (prepared(db, 'SELECT 1 FROM api_keys WHERE name = ? AND revoked_at IS NULL', true).get(o.name)) {
        throw new OpsError(Exit.usage, o.name, 'an active key has this name (revoke it first, or choose another name)');
      }
      const id = Number(
        prepared(db, 'INSERT INTO api_keys (name, role, key_sha256, prefix, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)').run(o.name, o.role, keyHash(secret), secret.slice(0, 10), o.now, o.actor.name)
          .lastInsertRowid,
      );
      appendAudit(db, { ts: o.now, actor: o.actor.name, role: o.actor.role, event: 'serve.key.create', target_id: o.name, payload: { name: o.name, role: o.role } });
      return prepared(db, `SELECT ${COLUMNS} FROM api_keys WHERE id = ?`).get(id) as ApiKey;
    })
    .immediate();
  return { secret, key };
}

/** Every key, newest first; revoked ones too (they say when). */
export function listKeys(db: Ledger): ApiKey[] {
  return prepared(db, `SELECT ${COLUMNS} FROM api_keys ORDER BY id DESC`).all() as ApiKey[];
}

/** Revokes the active key of that name; unknown → exit 2. */
export function revokeKey(db: Ledger, o: { name: string; now: string; actor: Actor }): ApiKey {
  return db
    .transaction(() => {
      const key = prepared(db, `SELECT ${COLUMNS} FROM api_keys WHERE name = ? AND revoked_at IS NULL`).get(o.name) as ApiKey | undefined;
      if (!key) throw new OpsError(Exit.usage, o.name, 'no active key has this name (ops serve keys list)');
      prepared(db, 'UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(o.now, key.id);
      appendAudit(db, { ts: o.now, actor: o.actor.name, role: o.actor.role, event: 'serve.key.revoke', target_id: o.name, payload: { name: o.name, role: key.role } });
      return { ...key, revoked_at: o.now };
    })
    .immediate();
}

/** The active key a bearer secret belongs to, or undefined. */
export function findKey(db: Ledger, secret: string): ApiKey | undefined {
  if (!secret.startsWith('ops_')) return undefined;
  return prepared(db, `SELECT ${COLUMNS} FROM api_keys WHERE key_sha256 = ? AND revoked_at IS NULL`).get(keyHash(secret)) as ApiKey | undefined;
}
