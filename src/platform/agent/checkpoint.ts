// A checkpoint is a complete, self-describing JSON snapshot of one agent (state,
// type@version, status, undelivered outbox, client idempotency records, metadata),
// restorable into another agent id: the unit that live migration moves.
import { z } from "zod";
import { eventIdSchema, eventTypeSchema } from "../events/cloud-event.ts";
import { isReservedEventType } from "../events/reserved-streams.ts";
import { idSchema, idempotencyKeySchema } from "../ids.ts";
import { capabilityNameSchema } from "../security/capability-name.ts";
import { constraintsSchema } from "../security/constraints.ts";
import { fitsIn, LIMITS } from "./limits.ts";

export const CHECKPOINT_FORMAT = "jido.agent.checkpoint/v1";
/** Client idempotency records carried in a checkpoint, newest first. */
export const CHECKPOINT_IDEMPOTENCY_LIMIT = 1000;

const isoTime = z.iso.datetime({ offset: false });

/** JSON within the size the runtime itself would have stored (a SQLite row holds at most 2 MB). */
const jsonWithin = (limit: number) =>
  z
    .unknown()
    .refine(
      (value) => {
        try {
          return fitsIn(JSON.stringify(value ?? null), limit);
        } catch {
          return false;
        }
      },
      { message: `must be at most ${limit} bytes of JSON` },
    )
    .optional();

export const checkpointSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  agent: z.strictObject({
    id: idSchema,
    type: z.string().min(1).max(64),
    version: z.string().min(1).max(64),
    status: z.enum(["starting", "running", "paused", "stopping", "stopped", "failed"]),
  }),
  takenAt: isoTime,
  state: jsonWithin(LIMITS.stateBytes),
  outbox: z.array(
    z.strictObject({
      // The id an event may be published with: it becomes the webhook-id header.
      id: eventIdSchema,
      // The type an action may emit: anything else could never be appended to a stream.
      type: eventTypeSchema.refine((type) => !isReservedEventType(type), "goes to a stream only the platform writes"),
      subject: z.string().max(256).nullable(),
      data: jsonWithin(LIMITS.eventDataBytes),
      time: isoTime,
    }),
  ),
  idempotency: z
    .array(
      z.strictObject({
        key: idempotencyKeySchema,
        fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
        response: jsonWithin(LIMITS.outputBytes),
        expiresAt: isoTime,
      }),
    )
    .max(CHECKPOINT_IDEMPOTENCY_LIMIT),
  grants: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(64),
        name: capabilityNameSchema,
        constraints: constraintsSchema,
        grantedBy: z.string().max(200),
        expiresAt: isoTime.nullable(),
        createdAt: isoTime,
      }),
    )
    .max(1000)
    .default([]),
  metadata: z.strictObject({
    createdAt: isoTime,
    updatedAt: isoTime,
    stateVersion: z.number().int().min(0),
    counters: z.strictObject({
      calls: z.number().int().min(0),
      failures: z.number().int().min(0),
    }),
  }),
});

export type Checkpoint = z.output<typeof checkpointSchema>;
