// The Coordinator's RPC contract: the schemas its methods parse their inputs with, and
// the types callers build those inputs from (derived from the schemas, never restated).
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import { traceCarrierSchema } from "../../src/platform/telemetry/trace-context.ts";
import { workflowDefinitionSchema } from "../../src/platform/workflow/definition.ts";
import type { RunView } from "../../src/platform/workflow/run-view.ts";

/** `trace`: the caller's span, which the coordinator's span continues (objects/durable/tracing.ts). */
export const addressSchema = z.strictObject({ tenant: idSchema, id: idSchema, trace: traceCarrierSchema.optional() });
const startSchema = z.strictObject({
  definition: workflowDefinitionSchema,
  input: z.record(z.string(), z.unknown()),
  /** The client's Idempotency-Key and the fingerprint of its request, when it sent one. */
  idempotency: z.strictObject({ key: z.string().min(1).max(256), fingerprint: z.string().min(1).max(128) }).nullable().default(null),
});
/** The start request with its definition left for parseDefinition (parsed once per text and isolate). */
export const startEnvelopeSchema = startSchema.extend({ definition: z.unknown() });
export const signalSchema = z.strictObject({ type: z.string().min(1).max(128), role: z.string().max(64).nullable().default(null), data: z.unknown().default(null) });
export type RunAddress = z.input<typeof addressSchema>;
export type StartRequest = z.input<typeof startSchema>;
export type SignalRequest = z.input<typeof signalSchema>;

/** What became of a participant event: delivered to an await that waited, or buffered for one that has not opened. */
export type SignalOutcome = { status: "delivered" | "buffered"; await: string; run: RunView };
