// Events on the wire are CloudEvents 1.0 (JSON format) with the platform's extension
// attributes: tenant, stream, sequence, correlationid, causationid, and W3C trace
// context (traceparent, tracestate). Validated with zod at every boundary.
import { z } from "zod";
import { idSchema } from "../ids.ts";

export const EVENT_TYPE_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const STREAM_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export const eventTypeSchema = z.string().max(128).regex(EVENT_TYPE_PATTERN, "must be dotted lowercase words, such as 'order.created'");
export const streamNameSchema = z.string().regex(STREAM_PATTERN, "must be 1-128 characters of a-z 0-9 . _ - starting with a letter or digit");

const isoTime = z.iso.datetime({ offset: true });

/**
 * An event's id becomes an HTTP header (`webhook-id` on webhook delivery), so a
 * publisher's id is held to the platform's id alphabet, which is header-safe and keeps
 * the UUIDs CloudEvents SDKs generate. Events stored before this rule, or restored
 * from elsewhere, get a derived header instead (webhook-signature.ts).
 */
export const eventIdSchema = idSchema;

/** An event as a producer submits it: id and time may be left to the platform. */
export const eventInputSchema = z.strictObject({
  specversion: z.literal("1.0").default("1.0"),
  id: eventIdSchema.optional(),
  source: z.string().min(1).max(256),
  type: eventTypeSchema,
  subject: z.string().max(256).optional(),
  time: isoTime.optional(),
  datacontenttype: z.literal("application/json").default("application/json"),
  data: z.unknown().optional(),
  stream: streamNameSchema.optional(),
  correlationid: z.string().max(128).optional(),
  causationid: z.string().max(128).optional(),
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
  tracestate: z.string().max(512).optional(),
});

export type EventInput = z.input<typeof eventInputSchema>;

/** An event as stored and delivered: complete, with its stream position. */
export type CloudEvent = {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: "application/json";
  data?: unknown;
  tenant: string;
  stream: string;
  sequence: number;
  correlationid?: string;
  causationid?: string;
  traceparent?: string;
  tracestate?: string;
};

/** A stream's name defaults to the first segment of the event's type (`order.created` -> `order`). */
export const defaultStream = (type: string): string => type.split(".")[0] ?? type;
