// Input schemas of the agent object's RPC methods. The Worker already validated the
// HTTP request, but an object parses its own input too: it is a boundary of its own.
import { z } from "zod";
import { idSchema, idempotencyKeySchema } from "../ids.ts";
import { checkpointSchema } from "./checkpoint.ts";
import { labelsSchema } from "../discovery/labels.ts";
import { placementSchema } from "../discovery/placement.ts";
import { traceCarrierSchema } from "../telemetry/trace-context.ts";

/** `trace`: the caller's span (W3C), which the agent's span continues (objects/durable/tracing.ts). */
export const agentAddressSchema = z.strictObject({ tenant: idSchema, id: idSchema, trace: traceCarrierSchema.optional() });
export type AgentAddress = z.output<typeof agentAddressSchema>;

export const spawnRequestSchema = z.strictObject({
  type: z.string().min(1).max(64),
  state: z.unknown().optional(),
  labels: labelsSchema.optional(),
  placement: placementSchema.optional(),
});
export type SpawnRequest = z.input<typeof spawnRequestSchema>;

export const callRequestSchema = z.strictObject({
  action: z.string().min(1).max(64),
  input: z.unknown(),
  idempotencyKey: idempotencyKeySchema,
  keyOrigin: z.enum(["client", "platform"]),
  /** The platform's attempt at delivering this request: a platform key on attempt 1 is new. */
  attempt: z.number().int().min(1).max(100).default(1),
});
export type CallRequest = z.input<typeof callRequestSchema>;

export const restoreRequestSchema = z.strictObject({ checkpoint: checkpointSchema });
export type RestoreRequest = z.input<typeof restoreRequestSchema>;

export type SpawnOutcome<V> = { created: boolean; agent: V };
export type CallOutcome = { output: unknown; replayed: boolean };
