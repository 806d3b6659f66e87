// The agent directory over HTTP: `GET /v1/agents` lists a tenant's agents from its
// directory shards (filters, paging merged by id), and `POST /v1/discovery/query` finds
// the agents best fit for a requirement, scored, widening from local to global as asked.
// Listing needs `agents:list:<type>`: with `?type=` that type's; without it, the list
// covers the deployed types the caller may list (every type, including ones no longer
// deployed, for `agents:list:*` or admin), and a caller who may list none gets 403
// naming `agents:list:*`. Discovery needs `discovery:query`; it reveals ids, types,
// labels, placement and load of the tenant's running agents, never their state.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type DirectoryShard, discoverText } from "../../objects/directory/index.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { callDurable } from "../platform/durable-call.ts";
import { AGENT_STATUSES, entryView } from "../platform/discovery/entry.ts";
import { encodeCursor, type ListFilter, mergePages, parseListQuery, type ShardPage } from "../platform/discovery/list.ts";
import { hintFromCf } from "../platform/discovery/placement.ts";
import { discoveryQuerySchema, STRATEGIES, TIERS } from "../platform/discovery/query.ts";
import { directoryShardName, shardCount } from "../platform/discovery/shards.ts";
import { checkCapability } from "../platform/security/check.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { principalCaller } from "./agent-access.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, placementViewSchema, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const loadSchema = z.object({
  inFlight: z.number(),
  queueLength: z.number(),
  errorRate: z.number(),
  p50Ms: z.number().nullable(),
  windowCalls: z.number(),
});

const entrySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    version: z.string(),
    capabilities: z.record(z.string(), z.unknown()),
    labels: z.record(z.string(), z.string()),
    placement: placementViewSchema,
    status: z.enum(AGENT_STATUSES),
    breaker: z.enum(["closed", "open", "half_open"]),
    load: loadSchema,
    createdAt: z.string(),
    reportedAt: z.string(),
  })
  .openapi("DirectoryEntry");

const listRoute = createRoute({
  method: "get",
  path: "/v1/agents",
  tags: ["agents"],
  summary: "List agents from the directory: ?type=&status=&capability=&label.<name>=<value>&limit=&cursor= (by id)",
  request: {
    query: z.object({
      type: z.string().optional(),
      status: z.enum(AGENT_STATUSES).optional(),
      capability: z.string().optional().openapi({ description: "A capability name the agent's type declares" }),
      limit: z.string().optional(),
      cursor: z.string().optional(),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(entrySchema), next: z.string().nullable() }), "A page of directory entries"),
    ...problemResponses(400, 403, 503),
  },
});

const queryBody = discoveryQuerySchema.openapi("DiscoveryQuery");

const queryRoute = createRoute({
  method: "post",
  path: "/v1/discovery/query",
  tags: ["discovery"],
  summary: "Find running agents by type, capability and constraints, scored; local, regional, global or adaptive",
  request: { body: jsonBody(queryBody) },
  responses: {
    200: json(
      z
        .object({
          strategy: z.enum(STRATEGIES),
          tier: z.enum(TIERS),
          near: placementViewSchema,
          min_count: z.number().int(),
          matched: z.number().int(),
          satisfied: z.boolean(),
          counts: z.object({ local: z.number().int(), regional: z.number().int(), global: z.number().int() }),
          items: z.array(
            z.object({
              agent: entrySchema,
              score: z.number(),
              parts: z.object({ capability: z.number(), health: z.number(), load: z.number(), locality: z.number() }),
            }),
          ),
        })
        .openapi("DiscoveryAnswer"),
      "The matches, best first, with the tier they come from",
    ),
    ...problemResponses(400, 403, 413, 415, 503),
  },
});

const shardStub = (c: Context<AppEnv>, k: number) => {
  const namespace = c.env.DIRECTORY;
  return typedStub<DirectoryShard>(namespace.get(namespace.idFromName(directoryShardName(c.get("tenant"), k))));
};

const shards = (c: Context<AppEnv>): number[] => Array.from({ length: shardCount(c.env.JIDO_DIRECTORY_SHARDS) }, (_, k) => k);

/** The types the caller may list: undefined for all of them (`agents:list:*`), else the deployed ones it holds. */
const listableTypes = async (c: Context<AppEnv>, telemetry: Telemetry, deployed: readonly string[], type: string | undefined): Promise<string[] | undefined> => {
  if (type !== undefined) {
    await requireCapability(c, telemetry, `agents:list:${type}`, `agents/${type}`, { type });
    return [type];
  }
  const { grants } = principalCaller(c);
  const now = Date.now();
  if (checkCapability(grants, "agents:list:*", {}, now).ok) return undefined;
  const allowed = deployed.filter((name) => checkCapability(grants, `agents:list:${name}`, { type: name }, now).ok);
  if (allowed.length === 0) await requireCapability(c, telemetry, "agents:list:*", "agents");
  return allowed;
};

export const directoryRoutes = ({ registry, telemetry }: ApiDeps) => {
  const deployed = registry.list().map((definition) => definition.name);
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listRoute, async (c) => {
      const query = parseListQuery(new URL(c.req.url).searchParams);
      const types = await listableTypes(c, telemetry, deployed, query.type);
      const filter: ListFilter = {
        ...(types === undefined ? {} : { types }),
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.capability === undefined ? {} : { capability: query.capability }),
        labels: query.labels,
      };
      const done = query.cursor?.done ?? [];
      const asked = shards(c).filter((k) => !done.includes(k));
      const pages = await Promise.all(
        asked.map(async (k): Promise<[number, ShardPage]> => [
          k,
          await callDurable("directory.page", () => shardStub(c, k).page({ filter, after: query.cursor?.after ?? null, limit: query.limit }), telemetry),
        ]),
      );
      const page = mergePages(new Map(pages), query.limit, done);
      return c.json({ items: page.items.map(entryView), next: page.next === null ? null : encodeCursor(page.next) }, 200);
    })
    .openapi(queryRoute, async (c) => {
      await requireCapability(c, telemetry, "discovery:query", "discovery");
      const body = c.req.valid("json");
      const cfHint = hintFromCf(c.req.raw.cf as { continent?: unknown; longitude?: unknown } | undefined);
      const near = { locationHint: body.near?.locationHint ?? (body.near ? null : cfHint), jurisdiction: body.near?.jurisdiction ?? null };
      // The answer's text as c.json would write it, made from the shards' entry texts (decide.ts decideText): typed as the route's.
      const text = await discoverText({ env: c.env, tenant: c.get("tenant"), telemetry }, body, near);
      return c.body(text, 200, { "Content-Type": "application/json" }) as never;
    });
};
