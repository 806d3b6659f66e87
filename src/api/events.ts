// Publishing events: one CloudEvent or a batch. Each event goes to its stream (given,
// or the first segment of its type); a batch is atomic per stream. Answers the stream
// and sequence of each event, in the order given, once durable.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { defaultStream, eventInputSchema } from "../platform/events/cloud-event.ts";
import { validationProblem } from "../platform/problem.ts";
import { isReservedStream } from "../platform/events/reserved-streams.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { onStream } from "./event-access.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const eventSchema = eventInputSchema.openapi("CloudEventInput");
const publishBody = z.union([eventSchema, z.array(eventSchema).min(1).max(1000)]);

const appendedSchema = z.object({ id: z.string(), stream: z.string(), sequence: z.number().int(), duplicate: z.boolean() });

const publishRoute = createRoute({
  method: "post",
  path: "/v1/events",
  tags: ["events"],
  summary: "Publish a CloudEvent or a batch (atomic per stream)",
  request: { body: jsonBody(publishBody) },
  responses: {
    201: json(z.object({ items: z.array(appendedSchema) }), "Stored: each event's stream and sequence"),
    ...problemResponses(400, 403, 413, 415, 503),
  },
});

export const eventRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(publishRoute, async (c) => {
    const body = c.req.valid("json");
    const inputs = Array.isArray(body) ? body : [body];
    const now = new Date().toISOString();
    const events = inputs.map((input) => ({ ...input, id: input.id ?? crypto.randomUUID(), time: input.time ?? now, stream: input.stream ?? defaultStream(input.type) }));
    const reserved = events.flatMap((event, index) =>
      isReservedStream(event.stream) ? [{ path: Array.isArray(body) ? `${index}.stream` : "stream", message: `stream '${event.stream}' is written only by the platform` }] : [],
    );
    if (reserved.length > 0) throw validationProblem(reserved, "The audit, workflow and dead-letter streams are written only by the platform.");
    for (const event of events) {
      const context = typeof event.data === "object" && event.data !== null && !Array.isArray(event.data) ? (event.data as Record<string, unknown>) : {};
      await requireCapability(c, telemetry, `events:publish:${event.type}`, `stream/${event.stream}`, context);
    }
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
        const appended = await onStream(c, stream, telemetry, "append", (rpc, at) => rpc.append(at, positions.map((position) => events[position]!)));
        positions.forEach((position, i) => (items[position] = appended[i]!));
      }),
    );
    return c.json({ items }, 201);
  });
