// Configuration reads go through the tiered cache (`bounded`, CONFIG_MAX_STALENESS_MS):
// an isolate that has no copy of a tenant's configuration takes it from a cache tier
// without asking the tenant's ConfigStore, and a change made elsewhere reaches a reader
// that holds the previous version within the bound. "Another isolate" is a reader of its
// own (configReader keeps one per CONFIGS binding object), over a binding that counts
// the ConfigStore calls it makes; the cache tiers are this isolate's, as two isolates in
// one location share L2, L3 and the origin.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin } from "./security.ts";
import { newTenant } from "./tokens.ts";
import { configReader } from "../../objects/config/index.ts";
import { CONFIG_MAX_STALENESS_MS } from "../../src/platform/config/reader.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";

/** A reader as a fresh isolate has it, counting its ConfigStore calls and the cache tiers that answer it. */
const isolateReader = () => {
  let storeCalls = 0;
  const configs = new Proxy(env.CONFIGS, {
    get(target, property) {
      if (property === "get") return (id: DurableObjectId) => (storeCalls++, target.get(id));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const telemetry = createTelemetry();
  const tiers: string[] = [];
  telemetry.subscribe((event) => {
    if (event.name === "cache.read") tiers.push(String(event.attributes.tier));
  });
  const reader = configReader({ ...env, CONFIGS: configs }, telemetry);
  return { reader, storeCalls: () => storeCalls, tiers };
};

describe("configuration through the tiered cache", () => {
  it("a new isolate's read is served by a cache tier, not the ConfigStore", async () => {
    const tenant = newTenant("cfgcache");
    const api = await admin(tenant);
    expect((await api.send("PATCH", "/v1/config", { infrastructure: { rateLimit: { rps: 7 } } })).status).toBe(200);

    const first = isolateReader();
    expect((await first.reader.read(tenant)).config.infrastructure.rateLimit.rps).toBe(7);
    // The change invalidated the entry: the first reader filled it from the store.
    expect(first.tiers).toEqual(["origin"]);
    expect(first.storeCalls()).toBe(1);

    const second = isolateReader();
    const view = await second.reader.read(tenant);
    expect(view.version).toBe(1);
    expect(second.tiers).toEqual(["l1"]);
    expect(second.storeCalls()).toBe(0);
  });

  it("a change made elsewhere reaches a reader holding the previous version within the bound", async () => {
    const tenant = newTenant("cfgcache");
    const api = await admin(tenant);
    const other = isolateReader();
    expect((await other.reader.read(tenant)).version).toBe(0);

    expect((await api.send("PATCH", "/v1/config", { infrastructure: { rateLimit: { rps: 9 } } })).status).toBe(200);
    const acked = Date.now();
    let seen = await other.reader.read(tenant);
    while (seen.version !== 1 && Date.now() - acked < CONFIG_MAX_STALENESS_MS + 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await other.reader.read(tenant);
    }
    expect(seen.version).toBe(1);
    expect(seen.config.infrastructure.rateLimit.rps).toBe(9);
    // Within the bound (and a poll interval): the copy's age counts from the store's confirmation.
    expect(Date.now() - acked).toBeLessThan(CONFIG_MAX_STALENESS_MS + 500);
  });
});
