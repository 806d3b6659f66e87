// The agent directory and discovery: agents register themselves (labels, placement,
// capabilities, status, load) after spawn and each status change, and leave it when
// deleted; lists filter and page over every shard of the tenant's directory and never
// show another tenant's agents; discovery scores, filters by constraints and says when
// min_count is not met; capabilities are enforced; a shard that lost an entry gets it
// back from the agent's alarm.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually } from "./eventually.ts";
import { type Body, call, expectInvalid, newId, post } from "./http.ts";
import { agentStub, gateWaiting, openGate, storedMeta, until } from "./objects.ts";
import { LEGACY_META_KEY } from "../../objects/agent/store.ts";
import { admin, client, type Client, expectAudited, expectForbidden, expectOk } from "./security.ts";
import { newTenant, TENANT } from "./tokens.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { DIRECTORY_RETRY_MS, directoryShardName, shardCount, shardOf } from "../../src/platform/discovery/shards.ts";

const SHARDS = shardCount(env.JIDO_DIRECTORY_SHARDS);

const shardStub = (tenant: string, id: string) => env.DIRECTORY.get(env.DIRECTORY.idFromName(directoryShardName(tenant, shardOf(id, SHARDS))));
const agentStubOf = (tenant: string, id: string) => env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));

/** Every item of a list, following its cursors with pages of `limit`. */
const listAll = async (who: Client, query: string, limit = 100): Promise<Body[]> => {
  const items: Body[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const reply = await who.get(`/v1/agents?limit=${limit}${query ? `&${query}` : ""}${cursor ? `&cursor=${cursor}` : ""}`);
    const body = expectOk(reply);
    expect(body.items.length).toBeLessThanOrEqual(limit);
    items.push(...body.items);
    cursor = body.next;
    if (cursor === null) return items;
  }
  throw new Error("paging did not end");
};

const ids = (items: Body[]): string[] => items.map((item) => item.id);

/** Lists until the check holds: registration runs just after the change is answered. */
const listedWhen = (who: Client, query: string, check: (items: Body[]) => boolean): Promise<Body[]> =>
  eventually(`list ?${query}`, () => listAll(who, query), check);

const spawnAs = async (who: Client, body: Record<string, unknown>): Promise<Body> => {
  const reply = await who.post("/v1/agents", body);
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

describe("registration", () => {
  it("lists a spawned agent with its labels, placement, capabilities and status, follows its status, and forgets it when deleted", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("a");
    const spawned = await spawnAs(owner, { type: "counter", id, labels: { region: "us", tier: "gold" }, placement: { locationHint: "weur", jurisdiction: "eu" } });
    expect(spawned).toMatchObject({ labels: { region: "us", tier: "gold" }, placement: { locationHint: "weur", jurisdiction: "eu" } });
    expect((await owner.get(`/v1/agents/${id}`)).body.placement).toEqual({ locationHint: "weur", jurisdiction: "eu" });

    const [entry] = await listedWhen(owner, "", (items) => items.some((item) => item.id === id && item.status === "running"));
    expect(entry).toMatchObject({
      id,
      type: "counter",
      version: "1.0.0",
      capabilities: { counting: true },
      labels: { region: "us", tier: "gold" },
      placement: { locationHint: "weur", jurisdiction: "eu" },
      status: "running",
      breaker: "closed",
      load: { inFlight: 0, queueLength: 0, errorRate: 0 },
    });

    expectOk(await owner.post(`/v1/agents/${id}/pause`));
    await listedWhen(owner, "", (items) => items.some((item) => item.id === id && item.status === "paused"));
    expectOk(await owner.post(`/v1/agents/${id}/stop`));
    await listedWhen(owner, "", (items) => items.some((item) => item.id === id && item.status === "stopped"));
    expect((await owner.del(`/v1/agents/${id}`)).status).toBe(204);
    expect(await listAll(owner, "")).toEqual([]);
  });

  it("reports its load figures on its alarm: calls in flight, error rate and median latency of its last calls", async () => {
    // In the tests' main tenant, where the flaky agent's gates can be opened.
    const id = newId("load");
    const run = crypto.randomUUID().slice(0, 8);
    expect((await post("/v1/agents", { type: "flaky", id, labels: { run } })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await call(id, "work", { mode: "ok" })).status).toBe(200);
    expect((await call(id, "work", { mode: "refuse" })).status).toBe(422);
    // Refused before it ran (invalid input): not in the window.
    expect((await call(id, "work", { mode: "nope" })).status).toBe(400);
    const gate = newId("gate");
    const blocked = call(id, "block", { gate });
    await until("the block call runs", () => gateWaiting(gate));
    expect(await runDurableObjectAlarm(agentStub(id))).toBe(true);
    const main = await admin(TENANT);
    const [entry] = await listedWhen(main, `label.run=${run}`, (items) => items.length === 1);
    expect(entry.load).toEqual({ inFlight: 1, queueLength: 0, errorRate: 0.25, windowCalls: 4, p50Ms: expect.any(Number) });
    await openGate(id, gate);
    expect((await blocked).status).toBe(200);
  });

  it("lists a restored agent, with its own id", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("orig");
    await spawnAs(owner, { type: "counter", id });
    const checkpoint = expectOk(await owner.post(`/v1/agents/${id}/checkpoint`));
    const copy = newId("copy");
    expect((await owner.post(`/v1/agents/${copy}/restore`, checkpoint)).status).toBe(201);
    expect(ids(await listedWhen(owner, "status=running", (items) => items.length === 2))).toEqual([id, copy].sort());
  });

  it("refuses bad labels and placement naming the field, and creates nothing", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("a");
    expectInvalid(await owner.post("/v1/agents", { type: "counter", id, labels: { Region: "us" } }), "labels.Region");
    expectInvalid(await owner.post("/v1/agents", { type: "counter", id, labels: { region: "" } }), "labels.region");
    expectInvalid(await owner.post("/v1/agents", { type: "counter", id, placement: { locationHint: "mars" } }), "placement.locationHint");
    expectInvalid(await owner.post("/v1/agents", { type: "counter", id, placement: { jurisdiction: "us" } }), "placement.jurisdiction");
    expect((await owner.get(`/v1/agents/${id}`)).status).toBe(404);
  });

  it("registers again whenever the object starts: an entry a shard lost (a change never acknowledged) is back without waiting for the alarm, which stays the refresh", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("backstop");
    const before = Date.now();
    await spawnAs(owner, { type: "counter", id });
    await listedWhen(owner, "", (items) => ids(items).includes(id));
    // As if the shard never stored it, and the object then restarted.
    await runInDurableObject(shardStub(tenant, id), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM entries WHERE id = ?", id);
    });
    expect(await listAll(owner, "")).toEqual([]);
    await runInDurableObject(agentStubOf(tenant, id), (_instance, state) => state.abort("evicted by test")).catch(() => undefined);
    // A stub that saw its object abort is broken: fresh ones from here on. Touching the object starts it.
    expect((await owner.get(`/v1/agents/${id}`)).status).toBe(200);
    await listedWhen(owner, "", (items) => ids(items).includes(id));
    // Acknowledged: the alarm is the spread refresh, not the retry period.
    const alarm = await runInDurableObject(agentStubOf(tenant, id), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(before + DIRECTORY_RETRY_MS);
  });

  it("reads an agent an earlier version stored (its meta in key-value storage): it loads and registers again", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("legacy");
    await spawnAs(owner, { type: "counter", id });
    await listedWhen(owner, "", (items) => ids(items).includes(id));
    const legacy = await runInDurableObject(agentStubOf(tenant, id), (_instance, state) => {
      state.storage.kv.put(LEGACY_META_KEY, storedMeta(state));
      state.storage.sql.exec("DELETE FROM agent_state WHERE chunk < 0");
      return storedMeta(state)?.status;
    });
    expect(legacy).toBe("running");
    await runInDurableObject(shardStub(tenant, id), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM entries WHERE id = ?", id);
    });
    await runInDurableObject(agentStubOf(tenant, id), (_instance, state) => state.abort("evicted by test")).catch(() => undefined);
    const read = await owner.get(`/v1/agents/${id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ id, status: "running", state: { value: 0 } });
    await listedWhen(owner, "", (items) => ids(items).includes(id));
  });

  it("heals: an entry a shard lost comes back on the agent's alarm", async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const id = newId("heal");
    await spawnAs(owner, { type: "counter", id, labels: { zone: "a" } });
    await listedWhen(owner, "", (items) => ids(items).includes(id));
    await runInDurableObject(shardStub(tenant, id), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM entries WHERE id = ?", id);
    });
    expect(await listAll(owner, "")).toEqual([]);
    expect(await runDurableObjectAlarm(agentStubOf(tenant, id))).toBe(true);
    expect(ids(await listAll(owner, "label.zone=a"))).toEqual([id]);
    // And the alarm is armed again for the next refresh.
    expect(await runInDurableObject(agentStubOf(tenant, id), (_instance, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
  });
});

describe("GET /v1/agents", () => {
  const populate = async () => {
    const tenant = newTenant("dir");
    const owner = await admin(tenant);
    const counters = Array.from({ length: 9 }, (_, i) => `c${i}-${crypto.randomUUID().slice(0, 8)}`);
    const processors = Array.from({ length: 3 }, (_, i) => `p${i}-${crypto.randomUUID().slice(0, 8)}`);
    for (const [i, id] of counters.entries()) await spawnAs(owner, { type: "counter", id, labels: { region: i % 3 === 0 ? "eu" : "us" } });
    for (const id of processors) await spawnAs(owner, { type: "data_processor", id, labels: { region: "us" } });
    await listedWhen(owner, "status=running", (items) => items.length === counters.length + processors.length);
    return { tenant, owner, counters, processors };
  };

  it("pages over every shard by id, never repeating or skipping, and filters by type, status, label and capability", async () => {
    const { owner, counters, processors } = await populate();
    const all = [...counters, ...processors].sort();
    expect(new Set(all.map((id) => shardOf(id, SHARDS))).size).toBeGreaterThan(1);
    for (const limit of [1, 2, 5, 100]) expect(ids(await listAll(owner, "", limit))).toEqual(all);

    expect(ids(await listAll(owner, "type=counter", 4))).toEqual([...counters].sort());
    expect(ids(await listAll(owner, "capability=counting", 4))).toEqual([...counters].sort());
    const eu = counters.filter((_, i) => i % 3 === 0).sort();
    expect(ids(await listAll(owner, "label.region=eu", 2))).toEqual(eu);
    expect(ids(await listAll(owner, "type=data_processor&label.region=us", 1))).toEqual([...processors].sort());
    expect(await listAll(owner, "label.region=eu&type=data_processor")).toEqual([]);

    expectOk(await owner.post(`/v1/agents/${counters[0]}/pause`));
    await listedWhen(owner, "status=paused", (items) => ids(items).includes(counters[0]!));
    expect(ids(await listAll(owner, "status=running", 3))).toEqual(all.filter((id) => id !== counters[0]));
  });

  it("never lists another tenant's agents", async () => {
    const { owner, counters } = await populate();
    const other = await admin(newTenant("dir"));
    expect(await listAll(other, "")).toEqual([]);
    expect(ids(await listAll(owner, "type=counter"))).toEqual([...counters].sort());
  });

  it("names a bad filter or cursor (400)", async () => {
    const owner = await admin(newTenant("dir"));
    expectInvalid(await owner.get("/v1/agents?status=sleeping"), "query.status");
    expectInvalid(await owner.get("/v1/agents?label.Region=us"), "query.label.Region");
    expectInvalid(await owner.get("/v1/agents?cursor=nonsense"), "query.cursor");
    expectInvalid(await owner.get("/v1/agents?limit=0"), "query.limit");
  });

  it("needs agents:list:<type>; without ?type= a caller sees the types it may list, and one who may list none gets 403", async () => {
    const { tenant, counters } = await populate();
    const counterLister = await client({ tenant, subject: "lister", caps: ["agents:list:counter"] });
    expect(ids(await listAll(counterLister, "type=counter"))).toEqual([...counters].sort());
    expect(ids(await listAll(counterLister, ""))).toEqual([...counters].sort());
    expectForbidden(await counterLister.get("/v1/agents?type=data_processor"), "agents:list:data_processor");
    const none = await client({ tenant, subject: "nobody", caps: ["agents:read:counter"] });
    expectForbidden(await none.get("/v1/agents"), "agents:list:*");
    expectForbidden(await none.get("/v1/agents?type=counter"), "agents:list:counter");
    await expectAudited(tenant, [
      { who: "principal:lister", what: "agents:list:data_processor", resource: "agents/data_processor" },
      { who: "principal:nobody", what: "agents:list:*", resource: "agents" },
      { who: "principal:nobody", what: "agents:list:counter", resource: "agents/counter" },
    ]);
  });
});

describe("POST /v1/discovery/query", () => {
  const populate = async () => {
    const tenant = newTenant("disc");
    const owner = await admin(tenant);
    const agent = (id: string, labels: Record<string, string>, placement: Record<string, string>) =>
      spawnAs(owner, { type: "processing_agent", id, labels, placement });
    await agent("eu-1", { region: "eu", tier: "gold" }, { locationHint: "weur" });
    await agent("eu-2", { region: "eu", tier: "silver" }, { locationHint: "eeur" });
    await agent("us-1", { region: "us", tier: "gold" }, { locationHint: "enam" });
    await spawnAs(owner, { type: "counter", id: "count-1", labels: { region: "eu" } });
    await listedWhen(owner, "status=running", (items) => items.length === 4);
    return { tenant, owner };
  };

  it("scores matches with their parts, best first, and filters by constraints", async () => {
    const { owner } = await populate();
    const reply = await owner.post("/v1/discovery/query", {
      capability: { name: "processing", values: ["orders", "refunds"] },
      constraints: { tier: "gold", maxErrorRate: 0.5 },
      strategy: "global",
      near: { locationHint: "weur" },
    });
    const body = expectOk(reply);
    expect(body).toMatchObject({ strategy: "global", tier: "global", matched: 2, satisfied: true, counts: { local: 1, regional: 1, global: 2 } });
    expect(body.items.map((item: Body) => item.agent.id)).toEqual(["eu-1", "us-1"]);
    expect(body.items[0]).toMatchObject({ score: 0.8, parts: { capability: 0.5, health: 1, load: 1, locality: 1 } });
    expect(body.items[1]).toMatchObject({ score: 0.7, parts: { capability: 0.5, health: 1, load: 1, locality: 0 } });
    expect(body.items[0].agent).toMatchObject({ type: "processing_agent", labels: { region: "eu", tier: "gold" }, placement: { locationHint: "weur" } });
  });

  it("widens adaptively until min_count is met, and says when it cannot be", async () => {
    const { owner } = await populate();
    const ask = async (min_count: number) =>
      expectOk(await owner.post("/v1/discovery/query", { capability: "processing", min_count, strategy: "adaptive", near: { locationHint: "weur" } }));
    expect(await ask(1)).toMatchObject({ tier: "local", matched: 1, satisfied: true });
    expect(await ask(2)).toMatchObject({ tier: "regional", matched: 2, satisfied: true });
    expect(await ask(3)).toMatchObject({ tier: "global", matched: 3, satisfied: true });
    const unmet = await ask(5);
    expect(unmet).toMatchObject({ strategy: "adaptive", tier: "global", matched: 3, satisfied: false, min_count: 5 });
    expect(unmet.items).toHaveLength(3);
    // A paused agent is not a match.
    expectOk(await owner.post("/v1/agents/eu-1/pause"));
    await eventually("eu-1 paused in the directory", () => ask(1), (answer: Body) => answer.tier === "regional");
  });

  it("a shard refuses a bad query even right after answering one of the same JSON text (it remembers parses by text)", async () => {
    const shard = env.DIRECTORY.get(env.DIRECTORY.idFromName(directoryShardName(newTenant(), 0)));
    const near = { locationHint: null, jurisdiction: null };
    const good = await shard.queryMany([{ constraints: {}, limit: 5, near }]);
    expect(good.ok).toBe(true);
    expect((await shard.queryMany([{ constraints: {}, limit: 5, near }])).ok).toBe(true);
    // JSON.stringify writes this exactly as the query above; zod refuses the unknown field.
    const bad = await shard.queryMany([{ constraints: {}, limit: 5, near, extra: undefined } as never]);
    expect(bad.ok).toBe(false);
    expect((await shard.queryMany([{ constraints: {}, limit: 0, near }])).ok).toBe(false);
  });

  it("names bad input (400) and needs discovery:query (403, audited)", async () => {
    const { tenant, owner } = await populate();
    expectInvalid(await owner.post("/v1/discovery/query", { strategy: "cluster" }), "strategy");
    expectInvalid(await owner.post("/v1/discovery/query", { constraints: { tier: { min: "a" } } }), "constraints.tier");
    expectInvalid(await owner.post("/v1/discovery/query", { capability: { name: "processing", extra: 1 } }), "capability.extra");
    const lister = await client({ tenant, subject: "lister", caps: ["agents:list:*"] });
    expectForbidden(await lister.post("/v1/discovery/query", { capability: "processing" }), "discovery:query");
    const finder = await client({ tenant, subject: "finder", caps: ["discovery:query"] });
    expect(expectOk(await finder.post("/v1/discovery/query", { type: "counter" })).matched).toBe(1);
    expectForbidden(await finder.get("/v1/agents"), "agents:list:*");
    await expectAudited(tenant, [
      { who: "principal:lister", what: "discovery:query", resource: "discovery" },
      { who: "principal:finder", what: "agents:list:*", resource: "agents" },
    ]);
  });
});
