// The `warmup_agent` demo agent: supervision at work. It serves lookups from a table it
// loads when it starts, from the cache entry `warmup/<its id>` that some other process
// publishes. Until that entry is there its start fails, and the supervisor restarts it
// with backoff (10 s, doubling, up to a minute; more than 5 failures in 5 minutes
// escalate to `failed`); its health check fails when the entry is withdrawn, which
// restarts it the same way. The dependency is data, never time: what decides whether a
// start succeeds is whether the entry exists when it runs.
import { z } from "zod";
import { defineAgent } from "../platform/agent/define-agent.ts";
import { problem } from "../platform/problem.ts";

/** The cache namespace its table is published in, under the agent's id. */
export const WARMUP_NAMESPACE = "warmup";

const tableSchema = z.record(z.string().max(256), z.string().max(4_096));

export const warmupAgent = defineAgent({
  name: "warmup_agent",
  version: "1.0.0",
  description: "Answers lookups from a table it loads at start from the cache (warmup/<its id>); restarted with backoff until the table is published.",
  capabilities: { lookup: true },
  resources: { memory: "16MB", cpu: 0.1, storage: "1MB" },
  supervision: {
    restart: "permanent",
    maxRestarts: 5,
    withinMs: 300_000,
    backoffMs: 10_000,
    maxBackoffMs: 60_000,
    healthCheck: { intervalMs: 30_000, timeoutMs: 5_000 },
  },
  lifecycle: {
    startupTimeout: 10_000,
    onStart: async (ctx) => {
      const published = await ctx.cache.get(WARMUP_NAMESPACE, ctx.agentId, { consistency: "strong" });
      if (published === undefined) {
        // A problem (not a plain Error) so that its detail is the reason the supervision view shows.
        throw problem(503, "warmup-missing", "The agent's warm-up table is not published", `No table at ${WARMUP_NAMESPACE}/${ctx.agentId} in the cache yet; publish one (PUT /v1/cache/${WARMUP_NAMESPACE}/${ctx.agentId}) and the next restart loads it.`);
      }
      const table = tableSchema.safeParse(published);
      if (!table.success) {
        throw problem(422, "warmup-invalid", "The agent's warm-up table is not valid", `The table at ${WARMUP_NAMESPACE}/${ctx.agentId} must be an object of strings.`);
      }
      const loads = ctx.state.loads + 1;
      ctx.emit("warmup.ready", { entries: Object.keys(table.data).length, loads });
      return { state: { table: table.data, loads } };
    },
    onHealthCheck: async (ctx) =>
      (await ctx.cache.get(WARMUP_NAMESPACE, ctx.agentId, { consistency: "strong" })) === undefined
        ? { healthy: false, reason: `its table at ${WARMUP_NAMESPACE}/${ctx.agentId} was withdrawn` }
        : true,
  },
  state: {
    schema: z.strictObject({ table: tableSchema, loads: z.number().int().min(0) }),
    initial: { table: {}, loads: 0 },
  },
  actions: (action) => ({
    lookup: action({
      description: "Answers the value of `key` in the loaded table (null when it has none).",
      input: z.strictObject({ key: z.string().min(1).max(256) }),
      output: z.strictObject({ value: z.string().nullable() }),
      run: ({ key }, ctx) => ({ result: { value: Object.hasOwn(ctx.state.table, key) ? ctx.state.table[key]! : null } }),
    }),
  }),
});
