// QuotaShard: one Durable Object per tenant and quota shard, holding the reservations
// of the agents whose ids hash to it: one row per agent, so a retried reservation is
// the same reservation (exactly once per agent) and a release returns it once. The
// limits come with each reservation (the agent read them from the tenant's
// configuration), so a changed quota applies from the next spawn; what is held stays.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import { problem } from "../../src/platform/problem.ts";
import { add, type Amounts, exceeded, quotaDetail, ZERO } from "../../src/platform/quotas/quotas.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const amount = z.number().min(0).max(1e12);
const amountsSchema = z.strictObject({ memory: amount, cpu: amount, storage: amount });
const reserveSchema = z.strictObject({
  tenant: idSchema,
  agentId: idSchema,
  demand: amountsSchema,
  limits: z.strictObject({ memory: amount.nullable(), cpu: amount.nullable(), storage: amount.nullable() }),
  shards: z.number().int().min(1).max(64),
});
export type ReserveRequest = z.input<typeof reserveSchema>;
const releaseSchema = z.strictObject({ tenant: idSchema, agentId: idSchema });

type Row = { agent_id: string; memory: number; cpu: number; storage: number };

export class QuotaShard extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  #usage: Amounts | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec("CREATE TABLE IF NOT EXISTS held (agent_id TEXT PRIMARY KEY, memory REAL NOT NULL, cpu REAL NOT NULL, storage REAL NOT NULL)");
  }

  #used(): Amounts {
    this.#usage ??= this.#sql
      .exec<Row>("SELECT * FROM held")
      .toArray()
      .reduce((sum, row) => add(sum, { memory: row.memory, cpu: row.cpu, storage: row.storage }), ZERO);
    return this.#usage;
  }

  /** Reserves the agent's demand (again: the reservation it holds), or 409 naming the resource past its quota. */
  reserve(raw: ReserveRequest): Promise<Result<{ held: Amounts }>> {
    return asResult(() => {
      const request = parseOrProblem(reserveSchema, raw);
      const row = this.#sql.exec<Row>("SELECT * FROM held WHERE agent_id = ?", request.agentId).toArray()[0];
      if (row) return { held: { memory: row.memory, cpu: row.cpu, storage: row.storage } };
      const usage = this.#used();
      const resource = exceeded(usage, request.demand, request.limits);
      if (resource !== null) {
        const limit = request.limits[resource] ?? 0;
        throw problem(409, "quota-exceeded", `The tenant's ${resource} quota is used up`, quotaDetail(request.agentId, resource, request.demand, usage, limit, request.shards), {
          extensions: { resource },
        });
      }
      const { memory, cpu, storage } = request.demand;
      this.#sql.exec("INSERT INTO held (agent_id, memory, cpu, storage) VALUES (?, ?, ?, ?)", request.agentId, memory, cpu, storage);
      this.#usage = add(usage, request.demand);
      return { held: request.demand };
    });
  }

  /** Returns the agent's reservation; nothing when it holds none (a repeated release). */
  release(raw: z.input<typeof releaseSchema>): Promise<Result<{ released: boolean }>> {
    return asResult(() => {
      const { agentId } = parseOrProblem(releaseSchema, raw);
      const row = this.#sql.exec<Row>("SELECT * FROM held WHERE agent_id = ?", agentId).toArray()[0];
      if (!row) return { released: false };
      this.#sql.exec("DELETE FROM held WHERE agent_id = ?", agentId);
      this.#usage = add(this.#used(), { memory: row.memory, cpu: row.cpu, storage: row.storage }, -1);
      return { released: true };
    });
  }

  usage(): Promise<Result<{ used: Amounts; agents: number }>> {
    return asResult(() => ({ used: this.#used(), agents: this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM held").one().n }));
  }
}
