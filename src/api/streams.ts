// Streams: read in order from a position (JSON pages, or one long NDJSON replay), stream
// info, retention, replay of a range into a subscription's target, and the live tail
// (a WebSocket served by the stream object, or Server-Sent Events the Worker produces
// from the stream's `follow` reads, so a client going away ends nothing but its own reads).
// Only a live subscription's creator (or an admin) may attach to it.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { CloudEvent } from "../platform/events/cloud-event.ts";
import { streamNameSchema } from "../platform/events/cloud-event.ts";
import { idSchema } from "../platform/ids.ts";
import { validationProblem } from "../platform/problem.ts";
import { retentionSchema } from "../platform/events/retention.ts";
import { retentionRefusal, streamCovers } from "../platform/events/reserved-streams.ts";
import type { AppEnv } from "../env.ts";
import { ADMIN } from "../platform/security/capability-name.ts";
import { mayAttach } from "../platform/events/subscription.ts";
import { principalCaller } from "./agent-access.ts";
import { deny, holds, refuseByRule, requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { onBus, onStream, streamStub } from "./event-access.ts";
import { resumeFrom, sseTail } from "./sse-tail.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const streamParams = z.object({ stream: streamNameSchema.openapi({ param: { name: "stream", in: "path" }, example: "order" }) });
const eventsPage = z.object({ items: z.array(z.object({}).passthrough()), next: z.number().int().nullable() });
const infoSchema = z
  .object({
    stream: z.string(),
    length: z.number().int(),
    first: z.number().int().nullable(),
    last: z.number().int(),
    subscriptions: z.array(z.string()),
    retention: z.object({ maxAgeMs: z.number().int().nullable(), maxCount: z.number().int().nullable() }),
  })
  .openapi("StreamInfo");

const readRoute = createRoute({
  method: "get",
  path: "/v1/streams/{stream}/events",
  tags: ["events"],
  summary: "Read a stream in order from a sequence (JSON pages, or NDJSON to the end with Accept: application/x-ndjson)",
  request: {
    params: streamParams,
    query: z.strictObject({
      from: z.coerce.number().int().min(1).default(1),
      to: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Events from `from`; `next` is the sequence to read from next",
      content: { "application/json": { schema: eventsPage }, "application/x-ndjson": { schema: z.string() } },
    },
    ...problemResponses(400, 403, 503),
  },
});

const infoRoute = createRoute({
  method: "get",
  path: "/v1/streams/{stream}",
  tags: ["events"],
  summary: "Stream info: length, first and last sequence, subscriptions, retention",
  request: { params: streamParams },
  responses: { 200: json(infoSchema, "The stream"), ...problemResponses(400, 403, 503) },
});

const retentionRoute = createRoute({
  method: "put",
  path: "/v1/streams/{stream}/retention",
  tags: ["events"],
  summary: "Set retention (max age and/or max count); applied by alarms, sequence numbers kept. Platform streams (audit, workflow, dlq.*) refuse it (403)",
  request: {
    params: streamParams,
    body: jsonBody(retentionSchema),
  },
  responses: { 200: json(infoSchema, "The stream with its retention"), ...problemResponses(400, 403, 415, 503) },
});

const replayRoute = createRoute({
  method: "post",
  path: "/v1/streams/{stream}/replay",
  tags: ["events"],
  summary: "Replay a range of the stream into a subscription's target",
  request: {
    params: streamParams,
    body: jsonBody(z
            .strictObject({ subscription: idSchema, from: z.number().int().min(1), to: z.number().int().min(1).optional() })
            .refine((r) => r.to === undefined || r.to >= r.from, { message: "to must be >= from", path: ["to"] })),
  },
  responses: { 202: json(z.object({ id: z.string(), from: z.number().int(), to: z.number().int() }), "The replay was scheduled"), ...problemResponses(400, 403, 404, 415, 503) },
});

const tailRoute = createRoute({
  method: "get",
  path: "/v1/streams/{stream}/tail",
  tags: ["events"],
  summary: "Live tail from a position: WebSocket (send {\"ack\": n} for credit) or Server-Sent Events",
  request: {
    params: streamParams,
    query: z.strictObject({ from: z.coerce.number().int().min(1).optional(), subscription: idSchema.optional() }),
  },
  responses: { 101: { description: "WebSocket" }, 200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } }, ...problemResponses(400, 403, 404) },
});

const ndjsonReplay = (pages: (from: number) => Promise<{ items: CloudEvent[]; next: number | null }>, from: number): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  let next: number | null = from;
  return new ReadableStream({
    async pull(controller) {
      if (next === null) return controller.close();
      const page = await pages(next);
      controller.enqueue(encoder.encode(page.items.map((event) => `${JSON.stringify(event)}\n`).join("")));
      next = page.next;
    },
  });
};

export const streamRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(readRoute, async (c) => {
      const { stream } = c.req.valid("param");
      await requireCapability(c, telemetry, `events:read:${stream}`, `stream/${stream}`);
      const query = c.req.valid("query");
      if (c.req.header("accept")?.includes("application/x-ndjson")) {
        const pages = (from: number) => onStream(c, stream, telemetry, "read", (rpc, at) => rpc.read(at, { from, ...(query.to ? { to: query.to } : {}), limit: 1000 }));
        return new Response(ndjsonReplay(pages, query.from), { headers: { "content-type": "application/x-ndjson" } }) as never;
      }
      return c.json(await onStream(c, stream, telemetry, "read", (rpc, at) => rpc.read(at, query)), 200);
    })
    .openapi(infoRoute, async (c) => {
      const { stream } = c.req.valid("param");
      await requireCapability(c, telemetry, `events:read:${stream}`, `stream/${stream}`);
      return c.json(await onStream(c, stream, telemetry, "info", (rpc, at) => rpc.info(at)), 200);
    })
    .openapi(retentionRoute, async (c) => {
      const { stream } = c.req.valid("param");
      await requireCapability(c, telemetry, `events:admin:${stream}`, `stream/${stream}`);
      const refusal = retentionRefusal(stream);
      if (refusal) await refuseByRule(c, telemetry, { capability: `events:admin:${stream}`, reason: refusal.reason, resource: `stream/${stream}` }, refusal.problem);
      const retention = c.req.valid("json");
      return c.json(await onStream(c, stream, telemetry, "retention", (rpc, at) => rpc.setRetention(at, retention)), 200);
    })
    .openapi(replayRoute, async (c) => {
      const { stream } = c.req.valid("param");
      await requireCapability(c, telemetry, `events:replay:${stream}`, `stream/${stream}`);
      const body = c.req.valid("json");
      await onBus(c, telemetry, "record", (rpc, at) => rpc.record(at, body.subscription));
      const range = { id: `rpl_${crypto.randomUUID().replaceAll("-", "")}`, from: body.from, to: body.to ?? Number.MAX_SAFE_INTEGER };
      return c.json(await onStream(c, stream, telemetry, "replay", (rpc, at) => rpc.replay(at, body.subscription, range)), 202);
    })
    .openapi(tailRoute, async (c) => {
      const { stream } = c.req.valid("param");
      await requireCapability(c, telemetry, `events:read:${stream}`, `stream/${stream}`);
      const query = c.req.valid("query");
      if (query.subscription) {
        const record = await onBus(c, telemetry, "record", (rpc, at) => rpc.record(at, query.subscription!));
        // A live subscription's pushes are its owner's: nobody else attaches to take them.
        if (!mayAttach(principalCaller(c), record, holds(c, ADMIN))) {
          await deny(c, telemetry, ADMIN, `subscription '${record.id}' belongs to another principal; only its creator or an admin may attach to it`, `subscription/${record.id}`);
        }
        if (record.spec.target.kind !== "live" || (record.spec.stream !== undefined && !streamCovers(record.spec.stream, stream))) {
          throw validationProblem([{ path: "query.subscription", message: `subscription '${record.id}' does not deliver this stream to live connections` }]);
        }
      }
      const from = query.from ?? resumeFrom(c) ?? (await onStream(c, stream, telemetry, "info", (rpc, at) => rpc.info(at))).last + 1;
      if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
        const url = new URL("https://stream.internal/tail");
        url.searchParams.set("tenant", c.get("tenant"));
        url.searchParams.set("stream", stream);
        url.searchParams.set("from", String(from));
        if (query.subscription) url.searchParams.set("subscription", query.subscription);
        const tail = await streamStub(c, stream).fetch(new Request(url, { headers: c.req.raw.headers }));
        // A fetched response's headers are immutable; middleware (request id, security headers) adds to them.
        return new Response(tail.body, { status: tail.status, statusText: tail.statusText, headers: tail.headers, webSocket: tail.webSocket }) as never;
      }
      return sseTail(c, telemetry, stream, from) as never;
    });
