// Every /v1 route of the API as a concrete request (method, path, a valid body) with
// the capability it needs, built around a fixture agent. The security suite runs each
// kind of attack against all of them; `documentedRoutes` lets it fail when the OpenAPI
// document lists a route this table does not cover.
import { expect } from "vitest";
import { eventually } from "./eventually.ts";
import { type Body, get, newId } from "./http.ts";
import { admin, expectOk, snapshot } from "./security.ts";

export type RouteCase = {
  /** `METHOD /path/{template}` as the OpenAPI document names it. */
  route: string;
  method: string;
  path: string;
  body?: unknown;
  /** The capability it needs; null when a valid token is enough. */
  capability: string | null;
  /** How a denial names what was being done. */
  resource: string | null;
};

/**
 * A counter `id` of `tenant` with history, one grant and one schedule due in an hour, a checkpoint of it, a stream
 * `fx` with one event and a live subscription `subscriptionId` to it, and ids nothing
 * uses yet. Its configuration is at version 1, holding the flag `flag`.
 */
export type Fixture = {
  tenant: string;
  id: string;
  spawnId: string;
  restoreId: string;
  grantId: string;
  /** The fixture agent's schedule (due in an hour), and a schedule id it does not have yet. */
  scheduleId: string;
  newScheduleId: string;
  checkpoint: Body;
  subscriptionId: string;
  newSubscriptionId: string;
  /** A registered workflow (one counter step), a run of it, and a workflow name nobody registered. */
  workflow: string;
  runId: string;
  newWorkflow: string;
  /** A pool of capacity 2 whose one unit the fixture's admin leased (`leaseId`), and a pool name nobody created. */
  pool: string;
  leaseId: string;
  newPool: string;
  /** A group of counters (one member) and a group id nobody created. */
  group: string;
  newGroup: string;
  /** A boolean flag in the tenant's configuration (version 1, set by the fixture). */
  flag: string;
};

/** The fixture's event stream, and an event type that goes to it. */
export const STREAM = "fx";
const EVENT_TYPE = "fx.created";
const FLAG = "fx-flag";

export const makeFixture = async (tenant: string): Promise<Fixture> => {
  const owner = await admin(tenant);
  const id = newId("fx");
  expect((await owner.post("/v1/agents", { type: "counter", id })).status).toBe(201);
  expect((await owner.post(`/v1/agents/${id}/actions/increment`, { by: 2 })).body).toEqual({ value: 2 });
  const grant = expectOk(await owner.post(`/v1/agents/${id}/grants`, { name: "agents:read:counter" }));
  const schedule = expectOk(await owner.post(`/v1/agents/${id}/schedules`, scheduleRequest(newId("fx-sched"))));
  const checkpoint = expectOk(await owner.post(`/v1/agents/${id}/checkpoint`));
  expectOk(await owner.post("/v1/events", { source: "test/security", type: EVENT_TYPE, data: { n: 1 } }));
  const subscriptionId = newId("fx-sub");
  expectOk(await owner.post("/v1/subscriptions", subscription(subscriptionId)));
  const workflow = workflowName();
  expectOk(await owner.post("/v1/workflows", workflowDefinition(workflow)));
  const run = expectOk(await owner.post(`/v1/workflows/${workflow}/runs`, {}));
  // The runs index learns of a run from its coordinator, just after the start answers.
  const pool = newId("fx-pool");
  expectOk(await owner.post("/v1/pools", { name: pool, capacity: 2 }));
  const lease = expectOk(await owner.post(`/v1/pools/${pool}/acquire`, { units: 1, leaseMs: 3_600_000 }));
  const group = newId("fx-grp");
  expectOk(await owner.post("/v1/groups", groupDefinition(group)));
  const flags = { [FLAG]: { type: "boolean", variants: { on: true, off: false }, defaultVariant: "off" } };
  expect(expectOk(await owner.send("PATCH", "/v1/config", { flags, platform: { clusterName: "fx" } })).version).toBe(1);
  await eventually(`run ${run.id} listed`, async () => (await owner.get("/v1/runs?limit=1000")).body.items, (items: Body[]) => items.some((item) => item.id === run.id));
  return {
    tenant,
    id,
    spawnId: newId("fx-spawn"),
    restoreId: newId("fx-restore"),
    grantId: grant.id,
    scheduleId: schedule.id,
    newScheduleId: newId("fx-sched"),
    checkpoint,
    subscriptionId,
    newSubscriptionId: newId("fx-sub"),
    workflow,
    runId: run.id,
    newWorkflow: workflowName(),
    pool,
    leaseId: lease.id,
    newPool: newId("fx-pool"),
    group,
    newGroup: newId("fx-grp"),
    flag: FLAG,
  };
};

const workflowName = (): string => `wf_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
const workflowDefinition = (name: string) => ({
  name,
  version: "1.0.0",
  // Spawned for the run: the fixture starts it at once, before a spawned agent has registered in the directory.
  participants: { tally: { type: "counter", spawn: true } },
  flow: [{ step: "count", role: "tally", action: "increment", input: { by: 1 } }],
});

/** A one-shot `increment` an hour away: it never fires while the tests run. */
const scheduleRequest = (id: string) => ({ id, delayMs: 3_600_000, action: "increment", input: { by: 1 } });

const groupDefinition = (id: string) => ({ id, type: "counter", min: 1, max: 2, scale: { on: "in_flight", target: 4 } });

const subscription = (id: string) => ({ id, patterns: ["fx.*"], stream: STREAM, start: "latest", target: { kind: "live" } });

/** The routes in an order a token allowed everything could run them one after another. */
export const routeCases = (f: Fixture): RouteCase[] => {
  const agent = `/v1/agents/${f.id}`;
  const resource = `agent/counter/${f.id}`;
  const on = (route: string, method: string, path: string, capability: string, body?: unknown, at = resource): RouteCase => ({
    route,
    method,
    path,
    capability,
    resource: at,
    ...(body === undefined ? {} : { body }),
  });
  const stream = `/v1/streams/${STREAM}`;
  const sub = `/v1/subscriptions/${f.subscriptionId}`;
  const subResource = `subscription/${f.subscriptionId}`;
  return [
    { route: "GET /v1/openapi.json", method: "GET", path: "/v1/openapi.json", capability: null, resource: null },
    { route: "GET /v1/agent-types", method: "GET", path: "/v1/agent-types", capability: "agent-types:read", resource: "agent-types" },
    {
      route: "GET /v1/agent-types/{type}",
      method: "GET",
      path: "/v1/agent-types/counter",
      capability: "agent-types:read",
      resource: "agent-types/counter",
    },
    {
      route: "POST /v1/agents",
      method: "POST",
      path: "/v1/agents",
      body: { type: "counter", id: f.spawnId },
      capability: "agents:spawn:counter",
      resource: `agent/counter/${f.spawnId}`,
    },
    { route: "GET /v1/agents", method: "GET", path: "/v1/agents?type=counter", capability: "agents:list:counter", resource: "agents/counter" },
    on("POST /v1/discovery/query", "POST", "/v1/discovery/query", "discovery:query", { type: "counter" }, "discovery"),
    on("GET /v1/agents/{id}", "GET", agent, "agents:read:counter"),
    on("POST /v1/agents/{id}/actions/{action}", "POST", `${agent}/actions/increment`, "agents:call:counter.increment", { by: 1 }),
    on("POST /v1/agents/{id}/pause", "POST", `${agent}/pause`, "agents:manage:counter"),
    on("POST /v1/agents/{id}/resume", "POST", `${agent}/resume`, "agents:manage:counter"),
    on("POST /v1/agents/{id}/checkpoint", "POST", `${agent}/checkpoint`, "agents:checkpoint:counter"),
    {
      route: "POST /v1/agents/{id}/restore",
      method: "POST",
      path: `/v1/agents/${f.restoreId}/restore`,
      body: f.checkpoint,
      capability: "agents:restore:counter",
      resource: `agent/counter/${f.restoreId}`,
    },
    on("GET /v1/agents/{id}/grants", "GET", `${agent}/grants`, "agents:grant:counter"),
    on("POST /v1/agents/{id}/grants", "POST", `${agent}/grants`, "agents:grant:counter", { name: "agents:read:counter" }),
    on("DELETE /v1/agents/{id}/grants/{grantId}", "DELETE", `${agent}/grants/${f.grantId}`, "agents:grant:counter"),
    on("POST /v1/agents/{id}/schedules", "POST", `${agent}/schedules`, "agents:schedule:counter", scheduleRequest(f.newScheduleId)),
    on("GET /v1/agents/{id}/schedules", "GET", `${agent}/schedules`, "agents:read:counter"),
    on("DELETE /v1/agents/{id}/schedules/{scheduleId}", "DELETE", `${agent}/schedules/${f.scheduleId}`, "agents:schedule:counter"),
    on("POST /v1/tickets", "POST", "/v1/tickets", "agents:read:counter", { agent: f.id, scope: "read" }),
    on("GET /v1/agents/{id}/live", "GET", `${agent}/live`, "agents:read:counter"),
    on("POST /v1/agents/{id}/stop", "POST", `${agent}/stop`, "agents:manage:counter"),
    on("POST /v1/agents/{id}/start", "POST", `${agent}/start`, "agents:manage:counter"),
    on("DELETE /v1/agents/{id}", "DELETE", agent, "agents:manage:counter"),
    {
      route: "GET /v1/streams/{stream}/events",
      method: "GET",
      path: "/v1/streams/audit/events",
      capability: "events:read:audit",
      resource: "stream/audit",
    },
    on("POST /v1/events", "POST", "/v1/events", `events:publish:${EVENT_TYPE}`, { source: "test/security", type: EVENT_TYPE, data: { n: 2 } }, `stream/${STREAM}`),
    on("GET /v1/streams/{stream}", "GET", stream, `events:read:${STREAM}`, undefined, `stream/${STREAM}`),
    on("PUT /v1/streams/{stream}/retention", "PUT", `${stream}/retention`, `events:admin:${STREAM}`, { maxAgeMs: null, maxCount: 1000 }, `stream/${STREAM}`),
    on("GET /v1/streams/{stream}/tail", "GET", `${stream}/tail?from=1`, `events:read:${STREAM}`, undefined, `stream/${STREAM}`),
    on("POST /v1/subscriptions", "POST", "/v1/subscriptions", "events:subscribe", subscription(f.newSubscriptionId), "subscriptions"),
    on("GET /v1/subscriptions", "GET", "/v1/subscriptions", "events:subscribe", undefined, "subscriptions"),
    on("GET /v1/subscriptions/{id}", "GET", sub, "events:subscribe", undefined, subResource),
    on("POST /v1/subscriptions/{id}/pause", "POST", `${sub}/pause`, "events:subscribe", undefined, subResource),
    on("POST /v1/subscriptions/{id}/resume", "POST", `${sub}/resume`, "events:subscribe", undefined, subResource),
    on("POST /v1/streams/{stream}/replay", "POST", `${stream}/replay`, `events:replay:${STREAM}`, { subscription: f.subscriptionId, from: 1 }, `stream/${STREAM}`),
    on("DELETE /v1/subscriptions/{id}", "DELETE", sub, "events:subscribe", undefined, subResource),
    on("POST /v1/workflows", "POST", "/v1/workflows", "workflows:register", workflowDefinition(f.newWorkflow), "workflows"),
    on("GET /v1/workflows", "GET", "/v1/workflows", "workflows:read", undefined, "workflows"),
    on("GET /v1/workflows/{name}", "GET", `/v1/workflows/${f.workflow}`, "workflows:read", undefined, `workflows/${f.workflow}`),
    on("POST /v1/workflows/{name}/runs", "POST", `/v1/workflows/${f.workflow}/runs`, `workflows:run:${f.workflow}`, {}, `workflows/${f.workflow}`),
    on("GET /v1/runs", "GET", "/v1/runs", "runs:read", undefined, "runs"),
    on("GET /v1/runs/{id}", "GET", `/v1/runs/${f.runId}`, "runs:read", undefined, `runs/${f.runId}`),
    on("GET /v1/runs/{id}/live", "GET", `/v1/runs/${f.runId}/live`, "runs:read", undefined, `runs/${f.runId}`),
    on("POST /v1/runs/{id}/events", "POST", `/v1/runs/${f.runId}/events`, `runs:signal:${f.workflow}`, { type: "fx.signal" }, `runs/${f.runId}`),
    on("POST /v1/runs/{id}/cancel", "POST", `/v1/runs/${f.runId}/cancel`, `runs:cancel:${f.workflow}`, undefined, `runs/${f.runId}`),
    on("GET /v1/revocations", "GET", "/v1/revocations", "tokens:revoke", undefined, "revocations"),
    on("POST /v1/revocations", "POST", "/v1/revocations", "tokens:revoke", { jti: "fx-no-such-token" }, "revocations"),
    on("PUT /v1/cache/{namespace}/{key}", "PUT", "/v1/cache/fx/k1", "cache:write:fx", { v: 2 }, "cache/fx"),
    on("GET /v1/cache/{namespace}/{key}", "GET", "/v1/cache/fx/k1", "cache:read:fx", undefined, "cache/fx"),
    on("DELETE /v1/cache/{namespace}/{key}", "DELETE", "/v1/cache/fx/k1", "cache:write:fx", undefined, "cache/fx"),
    on("POST /v1/pools", "POST", "/v1/pools", "pools:admin", { name: f.newPool, capacity: 2 }, `pool/${f.newPool}`),
    on("GET /v1/pools", "GET", "/v1/pools", "pools:read", undefined, "pools"),
    on("GET /v1/pools/{name}", "GET", `/v1/pools/${f.pool}`, "pools:read", undefined, `pool/${f.pool}`),
    on("POST /v1/pools/{name}/acquire", "POST", `/v1/pools/${f.pool}/acquire`, `pools:acquire:${f.pool}`, { units: 1, timeoutMs: 0 }, `pool/${f.pool}`),
    on("POST /v1/leases/{id}/renew", "POST", `/v1/leases/${f.leaseId}/renew`, `pools:acquire:${f.pool}`, { leaseMs: 3_600_000 }, `pool/${f.pool}`),
    on("POST /v1/leases/{id}/release", "POST", `/v1/leases/${f.leaseId}/release`, `pools:acquire:${f.pool}`, undefined, `pool/${f.pool}`),
    on("DELETE /v1/pools/{name}", "DELETE", `/v1/pools/${f.newPool}`, "pools:admin", undefined, `pool/${f.newPool}`),
    on("GET /v1/metrics", "GET", "/v1/metrics", "metrics:read", undefined, "metrics"),
    on("POST /v1/groups", "POST", "/v1/groups", "groups:admin", groupDefinition(f.newGroup), `group/${f.newGroup}`),
    on("GET /v1/groups", "GET", "/v1/groups", "groups:read", undefined, "groups"),
    on("GET /v1/groups/{id}", "GET", `/v1/groups/${f.group}`, "groups:read", undefined, `group/${f.group}`),
    on("POST /v1/groups/{id}/actions/{action}", "POST", `/v1/groups/${f.group}/actions/increment`, `groups:call:${f.group}`, { by: 1 }, `group/${f.group}`),
    on("DELETE /v1/groups/{id}", "DELETE", `/v1/groups/${f.newGroup}`, "groups:admin", undefined, `group/${f.newGroup}`),
    on("GET /v1/config", "GET", "/v1/config", "config:read", undefined, "config"),
    on("GET /v1/config/schema", "GET", "/v1/config/schema", "config:read", undefined, "config"),
    on("GET /v1/config/history", "GET", "/v1/config/history", "config:read", undefined, "config"),
    on("POST /v1/flags/{key}/evaluate", "POST", `/v1/flags/${f.flag}/evaluate`, "flags:evaluate", { context: { targetingKey: "fx-user" } }, `flag/${f.flag}`),
    on("PATCH /v1/config", "PATCH", "/v1/config", "config:write", { platform: { clusterName: "fx-changed" } }, "config"),
    // Back to the fixture's version 1 (the flag kept), as a new version.
    on("POST /v1/config/rollback", "POST", "/v1/config/rollback", "config:write", { version: 1 }, "config"),
  ];
};

/** A group's members (id and state) and each member's counter value: what a call or a scaling would change. */
const groupState = async (owner: Awaited<ReturnType<typeof admin>>, id: string): Promise<Body> => {
  const group = (await owner.get(`/v1/groups/${id}`)).body;
  return Promise.all(group.members.map(async (m: Body) => ({ id: m.id, state: m.state, value: (await owner.get(`/v1/agents/${m.id}`)).body.state?.value ?? null })));
};

/** Routes the table has that the OpenAPI document does not list (the document itself). */
export const UNDOCUMENTED = ["GET /v1/openapi.json"];

/** Every `/v1` operation the OpenAPI document lists, as `METHOD /path`. */
export const documentedRoutes = async (): Promise<string[]> => {
  const reply = await get("/v1/openapi.json");
  expect(reply.status, reply.text).toBe(200);
  return Object.entries<Record<string, unknown>>(reply.body.paths)
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
};

/**
 * What the fixture looks like to its tenant's admin: the agent, its grants and schedules, the
 * stream and its events, the subscription's definition and status, the unused ids
 * still unused, the tenant's revocations, and its configuration's version and settings.
 */
export const fixtureState = async (f: Fixture): Promise<Body> => {
  const owner = await admin(f.tenant);
  const subscription = await owner.get(`/v1/subscriptions/${f.subscriptionId}`);
  const { id, status, patterns, stream, target } = subscription.body;
  return {
    agent: await snapshot(f.tenant, f.id),
    schedules: (await owner.get(`/v1/agents/${f.id}/schedules?limit=1000`)).body.items.map((item: Body) => `${item.id}:${item.active}:${item.nextAt}`),
    spawned: (await snapshot(f.tenant, f.spawnId)).status,
    restored: (await snapshot(f.tenant, f.restoreId)).status,
    stream: (await owner.get(`/v1/streams/${STREAM}`)).body,
    events: (await owner.get(`/v1/streams/${STREAM}/events`)).body,
    subscription: { code: subscription.status, id, status, patterns, stream, target },
    subscriptions: (await owner.get("/v1/subscriptions?limit=1000")).body.items.map((item: Body) => item.id),
    workflows: (await owner.get("/v1/workflows?limit=1000")).body.items.map((item: Body) => `${item.name}@${item.version}`),
    runs: (await owner.get("/v1/runs?limit=1000")).body.items.map((item: Body) => item.id),
    revocations: (await owner.get("/v1/revocations?limit=1000")).body.items.map((item: Body) => `${item.kind}:${item.value}`),
    cache: (await owner.get("/v1/cache/fx/k1?consistency=strong")).body?.value ?? null,
    pools: (await owner.get("/v1/pools?limit=1000")).body.items.map((item: Body) => item.name),
    pool: (await owner.get(`/v1/pools/${f.pool}`)).body,
    groups: (await owner.get("/v1/groups?limit=1000")).body.items.map((item: Body) => item.id),
    group: await groupState(owner, f.group),
    config: (({ version, settings }: Body) => ({ version, settings }))((await owner.get("/v1/config")).body),
  };
};
