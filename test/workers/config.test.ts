// The configuration routes: read with an ETag, change by merge patch (validated as a
// whole, If-Match against lost updates), history and rollback, the JSON Schema, the
// config.changed event on the platform's `config` stream, and every route refused (403,
// audited, nothing changed) to a token without its capability.
import { describe, expect, it } from "vitest";
import { errorPaths, expectInvalid, expectProblem } from "./http.ts";
import { admin, client, expectForbidden, readAudit } from "./security.ts";
import { busClient, readAll } from "./bus.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";

const MERGE_PATCH = { "content-type": "application/merge-patch+json" };

describe("GET /v1/config", () => {
  it("answers the deployment's defaults at version 0, with the version as ETag", async () => {
    const reply = await (await admin(newTenant("cfg"))).get("/v1/config");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get("etag")).toBe('"v0"');
    expect(reply.body).toMatchObject({ version: 0, etag: '"v0"', updatedAt: null, settings: {} });
    expect(reply.body.config).toEqual({
      platform: { clusterName: "jido", environment: "production" },
      agents: { defaultTimeoutMs: null, maxQueueSize: null },
      infrastructure: { circuitBreakerThreshold: null, rateLimit: { rps: 100000 }, quotas: { memoryMb: null, cpu: null, storageMb: null, shards: 4 } },
      flags: {},
    });
  });

  it("publishes its JSON Schema", async () => {
    const reply = await (await admin(newTenant("cfg"))).get("/v1/config/schema");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.$schema).toContain("2020-12");
    expect(Object.keys(reply.body.properties)).toEqual(["platform", "agents", "infrastructure", "flags"]);
  });
});

describe("PATCH /v1/config", () => {
  it("applies a merge patch as a new version; null returns a setting to its default", async () => {
    const tenant = newTenant("cfg");
    const api = await admin(tenant);
    const first = await api.send("PATCH", "/v1/config", JSON.stringify({ infrastructure: { rateLimit: { rps: 500 } }, platform: { clusterName: "eu-1" } }), MERGE_PATCH);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get("etag")).toBe('"v1"');
    expect(first.body).toMatchObject({ version: 1, changed: ["infrastructure.rateLimit.rps", "platform.clusterName"], settings: { infrastructure: { rateLimit: { rps: 500 } } } });
    // application/json is accepted too.
    const second = await api.send("PATCH", "/v1/config", { infrastructure: { rateLimit: null } }, { "if-match": '"v1"' });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({ version: 2, changed: ["infrastructure.rateLimit.rps"], settings: { platform: { clusterName: "eu-1" } } });
    expect(second.body.config.infrastructure.rateLimit.rps).toBe(100000);
    expect((await api.get("/v1/config")).body).toMatchObject({ version: 2, etag: '"v2"' });
  });

  it("refuses a stale If-Match with 412 and changes nothing", async () => {
    const api = await admin(newTenant("cfg"));
    expect((await api.send("PATCH", "/v1/config", { agents: { maxQueueSize: 5 } })).status).toBe(200);
    const stale = await api.send("PATCH", "/v1/config", { agents: { maxQueueSize: 9 } }, { "if-match": '"v0"' });
    expect(expectProblem(stale, 412, "precondition-failed")).toMatchObject({ etag: '"v1"', version: 1 });
    const now = await api.get("/v1/config");
    expect(now.body).toMatchObject({ version: 1, config: { agents: { maxQueueSize: 5 } } });
    const rollbackStale = await api.post("/v1/config/rollback", { version: 0 }, { "if-match": '"v7"' });
    expectProblem(rollbackStale, 412, "precondition-failed");
    expect((await api.get("/v1/config")).body.version).toBe(1);
  });

  it("refuses an invalid patch with 400 naming every bad path, and changes nothing", async () => {
    const api = await admin(newTenant("cfg"));
    const reply = await api.send("PATCH", "/v1/config", {
      platform: { environment: "moon" },
      agents: { defaultTimeoutMs: 0, colour: "blue" },
      infrastructure: { rateLimit: { rps: -1 }, circuitBreakerThreshold: 1.5 },
      flags: { beta: { type: "boolean", variants: { on: true, off: "no" }, defaultVariant: "maybe" } },
    });
    expectInvalid(reply, "platform.environment");
    expect(errorPaths(reply)).toEqual(
      expect.arrayContaining([
        "agents.defaultTimeoutMs",
        "agents.colour",
        "infrastructure.rateLimit.rps",
        "infrastructure.circuitBreakerThreshold",
        "flags.beta.variants.off",
        "flags.beta.defaultVariant",
      ]),
    );
    expectInvalid(await api.send("PATCH", "/v1/config", [1, 2]), "(root)");
    expectProblem(await api.send("PATCH", "/v1/config"), 415, "unsupported-media-type");
    expectProblem(await api.send("PATCH", "/v1/config", "{", MERGE_PATCH), 400, "malformed-json");
    expect((await api.get("/v1/config")).body).toMatchObject({ version: 0, settings: {} });
  });
});

describe("history and rollback", () => {
  it("lists versions newest first in pages, and rolls back to one as a new version", async () => {
    const api = await admin(newTenant("cfg"));
    for (const rps of [10, 20, 30]) expect((await api.send("PATCH", "/v1/config", { infrastructure: { rateLimit: { rps } } })).status).toBe(200);
    const page = await api.get("/v1/config/history?limit=2");
    expect(page.status, page.text).toBe(200);
    expect(page.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    expect(page.body.items[0]).toMatchObject({ kind: "patch", by: "tester", changed: ["infrastructure.rateLimit.rps"], settings: { infrastructure: { rateLimit: { rps: 30 } } } });
    const rest = await api.get(`/v1/config/history?limit=2&cursor=${page.body.next}`);
    expect(rest.body.items.map((v: { version: number }) => v.version)).toEqual([1, 0]);
    expect(rest.body.next).toBeNull();

    const back = await api.post("/v1/config/rollback", { version: 1 }, { "if-match": '"v3"' });
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ version: 4, changed: ["infrastructure.rateLimit.rps"], config: { infrastructure: { rateLimit: { rps: 10 } } } });
    expect((await api.get("/v1/config/history?limit=1")).body.items[0]).toMatchObject({ version: 4, kind: "rollback", restored: 1 });
    const toDefaults = await api.post("/v1/config/rollback", { version: 0 });
    expect(toDefaults.body).toMatchObject({ version: 5, settings: {}, config: { infrastructure: { rateLimit: { rps: 100000 } } } });
    expectProblem(await api.post("/v1/config/rollback", { version: 99 }), 404);
    expectInvalid(await api.post("/v1/config/rollback", { version: "one" }), "version");
  });
});

describe("config.changed", () => {
  it("is appended to the tenant's config stream with the changed paths, which no token may publish to", async () => {
    const bus = await busClient(newTenant("cfg"));
    expect((await bus.send("PATCH", "/v1/config", { agents: { defaultTimeoutMs: 1000 }, platform: { environment: "staging" } })).status).toBe(200);
    const events = await eventually("config.changed", () => readAll(bus, "config"), (items) => items.length === 1);
    expect(events[0]).toMatchObject({
      type: "config.changed",
      source: "platform/config",
      stream: "config",
      data: { version: 1, previousVersion: 0, changed: ["agents.defaultTimeoutMs", "platform.environment"], by: "tester", kind: "patch" },
    });
    const forged = await bus.send("POST", "/v1/events", { source: "me", type: "config.changed", data: {} });
    expectInvalid(forged, "stream");
  });
});

describe("capabilities", () => {
  it("refuses every route to a token without its capability, audited, changing nothing", async () => {
    const tenant = newTenant("cfg");
    const reader = await client({ tenant, caps: ["config:read"] });
    const nobody = await client({ tenant, caps: ["agents:*"] });
    expectForbidden(await reader.send("PATCH", "/v1/config", { agents: { maxQueueSize: 1 } }), "config:write");
    expectForbidden(await reader.post("/v1/config/rollback", { version: 0 }), "config:write");
    expectForbidden(await nobody.get("/v1/config"), "config:read");
    expectForbidden(await nobody.get("/v1/config/history"), "config:read");
    expectForbidden(await nobody.get("/v1/config/schema"), "config:read");
    expectForbidden(await nobody.post("/v1/flags/beta/evaluate", {}), "flags:evaluate");
    const seen = await reader.get("/v1/config");
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body.version).toBe(0);
    const audit = await eventually("denials on record", () => readAudit(tenant), (events) => events.length === 6);
    expect(audit.map((event) => event.data.what).sort()).toEqual(["config:read", "config:read", "config:read", "config:write", "config:write", "flags:evaluate"]);
    const writer = await client({ tenant, caps: ["config:write"] });
    expect((await writer.send("PATCH", "/v1/config", { agents: { maxQueueSize: 1 } })).status).toBe(200);
  });
});
