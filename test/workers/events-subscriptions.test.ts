// Subscriptions: type patterns (exact, `*`, `#`), an optional stream, data filters and
// start positions decide what reaches an agent action; each event's effect happens
// once, even when it is delivered again. GET shows the cursor, lag and counts per
// stream; pause holds delivery (lag grows), resume catches up; delete is final; create
// is idempotent by id. Each test acts as a fresh tenant; `counter.increment` receives
// each event's data `{by: n}`, so a counter's value is the sum of what it received.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentOf, type Bus, busClient, event, eventually, publish, spawnIn, streamStub, subscribe, subscription, sweepNow } from "./bus.ts";
import { errorPaths, expectInvalid, expectProblem } from "./http.ts";

const toCounter = (agent: string) => ({ kind: "agent", agent, action: "increment" });

/** A counter and a subscription delivering to it (to its increment action, unless the spec names a target). */
const counterSubscribed = async (bus: Bus, agent: string, spec: Record<string, unknown>) => {
  await spawnIn(bus, "counter", agent);
  return subscribe(bus, { target: toCounter(agent), ...spec });
};

const valueOf = async (bus: Bus, agent: string): Promise<number> => (await agentOf(bus, agent)).state.value;

const settles = (bus: Bus, agent: string, value: number) => eventually(`${agent} to reach ${value}`, () => valueOf(bus, agent), (v) => v === value);

/** The subscription's status on `stream`, once it has caught up with it. */
const caughtUp = async (bus: Bus, id: string, stream: string) => {
  const sub = await eventually(`${id} to catch up on ${stream}`, () => subscription(bus, id), (s) => s.streams.some((st: { stream: string; lag: number; cursor: number; last: number }) => st.stream === stream && st.lag === 0 && st.cursor === st.last));
  return sub.streams.find((st: { stream: string }) => st.stream === stream);
};

const orders = (...amounts: number[]) => amounts.map((by) => event("order.created", { by }));

describe("delivery to an agent action", () => {
  it("delivers what the patterns match: exact, * (one segment) and # (any number)", async () => {
    const bus = await busClient();
    // Created before any stream exists: they apply to every stream created later, from its start.
    await counterSubscribed(bus, "exact", { patterns: ["order.created"] });
    await counterSubscribed(bus, "star", { patterns: ["order.*"] });
    await counterSubscribed(bus, "hash", { patterns: ["order.#"] });
    await counterSubscribed(bus, "two", { patterns: ["order.line.*", "payment.#"] });
    await publish(bus, [
      event("order", { by: 1 }),
      event("order.created", { by: 10 }),
      event("order.line.added", { by: 100 }),
      event("order.updated", { by: 1000 }),
      event("payment.captured", { by: 10000 }),
      event("orders.created", { by: 100000 }),
    ]);
    await settles(bus, "exact", 10);
    await settles(bus, "star", 1010);
    await settles(bus, "hash", 1111);
    await settles(bus, "two", 10100);
    // Nothing more arrives once every stream has been swept to its end.
    for (const stream of ["order", "payment", "orders"]) await sweepNow(bus.tenant, stream);
    expect([await valueOf(bus, "exact"), await valueOf(bus, "star"), await valueOf(bus, "hash"), await valueOf(bus, "two")]).toEqual([10, 1010, 1111, 10100]);
  });

  it("honours the stream, the data filter and the start position", async () => {
    const bus = await busClient();
    await publish(bus, orders(1, 2, 4));
    await counterSubscribed(bus, "earliest", { patterns: ["order.#"], stream: "order", start: "earliest" });
    await counterSubscribed(bus, "latest", { patterns: ["order.#"], stream: "order" });
    await counterSubscribed(bus, "from2", { patterns: ["order.#"], stream: "order", start: { sequence: 2 } });
    const filtered = await counterSubscribed(bus, "filtered", { patterns: ["order.#"], stream: "order", start: "earliest", filter: { data: { by: [1, 4, 16] } } });
    await counterSubscribed(bus, "other", { patterns: ["order.#"], stream: "other", start: "earliest" });
    await publish(bus, [...orders(8), event("order.created", { by: 16 }, { stream: "other" })]);
    await settles(bus, "earliest", 15);
    await settles(bus, "latest", 8);
    await settles(bus, "from2", 14);
    await settles(bus, "filtered", 5);
    await settles(bus, "other", 16);
    expect(await caughtUp(bus, filtered.id, "order")).toMatchObject({ cursor: 4, last: 4, delivered: 2, deadLetters: 0 });
  });

  it("shows cursor, lag and deliveries; has each event's effect once even when it is delivered again", async () => {
    const bus = await busClient();
    const sub = await counterSubscribed(bus, "c", { patterns: ["order.created"], stream: "order", start: "earliest" });
    expect(sub).toMatchObject({ status: "active", patterns: ["order.created"], stream: "order", start: "earliest", target: { ...toCounter("c"), input: "data" } });
    await publish(bus, [...orders(1, 2), event("order.updated", { by: 50 }), ...orders(4)]);
    await settles(bus, "c", 7);
    expect(await caughtUp(bus, sub.id, "order")).toEqual({
      stream: "order", cursor: 4, last: 4, lag: 0, delivered: 3, deadLetters: 0, attempts: 0, nextAttemptAt: null, lastError: null, skipped: [],
    });
    const calls = (await agentOf(bus, "c")).counters.calls;
    // Rewind the durable cursor: every event is delivered again, with the same idempotency keys.
    await runInDurableObject(streamStub(bus.tenant, "order"), (_instance, state) => {
      const row = state.storage.sql.exec<{ state: string }>("SELECT state FROM deliveries WHERE subscription_id = ?", sub.id).one();
      state.storage.sql.exec("UPDATE deliveries SET state = ? WHERE subscription_id = ?", JSON.stringify({ ...JSON.parse(row.state), cursor: 0 }), sub.id);
    });
    await sweepNow(bus.tenant, "order");
    expect(await caughtUp(bus, sub.id, "order")).toMatchObject({ cursor: 4, lag: 0, delivered: 6 });
    expect(await agentOf(bus, "c")).toMatchObject({ state: { value: 7 }, counters: { calls } });
  });

  it("pauses (lag grows, nothing delivered) and resumes from the cursor", async () => {
    const bus = await busClient();
    const sub = await counterSubscribed(bus, "c", { patterns: ["order.*"], stream: "order" });
    await publish(bus, orders(1, 2));
    await settles(bus, "c", 3);
    const paused = await bus.send("POST", `/v1/subscriptions/${sub.id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.status).toBe("paused");
    await publish(bus, orders(4, 8));
    await sweepNow(bus.tenant, "order");
    expect((await subscription(bus, sub.id)).streams).toEqual([expect.objectContaining({ stream: "order", cursor: 2, last: 4, lag: 2, delivered: 2 })]);
    expect(await valueOf(bus, "c")).toBe(3);
    expect((await bus.send("POST", `/v1/subscriptions/${sub.id}/pause`)).body.status).toBe("paused");
    const resumed = await bus.send("POST", `/v1/subscriptions/${sub.id}/resume`);
    expect(resumed.body.status).toBe("active");
    await settles(bus, "c", 15);
    expect(await caughtUp(bus, sub.id, "order")).toMatchObject({ cursor: 4, lag: 0, delivered: 4 });
  });
});

describe("input mapping", () => {
  it("fills an object template per event: references into the CloudEvent, constants as written", async () => {
    const bus = await busClient();
    await counterSubscribed(bus, "by-qty", { patterns: ["order.created"], target: { ...toCounter("by-qty"), input: { by: "$.data.qty" } } });
    await counterSubscribed(bus, "by-seq", { patterns: ["order.created"], target: { ...toCounter("by-seq"), input: { by: "$.sequence" } } });
    const counted = await counterSubscribed(bus, "count", {
      patterns: ["order.#"],
      filter: { data: { region: ["us", "eu"] } },
      target: { ...toCounter("count"), input: { by: 1 } },
    });
    expect(counted.target).toEqual({ kind: "agent", agent: "count", action: "increment", input: { by: 1 } });
    await publish(bus, [
      event("order.created", { id: "o-1", region: "us", qty: 3 }),
      event("order.created", { id: "o-2", region: "eu", qty: 4 }),
      event("order.shipped", { id: "o-1", region: "us" }),
      event("order.created", { id: "o-3", region: "apac", qty: 5 }),
    ]);
    await settles(bus, "by-qty", 12);
    await settles(bus, "by-seq", 1 + 2 + 4);
    await settles(bus, "count", 3);
  });

  it("reports an event the template cannot fill as a delivery failure, then goes on", async () => {
    const bus = await busClient();
    const sub = await counterSubscribed(bus, "c", {
      patterns: ["order.created"],
      stream: "order",
      target: { ...toCounter("c"), input: { by: "$.data.qty" } },
      delivery: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    });
    await publish(bus, [event("order.created", { id: "o-1" }), event("order.created", { qty: 2 })]);
    await settles(bus, "c", 2);
    expect(await caughtUp(bus, sub.id, "order")).toMatchObject({ delivered: 1, deadLetters: 1, lastError: { sequence: 1, message: expect.stringContaining("agent answered 400") } });
  });

  it("refuses references that cannot name a part of a CloudEvent, naming the template field", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    expectInvalid(await bus.send("POST", "/v1/subscriptions", { id: "s", patterns: ["order.#"], target: { ...toCounter("c"), input: { by: "$.qty" } } }), "target.input.by");
    expectInvalid(await bus.send("POST", "/v1/subscriptions", { id: "s", patterns: ["order.#"], target: { ...toCounter("c"), input: "payload" } }), "target.input");
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
  });
});

describe("a target that could never be delivered to", () => {
  it.each([
    ["an agent that does not exist", { agent: "nobody" }, "target.agent", "agent 'nobody' not found"],
    ["an action its type does not have", { action: "decrement" }, "target.action", "'decrement' is not an action of type 'counter' (its actions: increment)"],
    ["constant input the action refuses", { input: { by: "one" } }, "target.input.by", "expected number"],
    ["constant input with a field the action does not take", { input: { by: 1, times: 2 } }, "target.input.times", "unknown field"],
  ])("is refused when created: %s (400 naming the field), creating nothing", async (_what, change, path, message) => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    const reply = await bus.send("POST", "/v1/subscriptions", { id: "s", patterns: ["order.#"], target: { ...toCounter("c"), ...change } });
    const body = expectInvalid(reply, path);
    expect(body.errors).toEqual([{ path, message: expect.stringContaining(message) }]);
    expect(body.detail).toContain(path);
    expectProblem(await bus.send("GET", "/v1/subscriptions/s"), 404);
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
  });

  it("is refused once the agent was deleted; an agent spawned later under that id can be subscribed to", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    expect((await bus.send("DELETE", "/v1/agents/c")).status).toBe(204);
    expectInvalid(await bus.send("POST", "/v1/subscriptions", { patterns: ["order.#"], target: toCounter("c") }), "target.agent");
    await spawnIn(bus, "counter", "c");
    expect((await bus.send("POST", "/v1/subscriptions", { patterns: ["order.#"], target: toCounter("c") })).status).toBe(201);
  });
});

describe("managing subscriptions", () => {
  it("creates by id idempotently (200), refuses another definition (409), lists, and deletes for good", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    const spec = { id: "orders-to-c", patterns: ["order.created"], stream: "order", target: toCounter("c"), delivery: { maxAttempts: 3 } };
    const created = await bus.send("POST", "/v1/subscriptions", spec);
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get("location")).toBe("/v1/subscriptions/orders-to-c");
    expect(created.body).toMatchObject({ id: "orders-to-c", tenant: bus.tenant, createdBy: "tester", delivery: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 300000 } });
    const again = await bus.send("POST", "/v1/subscriptions", spec);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual(created.body);
    expectProblem(await bus.send("POST", "/v1/subscriptions", { ...spec, patterns: ["order.#"] }), 409, "conflict");
    expect((await subscription(bus, "orders-to-c")).patterns).toEqual(["order.created"]);
    const other = await subscribe(bus, { patterns: ["x.#"], target: toCounter("c") });
    expect(other.id).toMatch(/^sub_[0-9a-f]{32}$/);
    const listed = await bus.send("GET", "/v1/subscriptions?limit=1");
    expect(listed.body.items).toHaveLength(1);
    const rest = await bus.send("GET", `/v1/subscriptions?limit=1&cursor=${encodeURIComponent(listed.body.next)}`);
    expect([...listed.body.items, ...rest.body.items].map((s: { id: string }) => s.id).sort()).toEqual(["orders-to-c", other.id].sort());

    const deleted = await bus.send("DELETE", "/v1/subscriptions/orders-to-c");
    expect(deleted.status).toBe(204);
    expectProblem(await bus.send("GET", "/v1/subscriptions/orders-to-c"), 404, "not-found");
    expectProblem(await bus.send("DELETE", "/v1/subscriptions/orders-to-c"), 404, "not-found");
    for (const verb of ["pause", "resume"]) expectProblem(await bus.send("POST", `/v1/subscriptions/orders-to-c/${verb}`), 404, "not-found");
    await publish(bus, orders(5));
    await sweepNow(bus.tenant, "order");
    expect(await valueOf(bus, "c")).toBe(0);
    // The other subscription names no stream, so it applies to this one too.
    expect((await bus.send("GET", "/v1/streams/order")).body.subscriptions).toEqual([other.id]);
  });

  it.each([
    ["a malformed pattern", { patterns: ["order..created"] }, "patterns.0"],
    ["a pattern with a partial wildcard", { patterns: ["order.cr*"] }, "patterns.0"],
    ["no patterns", { patterns: [] }, "patterns"],
    ["a bad stream name", { stream: "Orders!" }, "stream"],
    ["a start before the first sequence", { start: { sequence: 0 } }, "start.sequence"],
    ["an unknown field", { colour: "red" }, "colour"],
    ["maxDelayMs below baseDelayMs", { delivery: { baseDelayMs: 100, maxDelayMs: 50 } }, "delivery.maxDelayMs"],
    ["a webhook that is not http(s)", { target: { kind: "webhook", url: "ftp://example.com/x" } }, "target.url"],
    ["an agent target without an action", { target: { kind: "agent", agent: "c" } }, "target.action"],
  ])("refuses %s with 400 naming the field, creating nothing", async (_what, change, path) => {
    const bus = await busClient();
    const reply = await bus.send("POST", "/v1/subscriptions", { id: "s", patterns: ["order.#"], target: toCounter("c"), ...change });
    expectInvalid(reply, path);
    expectProblem(await bus.send("GET", "/v1/subscriptions/s"), 404);
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
  });

  it("refuses an unknown target kind and a bad id", async () => {
    const bus = await busClient();
    expect(errorPaths(await bus.send("POST", "/v1/subscriptions", { patterns: ["a"], target: { kind: "email" } }))).toContain("target.kind");
    expectInvalid(await bus.send("POST", "/v1/subscriptions", { id: "a/b", patterns: ["a"], target: toCounter("c") }), "id");
    expectInvalid(await bus.send("GET", "/v1/subscriptions/a%20b"), "path.id");
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
  });
});

describe("GET /v1/subscriptions", () => {
  it("pages through mixed-case, punctuated ids in byte order, each exactly once, at every page size", async () => {
    const bus = await busClient();
    const ids = ["b", "B", "a-1", "a.1", "A_1", "a:1", "a", "Z9", "z"];
    await spawnIn(bus, "counter", "c");
    for (const id of ids) await subscribe(bus, { id, patterns: ["order.#"], target: toCounter("c") });
    const inOrder = ["A_1", "B", "Z9", "a", "a-1", "a.1", "a:1", "b", "z"];
    for (const limit of [1, 2, 4, 9, 10]) {
      const seen: string[] = [];
      let path = `/v1/subscriptions?limit=${limit}`;
      for (let page = 0; page <= ids.length; page++) {
        const reply = await bus.send("GET", path);
        expect(reply.status, reply.text).toBe(200);
        seen.push(...reply.body.items.map((item: { id: string }) => item.id));
        if (reply.body.next === null) break;
        path = `/v1/subscriptions?limit=${limit}&cursor=${encodeURIComponent(reply.body.next)}`;
      }
      expect(seen, `limit ${limit}`).toEqual(inOrder);
    }
  });
});

describe("tenants", () => {
  it("never see each other's streams or subscriptions", async () => {
    const a = await busClient();
    const b = await busClient();
    const sub = await counterSubscribed(a, "c", { id: "shared-name", patterns: ["order.#"] });
    await publish(a, orders(1, 2));
    await settles(a, "c", 3);
    expect((await b.send("GET", "/v1/streams/order/events")).body).toEqual({ items: [], next: null });
    expect((await b.send("GET", "/v1/streams/order")).body).toMatchObject({ length: 0, last: 0, subscriptions: [] });
    expectProblem(await b.send("GET", `/v1/subscriptions/${sub.id}`), 404, "not-found");
    for (const verb of ["pause", "resume"]) expectProblem(await b.send("POST", `/v1/subscriptions/${sub.id}/${verb}`), 404, "not-found");
    expectProblem(await b.send("DELETE", `/v1/subscriptions/${sub.id}`), 404, "not-found");
    expectProblem(await b.send("POST", "/v1/streams/order/replay", { subscription: sub.id, from: 1 }), 404, "not-found");
    expect((await b.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
    // B's events of the same stream name are B's alone: numbered from 1, never delivered to A.
    expect((await publish(b, orders(100)))[0]).toMatchObject({ stream: "order", sequence: 1 });
    await spawnIn(b, "counter", "c");
    expect((await b.send("POST", "/v1/subscriptions", { id: "shared-name", patterns: ["order.#"], start: "earliest", target: toCounter("c") })).status).toBe(201);
    await settles(b, "c", 100);
    await sweepNow(a.tenant, "order");
    expect(await valueOf(a, "c")).toBe(3);
    expect((await subscription(a, sub.id)).streams).toEqual([expect.objectContaining({ stream: "order", last: 2, delivered: 2 })]);
  });
});
