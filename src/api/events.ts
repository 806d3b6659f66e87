// Publishing events: one CloudEvent or a batch, in any content mode of the CloudEvents
// HTTP binding (binary, structured, batched) or as plain JSON. Each event goes to its
// stream (given, or the first segment of its type); a batch is atomic per stream.
// Answers the stream and sequence of each event, in the order given, once durable. The
// caller's subject is the publisher that owns the ids it stores first.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { defaultStream, eventInputSchema, MAX_EVENTS_PER_PUBLISH } from "../platform/events/cloud-event.ts";
import { BATCH_TYPE, HEADER_ATTRIBUTES, STRUCTURED_TYPE } from "../platform/events/http-binding.ts";
import { parsePublishRequest } from "../platform/events/publish-request.ts";
import { validationProblem } from "../platform/problem.ts";
import { isReservedStream } from "../platform/events/reserved-streams.ts";
import { publishRequirements } from "../platform/events/publish-access.ts";
import { callerName } from "../platform/security/caller.ts";
import type { AppEnv } from "../env.ts";
import { principalCaller } from "./agent-access.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { onStream } from "./event-access.ts";
import { json, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const eventSchema = eventInputSchema.openapi("CloudEventInput");
const eventRef = { $ref: "#/components/schemas/CloudEventInput" };
const batchOf = (minItems: number) => ({ type: "array" as const, items: eventRef, minItems, maxItems: MAX_EVENTS_PER_PUBLISH });

// Binary mode's attributes, declared for the document only: the handler reads them.
const binaryHeaders = z.object(
  Object.fromEntries(
    HEADER_ATTRIBUTES.map((attribute) => [
      `ce-${attribute}`,
      z.string().optional().openapi({ param: { name: `ce-${attribute}`, in: "header", description: `Binary mode: the event's \`${attribute}\`` } }),
    ]),
  ),
);

const appendedSchema = z.object({ id: z.string(), stream: z.string(), sequence: z.number().int(), duplicate: z.boolean() });

// The body is read by the handler, not by a validator: in binary mode it is the event's
// data, of any media type. The schemas below document the other modes; non-zod schemas
// keep @hono/zod-openapi from adding validators of its own.
const publishRoute = createRoute({
  method: "post",
  path: "/v1/events",
  tags: ["events"],
  summary: "Publish a CloudEvent or a batch (atomic per stream)",
  description:
    `Content modes of the CloudEvents HTTP binding: binary (attributes in ce-* headers, the body is the data with its own content-type), ` +
    `structured (${STRUCTURED_TYPE}), batched (${BATCH_TYPE}, may be empty), and application/json (one event or a non-empty array). ` +
    `At most ${MAX_EVENTS_PER_PUBLISH} events per request.`,
  request: {
    headers: binaryHeaders,
    body: {
      required: true,
      content: {
        "application/json": { schema: { oneOf: [eventRef, batchOf(1)] } },
        [STRUCTURED_TYPE]: { schema: eventRef },
        [BATCH_TYPE]: { schema: batchOf(0) },
        "*/*": { schema: { description: "Binary mode: the event's data; JSON media types become `data`, UTF-8 text a string `data`, other content `data_base64`." } },
      },
    },
  },
  responses: {
    201: json(z.object({ items: z.array(appendedSchema) }), "Stored: each event's stream and sequence"),
    ...problemResponses(400, 403, 409, 413, 415, 503),
  },
});

export const eventRoutes = ({ telemetry }: ApiDeps) => {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  router.openAPIRegistry.register("CloudEventInput", eventSchema);
  return router.openapi(publishRoute, async (c) => {
    const request = parsePublishRequest(c.req.raw.headers, new Uint8Array(await c.req.arrayBuffer()));
    const now = new Date().toISOString();
    const events = request.events.map((input) => ({ ...input, id: input.id ?? crypto.randomUUID(), time: input.time ?? now, stream: input.stream ?? defaultStream(input.type) }));
    const reserved = events.flatMap((event, index) =>
      isReservedStream(event.stream) ? [{ path: request.pathOf(index, "stream"), message: `stream '${event.stream}' is written only by the platform` }] : [],
    );
    if (reserved.length > 0) throw validationProblem(reserved, "The audit, workflow and dead-letter streams are written only by the platform.");
    for (const event of events) {
      for (const { capability, context } of publishRequirements(event)) await requireCapability(c, telemetry, capability, `stream/${event.stream}`, context);
    }
    const publisher = callerName(principalCaller(c));
    // Each stream answers its events in the order given; they are put back by position
    // (an id may repeat within a batch, or appear on two streams).
    const byStream = new Map<string, number[]>();
    events.forEach((event, at) => {
      const positions = byStream.get(event.stream);
      if (positions) positions.push(at);
      else byStream.set(event.stream, [at]);
    });
    const items = new Array<{ id: string; stream: string; sequence: number; duplicate: boolean }>(events.length);
    await Promise.all(
      [...byStream].map(async ([stream, positions]) => {
        const appended = await onStream(c, stream, telemetry, "append", (rpc, at) => rpc.append(at, positions.map((position) => events[position]!), publisher));
        positions.forEach((position, i) => (items[position] = appended[i]!));
      }),
    );
    return c.json({ items }, 201);
  });
};
