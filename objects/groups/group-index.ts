// GroupIndex: one Durable Object per tenant listing its groups, so `GET /v1/groups` reads
// one object and the tenant's group count is bounded (GROUP_LIMITS.maxGroupsPerTenant).
// A group is added here before its controller is created and removed after the
// controller is gone, so a crash in between leaves an entry a retry completes or removes.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import { cursorKey, type Page, pageOfRows, paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { GROUP_LIMITS } from "../../src/platform/groups/limits.ts";
import { groupIdSchema, type GroupSummary } from "../../src/platform/groups/schemas.ts";
import { conflict } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
const entrySchema = z.strictObject({ id: groupIdSchema, type: z.string().min(1).max(64), min: z.number().int(), max: z.number().int() });
type Row = { id: string; type: string; min: number; max: number; created_at: number };

export class GroupIndex extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec("CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, type TEXT NOT NULL, min INTEGER NOT NULL, max INTEGER NOT NULL, created_at INTEGER NOT NULL)");
  }

  /** Records a group (again: nothing changes); one group too many is 409. */
  add(at: { tenant: string }, raw: z.input<typeof entrySchema>): Promise<Result<null>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const entry = parseOrProblem(entrySchema, raw);
      if (this.#sql.exec("SELECT id FROM groups WHERE id = ?", entry.id).toArray().length > 0) return null;
      if (this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM groups").one().n >= GROUP_LIMITS.maxGroupsPerTenant) {
        throw conflict(`This tenant already has ${GROUP_LIMITS.maxGroupsPerTenant} groups.`, { code: "group-limit" });
      }
      this.#sql.exec("INSERT INTO groups (id, type, min, max, created_at) VALUES (?, ?, ?, ?, ?)", entry.id, entry.type, entry.min, entry.max, Date.now());
      return null;
    });
  }

  list(at: { tenant: string }, query: PaginationQuery): Promise<Result<Page<GroupSummary>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const { limit, cursor } = parseOrProblem(paginationQuery, query, "query");
      const after = cursorKey(cursor) ?? "";
      const rows = this.#sql.exec<Row>("SELECT * FROM groups WHERE id > ? ORDER BY id LIMIT ?", after, limit + 1).toArray();
      const items = rows.map((r) => ({ id: r.id, type: r.type, min: r.min, max: r.max, createdAt: new Date(r.created_at).toISOString() }));
      return pageOfRows(items, (g) => g.id, limit);
    });
  }

  remove(at: { tenant: string }, id: string): Promise<Result<{ existed: boolean }>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const existed = this.#sql.exec("SELECT id FROM groups WHERE id = ?", parseOrProblem(groupIdSchema, id, "id")).toArray().length > 0;
      this.#sql.exec("DELETE FROM groups WHERE id = ?", id);
      return { existed };
    });
  }
}
