// Response and parameter schemas shared by the routes, for validation and for the
// OpenAPI document the typed client, the CLI and the README are checked against.
import { z } from "@hono/zod-openapi";
import { idSchema, idempotencyKeySchema } from "../platform/ids.ts";
import { JURISDICTIONS, LOCATION_HINTS } from "../platform/discovery/placement.ts";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Problem");

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "Problem details (RFC 9457)", content: { "application/problem+json": { schema: problemSchema } } },
    ]),
  );

export const agentIdParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "counter-1" }) });

/** An action's name in the path of an action call (an agent's or a group's). */
export const actionParam = {
  action: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be an action name").openapi({ param: { name: "action", in: "path" }, example: "increment" }),
};
/** An action call's body: the action's input, checked against the action's own schema by the agent. */
export const actionInputBody = { content: { "application/json": { schema: z.unknown().openapi({ example: { by: 1 } }) } } };

export const idempotencyHeaders = z.object({
  // The parameter's name must equal its key (header names are case-insensitive; Hono lowercases them).
  "idempotency-key": idempotencyKeySchema.optional().openapi({ param: { name: "idempotency-key", in: "header" } }),
});

const isoTime = z.string().openapi({ format: "date-time" });

export const placementViewSchema = z
  .object({ locationHint: z.enum(LOCATION_HINTS).nullable(), jurisdiction: z.enum(JURISDICTIONS).nullable() })
  .openapi("Placement");

export const agentViewSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    version: z.string(),
    typeVersion: z.string(),
    status: z.enum(["starting", "running", "paused", "stopping", "stopped", "failed"]),
    state: z.unknown(),
    stateVersion: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
    counters: z.object({
      calls: z.number().int(),
      failures: z.number().int(),
      lastError: z.object({ at: isoTime, type: z.string(), status: z.number().int(), detail: z.string() }).nullable(),
    }),
    breaker: z.object({
      state: z.enum(["closed", "open", "half_open"]),
      failures: z.number().int(),
      retryAfterMs: z.number().int().nullable(),
    }),
    outbox: z.object({ pending: z.number().int() }),
    labels: z.record(z.string(), z.string()),
    placement: placementViewSchema,
    supervision: z.object({
      restart: z.enum(["permanent", "transient", "temporary"]),
      restarts: z.number().int(),
      lastReason: z.object({ at: isoTime, type: z.string(), status: z.number().int(), detail: z.string() }).nullable(),
      nextRestartAt: isoTime.nullable(),
      lastRestartAt: isoTime.nullable(),
      escalated: z.boolean(),
    }),
  })
  .openapi("Agent");

/** What a spawn or restore tells a caller who may not read the agent (no agents:read:<type>). */
export const agentSummarySchema = z
  .strictObject({ id: z.string(), status: agentViewSchema.shape.status })
  .openapi("AgentSummary", { description: "The agent's id and status: the answer to a caller without agents:read:<type>" });

/** A spawn's or restore's answer: the agent, or its summary to a caller who may not read it. */
export const spawnedAgentSchema = z.union([agentViewSchema, agentSummarySchema]);

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body validated by `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
