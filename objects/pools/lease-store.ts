// A pool's storage: its configuration (one row) and its granted leases. A lease row is
// written before the acquire that asked for it is answered, so nothing acknowledged is
// lost; expiry is a stored deadline the pool's alarm reclaims.
import type { LeaseView, PoolConfig } from "../../src/platform/pools/schemas.ts";
import type { Priority } from "../../src/platform/pools/scheduler.ts";

type ConfigRow = { tenant: string; name: string; capacity: number; fairness: "fifo" | "per_requester"; weights: string; max_waiters: number; created_at: number };
export type LeaseRow = {
  id: string;
  requester: string;
  request_key: string;
  units: number;
  priority: Priority;
  granted_at: number;
  expires_at: number;
  lease_ms: number;
  waited_ms: number;
};

export const leaseView = (pool: string, row: LeaseRow): LeaseView => ({
  id: row.id,
  pool,
  requester: row.requester,
  units: row.units,
  priority: row.priority,
  grantedAt: new Date(row.granted_at).toISOString(),
  expiresAt: new Date(row.expires_at).toISOString(),
  leaseMs: row.lease_ms,
  waitedMs: row.waited_ms,
});

export const createLeaseStore = (sql: SqlStorage) => {
  sql.exec(`CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), tenant TEXT NOT NULL, name TEXT NOT NULL,
    capacity INTEGER NOT NULL, fairness TEXT NOT NULL, weights TEXT NOT NULL, max_waiters INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, requester TEXT NOT NULL, request_key TEXT NOT NULL,
    units INTEGER NOT NULL, priority TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    lease_ms INTEGER NOT NULL, waited_ms INTEGER NOT NULL)`);
  sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS leases_by_request ON leases (requester, request_key)");
  sql.exec("CREATE INDEX IF NOT EXISTS leases_by_expiry ON leases (expires_at)");
  return {
    config(): (PoolConfig & { tenant: string }) | null {
      const row = sql.exec<ConfigRow>("SELECT * FROM config WHERE id = 1").toArray()[0];
      if (!row) return null;
      return { tenant: row.tenant, name: row.name, capacity: row.capacity, fairness: row.fairness, weights: JSON.parse(row.weights) as Record<string, number>, maxWaiters: row.max_waiters, createdAt: row.created_at };
    },
    saveConfig(tenant: string, config: PoolConfig): void {
      sql.exec(
        "INSERT INTO config (id, tenant, name, capacity, fairness, weights, max_waiters, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        tenant, config.name, config.capacity, config.fairness, JSON.stringify(config.weights), config.maxWaiters, config.createdAt,
      );
    },
    inUse(): number {
      return sql.exec<{ n: number | null }>("SELECT SUM(units) AS n FROM leases").one().n ?? 0;
    },
    find(id: string): LeaseRow | null {
      return sql.exec<LeaseRow>("SELECT * FROM leases WHERE id = ?", id).toArray()[0] ?? null;
    },
    findByRequest(requester: string, key: string): LeaseRow | null {
      return sql.exec<LeaseRow>("SELECT * FROM leases WHERE requester = ? AND request_key = ?", requester, key).toArray()[0] ?? null;
    },
    insert(row: LeaseRow): void {
      sql.exec(
        `INSERT INTO leases (id, requester, request_key, units, priority, granted_at, expires_at, lease_ms, waited_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id, row.requester, row.request_key, row.units, row.priority, row.granted_at, row.expires_at, row.lease_ms, row.waited_ms,
      );
    },
    extend(id: string, expiresAt: number, leaseMs: number): void {
      sql.exec("UPDATE leases SET expires_at = ?, lease_ms = ? WHERE id = ?", expiresAt, leaseMs, id);
    },
    remove(id: string): void {
      sql.exec("DELETE FROM leases WHERE id = ?", id);
    },
    /** Deletes the leases expired at `now`; answers how many units they held. */
    reclaim(now: number): number {
      const freed = sql.exec<{ n: number | null }>("SELECT SUM(units) AS n FROM leases WHERE expires_at <= ?", now).one().n ?? 0;
      if (freed > 0) sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
      return freed;
    },
    nextExpiry(): number | null {
      return sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM leases").one().at;
    },
    holders(): { requester: string; units: number; leases: number }[] {
      return sql.exec<{ requester: string; units: number; leases: number }>(
        "SELECT requester, SUM(units) AS units, COUNT(*) AS leases FROM leases GROUP BY requester ORDER BY requester",
      ).toArray();
    },
  };
};

export type LeaseStore = ReturnType<typeof createLeaseStore>;
