// PoolIndex: one Durable Object per tenant listing its pools and their configuration,
// so `GET /v1/pools` reads one object and the tenant's pool count is bounded
// (POOL_LIMITS.maxPoolsPerTenant). A pool is added here before its own object is
// configured and removed after its object is deleted, so a crash in between leaves an
// entry a retry of the same request completes or removes.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import { cursorKey, type Page, pageOfRows, paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { POOL_LIMITS } from "../../src/platform/pools/limits.ts";
import { type CreatePool, createPoolSchema, type PoolConfig, poolNameSchema, sameConfig } from "../../src/platform/pools/schemas.ts";
import { conflict } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
export type PoolIndexAddress = z.input<typeof tenantSchema>;

type Row = { name: string; capacity: number; fairness: "fifo" | "per_requester"; weights: string; max_waiters: number; created_at: number };
const fromRow = (row: Row): PoolConfig => ({ name: row.name, capacity: row.capacity, fairness: row.fairness, weights: JSON.parse(row.weights) as Record<string, number>, maxWaiters: row.max_waiters, createdAt: row.created_at });

export class PoolIndex extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS pools (name TEXT PRIMARY KEY, capacity INTEGER NOT NULL, fairness TEXT NOT NULL,
      weights TEXT NOT NULL, max_waiters INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
  }

  #find(name: string): PoolConfig | null {
    const row = this.#sql.exec<Row>("SELECT * FROM pools WHERE name = ?", name).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /** Records a pool (the same configuration again answers the entry; another is 409, as is one pool too many). */
  add(at: PoolIndexAddress, raw: CreatePool): Promise<Result<{ created: boolean; config: PoolConfig }>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const config = parseOrProblem(createPoolSchema, raw);
      const existing = this.#find(config.name);
      if (existing) {
        if (!sameConfig(existing, config)) throw conflict(`Pool '${config.name}' exists with another configuration; delete it first to change it.`);
        return { created: false, config: existing };
      }
      if (this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pools").one().n >= POOL_LIMITS.maxPoolsPerTenant) {
        throw conflict(`This tenant already has ${POOL_LIMITS.maxPoolsPerTenant} pools.`, { code: "pool-limit" });
      }
      const created: PoolConfig = { ...config, createdAt: Date.now() };
      this.#sql.exec(
        "INSERT INTO pools (name, capacity, fairness, weights, max_waiters, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        created.name, created.capacity, created.fairness, JSON.stringify(created.weights), created.maxWaiters, created.createdAt,
      );
      return { created: true, config: created };
    });
  }

  list(at: PoolIndexAddress, query: PaginationQuery): Promise<Result<Page<PoolConfig>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const { limit, cursor } = parseOrProblem(paginationQuery, query, "query");
      const rows = this.#sql.exec<Row>("SELECT * FROM pools WHERE name > ? ORDER BY name LIMIT ?", cursorKey(cursor) ?? "", limit + 1).toArray();
      const page = pageOfRows(rows, (row) => row.name, limit);
      return { items: page.items.map(fromRow), next: page.next };
    });
  }

  remove(at: PoolIndexAddress, name: string): Promise<Result<{ existed: boolean }>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const pool = parseOrProblem(poolNameSchema, name, "name");
      const existed = this.#find(pool) !== null;
      this.#sql.exec("DELETE FROM pools WHERE name = ?", pool);
      return { existed };
    });
  }
}
