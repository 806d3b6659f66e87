// GET /v1/agent-types: the types this deployment hosts with their settings, normalised
// resources and JSON Schemas of state and every action's input and output; paginated
// with opaque cursors.
import { describe, expect, it } from "vitest";
import { type Body, expectInvalid, expectProblem, get } from "./http.ts";

const ALL = ["bulky", "cache_user", "configured", "counter", "data_processor", "flaky", "hooked", "notification_agent", "pooled", "processing_agent", "relay", "sink", "supervised", "validation_agent"];

describe("GET /v1/agent-types", () => {
  it("lists every hosted type, sorted by name, on one page by default", async () => {
    const reply = await get("/v1/agent-types");
    expect(reply.status).toBe(200);
    expect(reply.body.next).toBeNull();
    expect(reply.body.items.map((type: Body) => type.name)).toEqual(ALL);
  });

  it("describes data_processor with normalised resources, settings and JSON Schemas", async () => {
    const { items } = (await get("/v1/agent-types")).body;
    const type = items.find((item: Body) => item.name === "data_processor");
    expect(type).toMatchObject({
      version: "1.0.0",
      description: "Processes incoming data streams",
      capabilities: { processing: ["stream", "batch"], formats: ["json", "csv"] },
      resources: { memoryBytes: 536870912, memory: "512MB", cpuCores: 2, storageBytes: 10737418240, storage: "10GB" },
      lifecycle: { startupTimeout: 30_000, shutdownGracePeriod: 60_000 },
      resilience: {
        circuitBreaker: { threshold: 5, resetTimeout: 30_000, halfOpenMaxCalls: 1 },
        retry: { strategy: "exponential", maxAttempts: 3 },
        bulkhead: { maxConcurrent: 100, maxQueue: 100 },
      },
      observability: { metrics: ["throughput", "latency", "error_rate"], tracing: { sampleRate: 0.1 }, logLevel: "info" },
      state: { initial: { batches: 0, records: 0, startedAt: null } },
    });
    expect(type.state.schema).toMatchObject({ type: "object", additionalProperties: false, required: expect.arrayContaining(["batches", "byFormat"]) });
    const action = type.actions.process_stream;
    expect(action.timeout).toBe(30_000);
    expect(action.input).toMatchObject({
      type: "object",
      required: ["format", "payload"],
      properties: { format: { enum: ["json", "csv"] }, payload: { type: "string" } },
      additionalProperties: false,
    });
    expect(action.output).toMatchObject({ type: "object", required: ["processed", "rejected", "records"] });
  });

  it("gives every type a state schema and input/output schemas for every action", async () => {
    const { items } = (await get("/v1/agent-types")).body;
    const actions = Object.fromEntries(items.map((type: Body) => [type.name, Object.keys(type.actions).sort()]));
    expect(actions).toEqual({
      bulky: ["fill"],
      cache_user: ["forget", "recall", "remember"],
      configured: ["read", "wait"],
      counter: ["increment"],
      data_processor: ["process_stream"],
      flaky: ["block", "hang", "mutate", "work"],
      hooked: ["ping"],
      notification_agent: ["alert_operator", "notify_failure", "send_confirmation"],
      pooled: ["use"],
      processing_agent: ["cancel_order", "check_inventory", "fulfill_order", "process_payment", "refund_payment", "release_inventory"],
      relay: ["forward", "forward_typed"],
      sink: ["take"],
      supervised: ["ping", "plan"],
      validation_agent: ["validate"],
    });
    for (const type of items) {
      expect(type.state.schema.$schema, type.name).toMatch(/draft\/2020-12/);
      for (const [name, action] of Object.entries<Body>(type.actions)) {
        expect(action.input.type, `${type.name}.${name}`).toBe("object");
        expect(action.output.type, `${type.name}.${name}`).toBe("object");
        expect(action.timeout).toEqual(expect.any(Number));
      }
    }
    const counter = items.find((type: Body) => type.name === "counter");
    expect(counter.resources).toEqual({ memoryBytes: 16 * 1024 ** 2, memory: "16MB", cpuCores: 0.1, storageBytes: 1024 ** 2, storage: "1MB" });
    expect(counter.actions.increment.input).toMatchObject({ properties: { by: { type: "integer" } }, required: ["by"] });
    const flaky = items.find((type: Body) => type.name === "flaky");
    expect(flaky.actions.hang.timeout).toBe(50);
    expect(flaky.resilience).toMatchObject({ circuitBreaker: { threshold: 3 }, bulkhead: { maxConcurrent: 2, maxQueue: 1 } });
  });

  it("pages with ?limit and the cursor it returns", async () => {
    const seen: string[] = [];
    let path = "/v1/agent-types?limit=1";
    for (let page = 0; page < ALL.length + 1; page++) {
      const reply = await get(path);
      expect(reply.status).toBe(200);
      expect(reply.body.items).toHaveLength(1);
      seen.push(reply.body.items[0].name);
      if (reply.body.next === null) break;
      expect(reply.body.next).toEqual(expect.any(String));
      path = `/v1/agent-types?limit=1&cursor=${encodeURIComponent(reply.body.next)}`;
    }
    expect(seen).toEqual(ALL);
    const two = await get("/v1/agent-types?limit=2");
    expect(two.body.items.map((type: Body) => type.name)).toEqual(ALL.slice(0, 2));
    const rest = await get(`/v1/agent-types?limit=${ALL.length}&cursor=${encodeURIComponent(two.body.next)}`);
    expect(rest.body).toEqual({ items: expect.any(Array), next: null });
    expect(rest.body.items.map((type: Body) => type.name)).toEqual(ALL.slice(2));
  });

  it("refuses a cursor it did not issue and bad query parameters, naming them", async () => {
    expectInvalid(await get("/v1/agent-types?cursor=%25%25%25"), "query.cursor");
    expectInvalid(await get(`/v1/agent-types?cursor=${"a".repeat(600)}`), "query.cursor");
    expectInvalid(await get("/v1/agent-types?limit=0"), "query.limit");
    expectInvalid(await get("/v1/agent-types?limit=1001"), "query.limit");
    expectInvalid(await get("/v1/agent-types?limit=two"), "query.limit");
    expectInvalid(await get("/v1/agent-types?colour=red"), "query.colour");
  });
});

describe("GET /v1/agent-types/:type", () => {
  it("answers one type as listed", async () => {
    const { items } = (await get("/v1/agent-types")).body;
    const reply = await get("/v1/agent-types/counter");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(items.find((type: Body) => type.name === "counter"));
  });

  it("answers 404 for an unknown type", async () => {
    expect(expectProblem(await get("/v1/agent-types/nope"), 404, "not-found").detail).toContain("nope");
    expectProblem(await get("/v1/agent-types/constructor"), 404, "not-found");
  });
});
