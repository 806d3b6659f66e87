// Runs binding the same roles at once, when the cached discovery answer is missing or has
// aged past the bound, ask the directory once per isolate, not once each: the others take
// that answer (objects/directory/binding-cache.ts). Counted at the directory binding: one
// fan-out is one stub per shard.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { discoverForBinding } from "../../objects/directory/index.ts";
import { discoveryStalenessMs } from "../../src/platform/discovery/binding-cache.ts";
import { shardCount } from "../../src/platform/discovery/shards.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { clientOf, seedAgents } from "./workflows.ts";

const BOUND_MS = discoveryStalenessMs(env.JIDO_DISCOVERY_MAX_STALENESS_MS);
const SHARDS = shardCount(env.JIDO_DIRECTORY_SHARDS);
const NEAR = { locationHint: null, jurisdiction: null };
const QUERY = { type: "flaky", constraints: {}, strategy: "global", min_count: 1, limit: 16 } as const;

/** The environment with its directory binding counting the shard stubs it hands out. */
const counting = () => {
  let stubs = 0;
  const DIRECTORY = new Proxy(env.DIRECTORY, {
    get(target, property) {
      if (property === "get") return (id: DurableObjectId) => (stubs++, target.get(id));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { env: { ...env, DIRECTORY }, fanOuts: () => stubs / SHARDS };
};

describe("run bindings ask the directory once for a burst of the same roles", () => {
  it("twelve bindings at once with no cached answer make one fan-out and all get its answer; after the bound, one more", async () => {
    expect(BOUND_MS).toBeGreaterThan(0);
    const client = await clientOf();
    await seedAgents(client, "flaky", 3);
    const counted = counting();
    const reach = { env: counted.env, tenant: client.tenant, telemetry: createTelemetry() };

    const answers = await Promise.all(Array.from({ length: 12 }, () => discoverForBinding(reach, [QUERY], NEAR)));
    expect(counted.fanOuts()).toBe(1);
    for (const [answer] of answers) {
      expect(answer!.satisfied).toBe(true);
      expect(answer!.items.map((item) => item.agent.id).sort()).toEqual(["flaky-1", "flaky-2", "flaky-3"]);
    }

    await new Promise((resolve) => setTimeout(resolve, BOUND_MS + 100));
    await Promise.all(Array.from({ length: 12 }, () => discoverForBinding(reach, [QUERY], NEAR)));
    expect(counted.fanOuts()).toBe(2);
  });

  it("an answer that misses a role is not handed to later runs: one started after the agents register binds them", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 2);
    const reach = { env, tenant: client.tenant, telemetry: createTelemetry() };
    const three = { ...QUERY, min_count: 3 };
    const [short] = await discoverForBinding(reach, [three], NEAR);
    expect(short!.satisfied).toBe(false);
    await seedAgents(client, "flaky", 3);
    const [met] = await discoverForBinding(reach, [three], NEAR);
    expect(met!.satisfied).toBe(true);
    expect(met!.items.map((item) => item.agent.id).sort()).toEqual(["flaky-1", "flaky-2", "flaky-3"]);
  });
});
