// The tiered cache over HTTP: GET, PUT and DELETE /v1/cache/:namespace/:key in the
// token's tenant. Reads take `consistency` (eventual, strong, bounded with
// `maxStalenessMs`) and answer `Cache-Status` (RFC 9211) naming the tier that answered;
// writes take `ttl` (seconds) and answer once the origin committed. Capabilities:
// `cache:read:<ns>` for GET, `cache:write:<ns>` for PUT and DELETE.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Background, cacheDelete, cacheRead, cacheWrite } from "../../objects/cache/index.ts";
import { cacheStatus } from "../platform/cache/cache-status.ts";
import { readOptionsSchema } from "../platform/cache/consistency.ts";
import { assertValueFits, DEFAULT_TTL_SECONDS, ttlSchema } from "../platform/cache/entry.ts";
import { cacheCapability, keySchema, namespaceSchema } from "../platform/cache/names.ts";
import { notFound } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { problemResponse } from "./problem-response.ts";
import { json, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const params = z.object({
  namespace: namespaceSchema.openapi({ param: { name: "namespace", in: "path" }, example: "sessions" }),
  key: keySchema.openapi({ param: { name: "key", in: "path" }, example: "user:42" }),
});

const isoTime = z.string().openapi({ format: "date-time" });
const entrySchema = z
  .object({ namespace: z.string(), key: z.string(), value: z.unknown(), version: z.number().int(), writtenAt: isoTime, expiresAt: isoTime,
    asOf: isoTime.openapi({ description: "When the origin last confirmed this version as the newest: the copy is at most now - asOf behind" }) })
  .openapi("CacheEntry");
const writtenSchema = z.object({ namespace: z.string(), key: z.string(), version: z.number().int(), writtenAt: isoTime, expiresAt: isoTime }).openapi("CacheWritten");
const cacheStatusHeader = { "cache-status": { schema: { type: "string" as const }, description: "RFC 9211: the tier that answered, e.g. `jido-l1; hit; ttl=30` or `jido-origin; fwd=miss`" } };

const getRoute = createRoute({
  method: "get",
  path: "/v1/cache/{namespace}/{key}",
  tags: ["cache"],
  summary: "Read an entry: eventual (nearest tier), strong (the origin) or bounded (no copy older than maxStalenessMs)",
  request: { params, query: readOptionsSchema },
  responses: { 200: { ...json(entrySchema, "The entry"), headers: cacheStatusHeader }, ...problemResponses(400, 403, 404, 503) },
});

const putRoute = createRoute({
  method: "put",
  path: "/v1/cache/{namespace}/{key}",
  tags: ["cache"],
  summary: "Write an entry (the body is its JSON value, at most 128 KiB); answered once the origin committed it",
  request: {
    params,
    query: z.object({ ttl: ttlSchema.optional().openapi({ description: `Seconds the entry lives (default ${DEFAULT_TTL_SECONDS})` }) }),
    body: { required: true, content: { "application/json": { schema: z.unknown() } } },
  },
  responses: { 200: json(writtenSchema, "Written"), ...problemResponses(400, 403, 413, 415, 503) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/cache/{namespace}/{key}",
  tags: ["cache"],
  summary: "Delete an entry (and invalidate this isolate's and location's copies; others age out)",
  request: { params },
  responses: { 204: { description: "Deleted (or there was nothing)" }, ...problemResponses(400, 403, 503) },
});

const background = (c: Context<AppEnv>, deps: ApiDeps): Background => ({
  telemetry: deps.telemetry,
  waitUntil: (promise) => {
    try {
      c.executionCtx.waitUntil(promise);
    } catch {
      // No execution context (an in-process app.request): the promise runs on its own.
      void promise;
    }
  },
});

const iso = (ms: number) => new Date(ms).toISOString();

export const cacheRoutes = (deps: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(getRoute, async (c) => {
      const { namespace, key } = c.req.valid("param");
      await requireCapability(c, deps.telemetry, cacheCapability("read", namespace), `cache/${namespace}`, { namespace, key });
      const { copy, answer } = await cacheRead(c.env, c.get("tenant"), namespace, key, c.req.valid("query"), background(c, deps));
      const headers = { "cache-status": cacheStatus(answer) };
      if (!copy) return problemResponse(notFound("Cache entry", `${namespace}/${key}`).problem, headers) as never;
      const body = { namespace, key, value: JSON.parse(copy.value) as unknown, version: copy.version, writtenAt: iso(copy.writtenAt), expiresAt: iso(copy.expiresAt), asOf: iso(copy.asOf) };
      return c.json(body, 200, headers);
    })
    .openapi(putRoute, async (c) => {
      const { namespace, key } = c.req.valid("param");
      await requireCapability(c, deps.telemetry, cacheCapability("write", namespace), `cache/${namespace}`, { namespace, key });
      const value = JSON.stringify(c.req.valid("json"));
      assertValueFits(value);
      const ttl = c.req.valid("query").ttl ?? DEFAULT_TTL_SECONDS;
      const copy = await cacheWrite(c.env, c.get("tenant"), namespace, key, value, ttl, background(c, deps));
      return c.json({ namespace, key, version: copy.version, writtenAt: iso(copy.writtenAt), expiresAt: iso(copy.expiresAt) }, 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { namespace, key } = c.req.valid("param");
      await requireCapability(c, deps.telemetry, cacheCapability("write", namespace), `cache/${namespace}`, { namespace, key });
      await cacheDelete(c.env, c.get("tenant"), namespace, key, background(c, deps));
      return c.body(null, 204);
    });
