// A run start finds its definition through the tiered cache below the isolate's memory:
// `name@version` (immutable) and the list of versions behind "latest" land in the
// platform namespaces `_wf.def` / `_wf.versions`, so another isolate finds them there
// instead of asking the tenant's WorkflowRegistry; registering a version invalidates the
// list, so a start without a version then runs the new latest.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Body } from "./http.ts";
import { type Client, clientOf, register, startRun } from "./workflows.ts";
import { cacheRead } from "../../objects/cache/index.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";

const definition = (version: string) => ({
  name: "cached_flow",
  version,
  description: `v${version}`,
  input: { required: ["order_id", "items"] },
  participants: { processor: { type: "processing_agent", spawn: true } },
  flow: [{ step: "reserve", role: "processor", action: "check_inventory", input: { order_id: "$.input.order_id", items: "$.input.items" } }],
});

const atOrigin = async (tenant: string, namespace: string, key: string): Promise<unknown> => {
  const background = { telemetry: createTelemetry(), waitUntil: (promise: Promise<unknown>) => void promise };
  const { copy } = await cacheRead(env, tenant, namespace, key, { consistency: "strong" }, background);
  return copy ? JSON.parse(copy.value) : undefined;
};

const startVersion = async (client: Client, version: string, input: unknown): Promise<Body> => {
  const reply = await client.send("POST", `/v1/workflows/cached_flow/runs?version=${version}`, input);
  expect(reply.status, reply.text).toBe(202);
  return reply.body;
};

describe("workflow definitions through the tiered cache", () => {
  it("keeps name@version and the version list at the cache's origin; a registration invalidates the list", async () => {
    const client = await clientOf();
    await register(client, definition("1.0.0"));
    const input = { order_id: "o-1", items: 1 };

    const byVersion: Body = await startVersion(client, "1.0.0", input);
    expect(byVersion.version).toBe("1.0.0");
    expect(await atOrigin(client.tenant, "_wf.def", "cached_flow@1.0.0")).toMatchObject({ name: "cached_flow", version: "1.0.0" });

    expect((await startRun(client, "cached_flow", input)).version).toBe("1.0.0");
    expect(((await atOrigin(client.tenant, "_wf.versions", "cached_flow")) as Body[]).map((w) => w.version)).toEqual(["1.0.0"]);

    await register(client, definition("1.1.0"));
    expect(await atOrigin(client.tenant, "_wf.versions", "cached_flow")).toBeUndefined();
    expect((await startRun(client, "cached_flow", input)).version).toBe("1.1.0");
    expect(((await atOrigin(client.tenant, "_wf.versions", "cached_flow")) as Body[]).map((w) => w.version).sort()).toEqual(["1.0.0", "1.1.0"]);
  });

  it("never caches a version that is not found", async () => {
    const client = await clientOf();
    await register(client, definition("1.0.0"));
    expect((await client.send("POST", "/v1/workflows/cached_flow/runs?version=2.0.0", { order_id: "o", items: 1 })).status).toBe(404);
    expect(await atOrigin(client.tenant, "_wf.def", "cached_flow@2.0.0")).toBeUndefined();
    await register(client, definition("2.0.0"));
    expect((await startVersion(client, "2.0.0", { order_id: "o", items: 1 })).version).toBe("2.0.0");
  });
});
