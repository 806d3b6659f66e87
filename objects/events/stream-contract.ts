// The RPC contract of an EventStream: the zod schemas its calls parse their inputs with
// and the shapes it answers. Kept apart so the object holds behaviour, not declarations.
import { z } from "zod";
import { type CloudEvent, eventInputSchema, MAX_EVENTS_PER_PUBLISH, streamNameSchema } from "../../src/platform/events/cloud-event.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { traceCarrierSchema } from "../../src/platform/telemetry/trace-context.ts";
import type { Retention } from "./stream-store.ts";

/** `trace`: the caller's span, which the stream's span continues (objects/durable/tracing.ts). */
export const addressSchema = z.strictObject({ tenant: idSchema, stream: streamNameSchema, trace: traceCarrierSchema.optional() });
// Ids are checked where they enter (publish, restore; the platform makes the others),
// not here: an outbox written by an older version may still hold an id outside today's
// alphabet, and refusing it would block that agent's outbox for good. Delivery derives
// a header-safe webhook id from any id.
export const appendSchema = z.array(eventInputSchema.safeExtend({ id: z.string().min(1).max(128), time: z.string() })).min(1).max(MAX_EVENTS_PER_PUBLISH);
export const readSchema = z.strictObject({
  from: z.number().int().min(1).default(1),
  to: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export const followSchema = z.strictObject({
  from: z.number().int().min(1),
  limit: z.number().int().min(1).max(1000).default(100),
  /** How long to wait for an append when there is nothing from `from` yet. */
  waitMs: z.number().int().min(0).max(60_000).default(0),
});
/** A moment, ms since the epoch. */
export const timeSchema = z.number().int().min(0);
export const publisherSchema = z.string().min(1).max(256);
export const replaySchema = z.strictObject({ id: z.string().min(1).max(64), from: z.number().int().min(1), to: z.number().int().min(1) });

export type StreamAddress = z.input<typeof addressSchema>;
export type AppendRequest = readonly z.input<typeof appendSchema>[number][];
export type AppendInput = z.output<typeof appendSchema>;
export type ReadQuery = z.input<typeof readSchema>;
export type FollowQuery = z.input<typeof followSchema>;
export type ReplayRange = z.input<typeof replaySchema>;
export type Appended = { id: string; stream: string; sequence: number; duplicate: boolean };
export type StreamPage = { items: CloudEvent[]; next: number | null };
export type StreamInfo = {
  stream: string;
  length: number;
  first: number | null;
  last: number;
  subscriptions: string[];
  retention: Retention;
};
