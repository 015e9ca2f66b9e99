import type { Ledger } from '../ledger/open';
import { isoSeconds as toIso } from './clock';

/**
 * One watcher per workspace: the row `watch_lease` names it (owner host:pid, since when) and
 * carries its heartbeat. A lease whose heartbeat is older than lease_seconds belongs to a
 * watcher that died without releasing it (kill -9, a crashed host): anyone may take it.
 */

export interface WatchLease {
  owner: string;
  started_at: string;
  heartbeat_at: string;
  lease_seconds: number;
  released_at: string | null;
}

const NAME = 'watch';

export function currentLease(db: Ledger): WatchLease | undefined {
  return db.prepare('SELECT owner, started_at, heartbeat_at, lease_seconds, released_at FROM watch_lease WHERE name = ?').get(NAME) as WatchLease | undefined;
}

/** Held by a live watcher at `nowMs`: not released, heartbeat within the lease time. */
export const isLive = (l: WatchLease | undefined, nowMs: number): l is WatchLease =>
  l !== undefined && l.released_at === null && nowMs - Date.parse(l.heartbeat_at) <= l.lease_seconds * 1000;

export type Acquired = { ok: true; tookOverFrom: WatchLease | null } | { ok: false; holder: WatchLease };

/** Takes the lease unless another live watcher holds it. One IMMEDIATE transaction: two starting watchers cannot both win. */
export function acquireLease(db: Ledger, owner: string, nowMs: number, leaseSeconds: number): Acquired {
  return db
    .transaction((): Acquired => {
      const l = currentLease(db);
      if (l && l.owner !== owner && isLive(l, nowMs)) return { ok: false, holder: l };
      const now = toIso(nowMs);
      db.prepare(
        `INSERT INTO watch_lease (name, owner, started_at, heartbeat_at, lease_seconds, released_at) VALUES (?, ?, ?, ?, ?, NULL)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
           lease_seconds = excluded.lease_seconds, released_at = NULL`,
      ).run(NAME, owner, now, now, leaseSeconds);
      return { ok: true, tookOverFrom: l && l.released_at === null && l.owner !== owner ? l : null };
    })
    .immediate();
}

/** Renews the heartbeat; false when the lease is no longer ours (taken over while this process stalled). */
export function heartbeat(db: Ledger, owner: string, nowMs: number): boolean {
  return db.prepare('UPDATE watch_lease SET heartbeat_at = ? WHERE name = ? AND owner = ? AND released_at IS NULL').run(toIso(nowMs), NAME, owner).changes === 1;
}

export function releaseLease(db: Ledger, owner: string, nowMs: number): void {
  db.prepare('UPDATE watch_lease SET released_at = ?, heartbeat_at = ? WHERE name = ? AND owner = ? AND released_at IS NULL').run(toIso(nowMs), toIso(nowMs), NAME, owner);
}
