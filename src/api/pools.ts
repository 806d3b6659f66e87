// Resource pools: create, list, read and delete a tenant's pools (pools:admin,
// pools:read); acquire a lease of some units, waiting in the pool's fair priority queue
// up to `timeoutMs`, then renew or release it (pools:acquire:<pool>). The requester a
// pool schedules by is the token's subject, never a field of the request.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { acquireLease, createPool, deletePool, listPools, onLease, viewPool } from "../../objects/pools/index.ts";
import { idSchema } from "../platform/ids.ts";
import { poolAcquireCapability, POOLS_ADMIN, POOLS_READ, poolResource } from "../platform/pools/capabilities.ts";
import { poolOfLease } from "../platform/pools/lease-id.ts";
import { principalRequester } from "../platform/pools/naming.ts";
import { acquireBodySchema, configView, createPoolSchema, type LeaseView, poolNameSchema, renewBodySchema } from "../platform/pools/schemas.ts";
import { PRIORITIES } from "../platform/pools/scheduler.ts";
import { notFound } from "../platform/problem.ts";
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { holds, requireCapability } from "./authorize.ts";
import { collectionRoutes } from "./collection-routes.ts";
import type { ApiDeps } from "./deps.ts";
import { idempotencyHeaders, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const isoTime = z.string().openapi({ format: "date-time" });
const fairness = z.enum(["fifo", "per_requester"]);
const poolConfigSchema = z
  .object({ name: z.string(), capacity: z.number().int(), fairness, weights: z.record(z.string(), z.number()), maxWaiters: z.number().int(), createdAt: isoTime })
  .openapi("PoolConfig");
const poolViewSchema = poolConfigSchema
  .extend({
    inUse: z.number().int(),
    available: z.number().int(),
    queue: z.object(Object.fromEntries(PRIORITIES.map((p) => [p, z.number().int()])) as Record<(typeof PRIORITIES)[number], z.ZodNumber>),
    holders: z.array(z.object({ requester: z.string(), units: z.number().int(), leases: z.number().int() })),
  })
  .openapi("Pool");
const leaseSchema = z
  .object({
    id: z.string(),
    pool: z.string(),
    requester: z.string(),
    units: z.number().int(),
    priority: z.enum(PRIORITIES),
    grantedAt: isoTime,
    expiresAt: isoTime,
    leaseMs: z.number().int(),
    waitedMs: z.number().int(),
  })
  .openapi("Lease");

const nameParams = z.object({ name: poolNameSchema.openapi({ param: { name: "name", in: "path" }, example: "gpu" }) });
const leaseParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/pools",
  tags: ["pools"],
  summary: "Create a resource pool (the same configuration again answers it)",
  request: { body: jsonBody(createPoolSchema.openapi("PoolRequest")) },
  responses: { 201: json(poolViewSchema, "Created"), 200: json(poolViewSchema, "Exists with this configuration"), ...problemResponses(400, 403, 409, 415, 503) },
});

const { list: listRouteDef, get: getRouteDef, delete: deleteRouteDef } = collectionRoutes({
  path: "/v1/pools",
  key: "name",
  tag: "pools",
  params: nameParams,
  item: poolConfigSchema,
  view: poolViewSchema,
  summaries: {
    list: "List the tenant's pools",
    get: "A pool: capacity, units in use, waiting requests by priority, holders",
    delete: "Delete a pool: its leases end, its waiting requests are answered 404",
  },
});

const acquireRouteDef = createRoute({
  method: "post",
  path: "/v1/pools/{name}/acquire",
  tags: ["pools"],
  summary: "Acquire units: a lease at once, or after waiting up to timeoutMs in the pool's queue (503 with Retry-After otherwise)",
  request: { params: nameParams, headers: idempotencyHeaders, body: jsonBody(acquireBodySchema.openapi("AcquireRequest")) },
  responses: { 200: json(leaseSchema, "Granted"), ...problemResponses(400, 403, 404, 415, 503) },
});

const renewRouteDef = createRoute({
  method: "post",
  path: "/v1/leases/{id}/renew",
  tags: ["pools"],
  summary: "Extend one's lease by leaseMs (default: its own) from now",
  request: { params: leaseParams, body: { required: false, content: { "application/json": { schema: renewBodySchema.openapi("RenewRequest") } } } },
  responses: { 200: json(leaseSchema, "Renewed"), ...problemResponses(400, 403, 404, 415, 503) },
});

const releaseRouteDef = createRoute({
  method: "post",
  path: "/v1/leases/{id}/release",
  tags: ["pools"],
  summary: "Return one's lease's units to the pool at once",
  request: { params: leaseParams },
  responses: { 200: json(leaseSchema, "Released (the lease as it was)"), ...problemResponses(400, 403, 404, 503) },
});

export const poolRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createRouteDef, async (c) => {
      const request = c.req.valid("json");
      await requireCapability(c, telemetry, POOLS_ADMIN, poolResource(request.name));
      const outcome = await createPool(c.env, telemetry, c.get("tenant"), request);
      return c.json(outcome.pool, outcome.created ? 201 : 200);
    })
    .openapi(listRouteDef, async (c) => {
      await requireCapability(c, telemetry, POOLS_READ, "pools");
      const page = await listPools(c.env, telemetry, c.get("tenant"), c.req.valid("query"));
      return c.json({ items: page.items.map(configView), next: page.next }, 200);
    })
    .openapi(getRouteDef, async (c) => {
      const { name } = c.req.valid("param");
      await requireCapability(c, telemetry, POOLS_READ, poolResource(name));
      return c.json(await viewPool(c.env, telemetry, c.get("tenant"), name), 200);
    })
    .openapi(deleteRouteDef, async (c) => {
      const { name } = c.req.valid("param");
      await requireCapability(c, telemetry, POOLS_ADMIN, poolResource(name));
      await deletePool(c.env, telemetry, c.get("tenant"), name);
      return c.body(null, 204);
    })
    .openapi(acquireRouteDef, async (c) => {
      const { name } = c.req.valid("param");
      await requireCapability(c, telemetry, poolAcquireCapability(name), poolResource(name));
      const since = Date.now();
      // Retries of this request (callDurable's) carry the same key and arrival time.
      const key = c.req.valid("header")["idempotency-key"] ?? `req:${crypto.randomUUID()}`;
      const requester = principalRequester(c.get("principal").subject);
      // A client that hangs up while waiting gives up its place (and any grant racing with it).
      const hangUp = { signal: c.req.raw.signal, waitUntil: (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise) };
      const lease = await acquireLease(c.env, telemetry, c.get("tenant"), name, { ...c.req.valid("json"), requester, key, since }, hangUp);
      return c.json(lease, 200);
    })
    .openapi(renewRouteDef, async (c) => {
      const { id } = c.req.valid("param");
      const body = renewBodySchema.parse(c.req.valid("json") ?? {});
      return c.json(await leaseCall(c, telemetry, "renew", id, body.leaseMs), 200);
    })
    .openapi(releaseRouteDef, async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await leaseCall(c, telemetry, "release", id), 200);
    });

/** Renew or release: the pool comes from the lease id; one's own leases only, any with pools:admin. */
const leaseCall = async (
  c: Context<AppEnv>,
  telemetry: ApiDeps["telemetry"],
  verb: "renew" | "release",
  id: string,
  leaseMs?: number,
): Promise<LeaseView> => {
  const pool = poolOfLease(id);
  if (pool === null) throw notFound("Lease", id);
  await requireCapability(c, telemetry, poolAcquireCapability(pool), poolResource(pool));
  const requester = principalRequester(c.get("principal").subject);
  return onLease(c.env, telemetry, c.get("tenant"), verb, id, { requester, anyRequester: holds(c, POOLS_ADMIN), leaseMs });
};
