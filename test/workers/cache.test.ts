// The tiered cache over HTTP: every route and rule. Each test uses its own tenant, so
// its keys are its own in every tier (the isolate's L1, the Cache API, KV, the origin).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectInvalid, expectProblem, type Reply } from "./http.ts";
import { admin, client, expectForbidden } from "./security.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";
import { l2Delete, l2Put, memoryTier } from "../../objects/cache/tiers.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { cacheShardCount, entryName, originName } from "../../src/platform/cache/names.ts";
import { MAX_VALUE_BYTES } from "../../src/platform/cache/entry.ts";

const status = (reply: Reply) => reply.headers.get("cache-status");
const origin = (tenant: string, ns: string, key: string) =>
  typedStub(env.CACHE.get(env.CACHE.idFromName(originName(tenant, ns, key, cacheShardCount(env.JIDO_CACHE_SHARDS)))));
/** A write straight to the origin, as another isolate's would land: this isolate's tiers do not see it. */
const writeElsewhere = async (tenant: string, ns: string, key: string, value: unknown) => {
  const result = await origin(tenant, ns, key).put({ tenant, namespace: ns, key }, { value: JSON.stringify(value), ttlSeconds: 600 });
  if (!result.ok) throw new Error(JSON.stringify(result.problem));
  return result.value;
};
/** Forgets this isolate's copies (as another isolate would have none). */
const forgetL1 = () => memoryTier(env).clear();
const kvCopy = async (tenant: string, ns: string, key: string) => {
  const text = await env.CACHE_KV.get(entryName(tenant, ns, key));
  return text === null ? null : (JSON.parse(text) as { value: string; version: number });
};

describe("GET/PUT/DELETE /v1/cache/:namespace/:key", () => {
  it("writes, then reads from each tier, naming it in Cache-Status; warms the tiers above", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    const put = await owner.send("PUT", "/v1/cache/sessions/user:1?ttl=600", { name: "ada" });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ namespace: "sessions", key: "user:1", version: expect.any(Number), writtenAt: expect.stringMatching(/^\d{4}-/) });

    const l1 = await owner.get("/v1/cache/sessions/user:1");
    expect(l1.status, l1.text).toBe(200);
    expect(l1.body).toMatchObject({ value: { name: "ada" }, version: put.body.version });
    expect(status(l1)).toMatch(/^jido-l1; hit; ttl=\d+$/);

    forgetL1();
    const l2 = await owner.get("/v1/cache/sessions/user:1");
    expect(status(l2)).toMatch(/^jido-l2; hit/);
    expect(l2.body.value).toEqual({ name: "ada" });
    expect(status(await owner.get("/v1/cache/sessions/user:1"))).toMatch(/^jido-l1; hit/);

    // L3: the origin's alarm pushes the copy to KV; without L1 and L2 it answers, and warms both.
    await eventually("the KV copy", () => kvCopy(tenant, "sessions", "user:1"), (copy) => copy?.version === put.body.version);
    forgetL1();
    await l2Delete(entryName(tenant, "sessions", "user:1"));
    const l3 = await owner.get("/v1/cache/sessions/user:1");
    expect(status(l3)).toMatch(/^jido-l3; hit/);
    expect(l3.body.value).toEqual({ name: "ada" });
    expect(status(await owner.get("/v1/cache/sessions/user:1"))).toMatch(/^jido-l1; hit/);
    forgetL1();
    await eventually("L2 warmed from L3", async () => status(await owner.get("/v1/cache/sessions/user:1")), (s) => /^jido-l2; hit/.test(s ?? ""));

    const strong = await owner.get("/v1/cache/sessions/user:1?consistency=strong");
    expect(status(strong)).toBe("jido-origin; fwd=bypass");
    expect(strong.body.value).toEqual({ name: "ada" });
    const tooOld = await owner.get("/v1/cache/sessions/user:1?consistency=bounded&maxStalenessMs=0");
    expect(status(tooOld)).toBe("jido-origin; fwd=stale");

    const missing = await owner.get("/v1/cache/sessions/nobody");
    expectProblem(missing, 404, "not-found");
    expect(status(missing)).toBe("jido-origin; fwd=miss");
  });

  it("keeps tenants apart: another tenant's same namespace and key is empty", async () => {
    const a = await admin(newTenant("cache"));
    const b = await admin(newTenant("cache"));
    expect((await a.send("PUT", "/v1/cache/ns/k", 1)).status).toBe(200);
    expectProblem(await b.get("/v1/cache/ns/k"), 404);
    expectProblem(await b.get("/v1/cache/ns/k?consistency=strong"), 404);
  });

  it("needs cache:read:<ns> to read and cache:write:<ns> to write or delete; a refusal changes nothing", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    expect((await owner.send("PUT", "/v1/cache/prices/p1", 10)).status).toBe(200);
    const reader = await client({ tenant, caps: ["cache:read:prices"] });
    const writer = await client({ tenant, caps: ["cache:write:prices"] });
    const other = await client({ tenant, caps: ["cache:read:other", "cache:write:other"] });

    expect((await reader.get("/v1/cache/prices/p1")).body.value).toBe(10);
    expectForbidden(await reader.send("PUT", "/v1/cache/prices/p1", 99), "cache:write:prices");
    expectForbidden(await reader.del("/v1/cache/prices/p1"), "cache:write:prices");
    expectForbidden(await reader.send("PUT", "/v1/cache/prices/p2", 99), "cache:write:prices");
    expectForbidden(await writer.get("/v1/cache/prices/p1"), "cache:read:prices");
    expectForbidden(await other.get("/v1/cache/prices/p1"), "cache:read:prices");
    expectForbidden(await other.send("PUT", "/v1/cache/prices/p1", 99), "cache:write:prices");

    const after = await owner.get("/v1/cache/prices/p1?consistency=strong");
    expect(after.body).toMatchObject({ value: 10 });
    expectProblem(await owner.get("/v1/cache/prices/p2?consistency=strong"), 404);
    expect((await writer.send("PUT", "/v1/cache/prices/p1", 11)).status).toBe(200);
    expect((await owner.get("/v1/cache/prices/p1?consistency=strong")).body.value).toBe(11);
  });

  it("refuses a value past 128 KiB with 413, storing nothing", async () => {
    const owner = await admin(newTenant("cache"));
    // Sent as JSON text: a string body goes as it is.
    const big = await owner.send("PUT", "/v1/cache/ns/big", JSON.stringify("x".repeat(MAX_VALUE_BYTES - 1)));
    expect(expectProblem(big, 413, "value-too-large").detail).toMatch(/131072/);
    expectProblem(await owner.get("/v1/cache/ns/big?consistency=strong"), 404);
    const fits = await owner.send("PUT", "/v1/cache/ns/big", JSON.stringify("x".repeat(MAX_VALUE_BYTES - 2)));
    expect(fits.status, fits.text).toBe(200);
  });

  it("answers bad input with 400 naming the field, changing nothing", async () => {
    const owner = await admin(newTenant("cache"));
    expectInvalid(await owner.send("PUT", "/v1/cache/_platform/k", 1), "path.namespace");
    expectInvalid(await owner.send("PUT", `/v1/cache/${"n".repeat(65)}/k`, 1), "path.namespace");
    expectInvalid(await owner.send("PUT", `/v1/cache/ns/${"k".repeat(257)}`, 1), "path.key");
    expectInvalid(await owner.send("PUT", "/v1/cache/ns/k?ttl=0", 1), "query.ttl");
    expectInvalid(await owner.send("PUT", "/v1/cache/ns/k?ttl=soon", 1), "query.ttl");
    expectInvalid(await owner.send("PUT", `/v1/cache/ns/k?ttl=${31 * 86_400}`, 1), "query.ttl");
    expectInvalid(await owner.get("/v1/cache/ns/k?consistency=sometimes"), "query.consistency");
    expectInvalid(await owner.get("/v1/cache/ns/k?consistency=bounded"), "query.maxStalenessMs");
    expectInvalid(await owner.get("/v1/cache/ns/k?consistency=bounded&maxStalenessMs=-5"), "query.maxStalenessMs");
    expectInvalid(await owner.get("/v1/cache/ns/k?maxStalenessMs=5"), "query.maxStalenessMs");
    expectProblem(await owner.send("PUT", "/v1/cache/ns/k", "{not json", { "content-type": "application/json" }), 400);
    expectProblem(await owner.get("/v1/cache/ns/k?consistency=strong"), 404);
  });

  it("expires an entry after its ttl in every tier", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    expect((await owner.send("PUT", "/v1/cache/ns/brief?ttl=1", JSON.stringify("soon gone"))).status).toBe(200);
    expect(status(await owner.get("/v1/cache/ns/brief"))).toMatch(/^jido-l1; hit/);
    await eventually("expiry", async () => (await owner.get("/v1/cache/ns/brief")).status, (s) => s === 404, 300, 20);
    expectProblem(await owner.get("/v1/cache/ns/brief?consistency=strong"), 404);
    forgetL1();
    expectProblem(await owner.get("/v1/cache/ns/brief"), 404);
  });

  it("a delete invalidates: no tier's older copy is read here again, and KV loses it", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    const put = await owner.send("PUT", "/v1/cache/ns/gone", JSON.stringify("v1"));
    const name = entryName(tenant, "ns", "gone");
    await eventually("the KV copy", () => kvCopy(tenant, "ns", "gone"), (copy) => copy?.version === put.body.version);
    const deleted = await owner.del("/v1/cache/ns/gone");
    expect(deleted.status).toBe(204);
    expectProblem(await owner.get("/v1/cache/ns/gone"), 404);
    await eventually("KV invalidated", () => kvCopy(tenant, "ns", "gone"), (copy) => copy === null);
    // A tier that still holds the old copy (as KV at a far location, or another location's L2, may) is not believed.
    const old = { value: JSON.stringify("v1"), version: put.body.version, writtenAt: Date.now(), expiresAt: Date.now() + 60_000, asOf: Date.now() };
    await env.CACHE_KV.put(name, JSON.stringify(old));
    await l2Put(name, old);
    const read = await owner.get("/v1/cache/ns/gone");
    expectProblem(read, 404);
    expect(status(read)).toBe("jido-origin; fwd=stale");
    // A later write gets a higher version than the deleted one.
    const again = await owner.send("PUT", "/v1/cache/ns/gone", JSON.stringify("v2"));
    expect(again.body.version).toBeGreaterThan(put.body.version);
    expect((await owner.get("/v1/cache/ns/gone")).body.value).toBe("v2");
    expect((await owner.del("/v1/cache/ns/never")).status).toBe(204);
  });
});

describe("consistency", () => {
  it("strong never answers a stale value while others write concurrently", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    await owner.send("PUT", "/v1/cache/ns/hot", 0);
    expect(status(await owner.get("/v1/cache/ns/hot"))).toMatch(/^jido-l1/);
    for (let round = 1; round <= 15; round++) {
      // Another isolate writes; strong reads race with its next write, and after each ack see at least it.
      const acked = await writeElsewhere(tenant, "ns", "hot", round);
      const [strong, next] = await Promise.all([owner.get("/v1/cache/ns/hot?consistency=strong"), writeElsewhere(tenant, "ns", "hot", round + 0.5)]);
      expect(strong.body.version).toBeGreaterThanOrEqual(acked.version);
      expect(strong.body.version).toBeLessThanOrEqual(next.version);
      const after = await owner.get("/v1/cache/ns/hot?consistency=strong");
      expect(after.body).toMatchObject({ value: round + 0.5, version: next.version });
    }
    // The same reads eventual may take this isolate's older copy (which is why strong exists).
    forgetL1();
    await owner.get("/v1/cache/ns/hot");
    await writeElsewhere(tenant, "ns", "hot", "newest");
    expect((await owner.get("/v1/cache/ns/hot")).body.value).toBe(15.5);
  });

  it("bounded never answers a copy older than its bound, and takes the newer value once the copy is too old", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    const bound = 300;
    expect((await owner.send("PUT", "/v1/cache/ns/b", JSON.stringify("old"))).status).toBe(200);
    await writeElsewhere(tenant, "ns", "b", "new");
    const seen: string[] = [];
    const started = Date.now();
    while (Date.now() - started < 1_500) {
      const before = Date.now();
      const reply = await owner.get(`/v1/cache/ns/b?consistency=bounded&maxStalenessMs=${bound}`);
      expect(reply.status).toBe(200);
      // Answered at or after `before`, by a copy less than `bound` behind: its asOf is after before - bound.
      expect(Date.parse(reply.body.asOf)).toBeGreaterThan(before - bound);
      seen.push(reply.body.value);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen[0]).toBe("old");
    expect(seen.at(-1)).toBe("new");
  });

  it("coalesces a burst of writes to one key into KV pushes, and the final value lands in KV", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    const replies: Reply[] = [];
    for (let i = 1; i <= 60; i++) replies.push(await owner.send("PUT", "/v1/cache/ns/burst", i));
    const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => owner.send("PUT", "/v1/cache/ns/burst", 100 + i)));
    expect([...replies, ...concurrent].map((reply) => reply.status)).toEqual(Array(80).fill(200));
    const last = await owner.get("/v1/cache/ns/burst?consistency=strong");
    const copy = await eventually("the final value in KV", () => kvCopy(tenant, "ns", "burst"), (c) => c?.version === last.body.version, 300, 20);
    expect(JSON.parse(copy!.value)).toEqual(last.body.value);
  });
});

describe("ctx.cache in actions", () => {
  it("reads and writes the agent's tenant's cache, with the same options and checks as the API", async () => {
    const tenant = newTenant("cache");
    const owner = await admin(tenant);
    expect((await owner.post("/v1/agents", { type: "cache_user", id: "cu" })).status).toBe(201);
    const remembered = await owner.post("/v1/agents/cu/actions/remember", { namespace: "notes", key: "n1", value: { text: "hi" }, ttl: 600 });
    expect(remembered.status, remembered.text).toBe(200);
    const api = await owner.get("/v1/cache/notes/n1?consistency=strong");
    expect(api.body).toMatchObject({ value: { text: "hi" }, version: remembered.body.version });

    expect((await owner.send("PUT", "/v1/cache/notes/n2", { from: "api" })).status).toBe(200);
    for (const consistency of ["eventual", "strong"]) {
      const recalled = await owner.post("/v1/agents/cu/actions/recall", { namespace: "notes", key: "n2", consistency });
      expect(recalled.body).toEqual({ found: true, value: { from: "api" } });
    }
    const bounded = await owner.post("/v1/agents/cu/actions/recall", { namespace: "notes", key: "n2", consistency: "bounded", maxStalenessMs: 1_000 });
    expect(bounded.body).toEqual({ found: true, value: { from: "api" } });

    expect((await owner.post("/v1/agents/cu/actions/forget", { namespace: "notes", key: "n2" })).status).toBe(200);
    expectProblem(await owner.get("/v1/cache/notes/n2?consistency=strong"), 404);
    expect((await owner.post("/v1/agents/cu/actions/recall", { namespace: "notes", key: "n2", consistency: "strong" })).body).toEqual({ found: false, value: null });

    // Another tenant's agent does not see it; bad names and platform namespaces are refused naming the field.
    const stranger = await admin(newTenant("cache"));
    await stranger.post("/v1/agents", { type: "cache_user", id: "cu" });
    expect((await stranger.post("/v1/agents/cu/actions/recall", { namespace: "notes", key: "n1", consistency: "strong" })).body).toEqual({ found: false, value: null });
    expectInvalid(await owner.post("/v1/agents/cu/actions/remember", { namespace: "_platform", key: "k", value: 1 }), "namespace");
    expectInvalid(await owner.post("/v1/agents/cu/actions/recall", { namespace: "notes", key: "k", consistency: "bounded" }), "options.maxStalenessMs");
  });
});

describe("cachedRead (the platform's read-through seam)", () => {
  it("loads once, then answers from the cache; concurrent misses share the load; nothing for undefined", async () => {
    const tenant = newTenant("cache");
    const { cachedRead } = await import("../../objects/cache/index.ts");
    const { createTelemetry } = await import("../../src/platform/telemetry/emitter.ts");
    const background = { telemetry: createTelemetry(), waitUntil: (promise: Promise<unknown>) => void promise };
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { definition: "v1" };
    };
    const first = await Promise.all([1, 2, 3].map(() => cachedRead(env, tenant, "_jido.test", "def", {}, background, load)));
    expect(first).toEqual([{ definition: "v1" }, { definition: "v1" }, { definition: "v1" }]);
    expect(loads).toBe(1);
    expect(await cachedRead(env, tenant, "_jido.test", "def", { consistency: "strong" }, background, load)).toEqual({ definition: "v1" });
    expect(loads).toBe(1);
    expect(await cachedRead(env, tenant, "_jido.test", "none", {}, background, async () => undefined)).toBeUndefined();
    // Platform namespaces are out of the API's reach.
    expectInvalid(await (await admin(tenant)).get("/v1/cache/_jido.test/def"), "path.namespace");
  });

  it("a load that raced an invalidation does not store its older value", async () => {
    const tenant = newTenant("cache");
    const { cachedRead, cacheInvalidate, cacheRead } = await import("../../objects/cache/index.ts");
    const { createTelemetry } = await import("../../src/platform/telemetry/emitter.ts");
    const background = { telemetry: createTelemetry(), waitUntil: (promise: Promise<unknown>) => void promise };
    let source = "v1";
    let release!: () => void;
    let loading!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (loading = resolve));
    const slowLoad = async () => {
      const seen = source; // read the source before the change...
      loading();
      await gate; // ...and store after it
      return seen;
    };
    const racing = cachedRead(env, tenant, "_jido.test", "cfg", {}, background, slowLoad);
    await started;
    source = "v2";
    await cacheInvalidate(env, tenant, "_jido.test", "cfg", background);
    release();
    expect(await racing).toBe("v1"); // the caller gets what it loaded...
    // ...but the cache holds nothing older than the change: the next read loads v2.
    expect((await cacheRead(env, tenant, "_jido.test", "cfg", { consistency: "strong" }, background)).copy).toBeNull();
    expect(await cachedRead(env, tenant, "_jido.test", "cfg", {}, background, async () => source)).toBe("v2");
    expect(await cachedRead(env, tenant, "_jido.test", "cfg", {}, background, async () => "never")).toBe("v2");
  });
});
