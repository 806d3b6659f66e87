// Events on the wire are CloudEvents 1.0 (JSON format) with the platform's extension
// attributes: tenant, stream, sequence, correlationid, causationid, and W3C trace
// context (traceparent, tracestate). Validated with zod at every boundary. Data follows
// the JSON format: JSON content as `data`, other text as a string `data`, binary content
// as `data_base64`, its media type in `datacontenttype`.
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

/**
 * At most this many events per publish request. A batch is one append transaction per
 * stream, and the 1 MiB request limit already bounds its bytes; agents' outboxes append
 * in smaller batches (OUTBOX_BATCH).
 */
export const MAX_EVENTS_PER_PUBLISH = 1000;

/** A media type (RFC 2046) with optional parameters: `text/plain; charset=utf-8`. */
const MEDIA_TYPE = /^[a-z0-9][\w!#$&^.+-]*\/[a-z0-9][\w!#$&^.+-]*\s*(;.*)?$/i;

/** The media type without its parameters, lowercased. */
export const mediaEssence = (mediaType: string): string => (mediaType.split(";")[0] ?? "").trim().toLowerCase();

/** Whether a media type declares JSON content: `*\/json` or `*\/*+json` (CloudEvents JSON format §3.1.1). */
export const isJsonMediaType = (mediaType: string): boolean => /^[^/]+\/(?:[^/]*\+)?json$/.test(mediaEssence(mediaType));

/**
 * The JSON format's data rules (§3.1): `data` and `data_base64` exclude each other, and
 * `data` of a media type other than JSON is the content as a string.
 */
const checkData = (event: { datacontenttype: string; data?: unknown; data_base64?: string }, ctx: z.RefinementCtx): void => {
  if (event.data !== undefined && event.data_base64 !== undefined) {
    ctx.addIssue({ code: "custom", path: ["data_base64"], message: "excludes data: send the content as one or the other" });
  } else if (event.data !== undefined && typeof event.data !== "string" && !isJsonMediaType(event.datacontenttype)) {
    ctx.addIssue({ code: "custom", path: ["data"], message: `must be a string: datacontenttype '${event.datacontenttype}' is not JSON (binary content goes in data_base64)` });
  }
};

/** An event as a producer submits it: id and time may be left to the platform. */
export const eventInputSchema = z.strictObject({
  specversion: z.literal("1.0").default("1.0"),
  id: eventIdSchema.optional(),
  source: z.string().min(1).max(256),
  type: eventTypeSchema,
  subject: z.string().max(256).optional(),
  time: isoTime.optional(),
  dataschema: z.url().max(512).optional(),
  datacontenttype: z.string().max(256).regex(MEDIA_TYPE, "must be a media type, such as 'application/json'").default("application/json"),
  data: z.unknown().optional(),
  data_base64: z.base64("must be base64 (RFC 4648)").optional(),
  stream: streamNameSchema.optional(),
  correlationid: z.string().max(128).optional(),
  causationid: z.string().max(128).optional(),
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).optional(),
  tracestate: z.string().max(512).optional(),
}).superRefine(checkData);

export type EventInput = z.input<typeof eventInputSchema>;

/** An event as stored and delivered: complete, with its stream position. */
export type CloudEvent = {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  dataschema?: string;
  datacontenttype: string;
  /** JSON content as a JSON value, other text as a string; absent when `data_base64` is present. */
  data?: unknown;
  /** Binary content, base64-encoded. */
  data_base64?: string;
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
