// Reading event streams (the audit stream among them), in order, from a position.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EventStreamRpc } from "../../objects/event-stream.ts";
import { callDurable } from "../platform/durable-call.ts";
import { streamNameSchema } from "../platform/events/cloud-event.ts";
import { streamObjectName } from "../platform/events/naming.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const readRoute = createRoute({
  method: "get",
  path: "/v1/streams/{stream}/events",
  tags: ["events"],
  summary: "Read a stream in order from a sequence number",
  request: {
    params: z.object({ stream: streamNameSchema.openapi({ param: { name: "stream", in: "path" }, example: "audit" }) }),
    query: z.strictObject({
      from: z.coerce.number().int().min(1).default(1),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(z.object({}).passthrough()), next: z.number().int().nullable() }), "Events from `from`; `next` is the sequence to read from next"),
    ...problemResponses(400, 403, 503),
  },
});

export const streamRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(readRoute, async (c) => {
    const { stream } = c.req.valid("param");
    await requireCapability(c, telemetry, `events:read:${stream}`, `stream/${stream}`);
    const tenant = c.get("tenant");
    const namespace = c.env.STREAMS;
    const id = namespace.idFromName(streamObjectName(tenant, stream));
    const query = c.req.valid("query");
    const page = await callDurable("stream.read", () => (namespace.get(id) as unknown as EventStreamRpc).read({ tenant, stream }, query), telemetry);
    return c.json(page, 200);
  });
