// Replay and retention. POST /v1/streams/:stream/replay re-delivers a range to a
// subscription's target under the replay's own idempotency keys, so the effects happen
// again, once per event, and the subscription's own cursor is untouched. PUT
// /v1/streams/:stream/retention keeps the newest events; sequence numbers never change
// and new events continue the numbering. Each test acts as a fresh tenant.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentOf, type Bus, busClient, event, eventually, info, publish, readAll, spawnIn, streamStub, subscribe, subscription, sweepNow } from "./bus.ts";
import { expectInvalid, expectProblem } from "./http.ts";

const orders = (...amounts: number[]) => amounts.map((by) => event("order.created", { by }));

const valueOf = async (bus: Bus, agent: string): Promise<number> => (await agentOf(bus, agent)).state.value;
const settles = (bus: Bus, agent: string, value: number) => eventually(`${agent} to reach ${value}`, () => valueOf(bus, agent), (v) => v === value);

/** A counter fed by `order.created` on `order` from the start, after `amounts` were delivered. */
const fedCounter = async (bus: Bus, ...amounts: number[]) => {
  await spawnIn(bus, "counter", "c");
  const sub = await subscribe(bus, { patterns: ["order.created"], stream: "order", start: "earliest", target: { kind: "agent", agent: "c", action: "increment" } });
  await publish(bus, orders(...amounts));
  await settles(bus, "c", amounts.reduce((a, b) => a + b, 0));
  return sub;
};

const replay = (bus: Bus, body: unknown, stream = "order") => bus.send("POST", `/v1/streams/${stream}/replay`, body);

describe("POST /v1/streams/:stream/replay", () => {
  it("re-delivers the range once per event, leaving the subscription's cursor as it was", async () => {
    const bus = await busClient();
    const sub = await fedCounter(bus, 1, 2, 4, 8);
    const calls = (await agentOf(bus, "c")).counters.calls;
    const reply = await replay(bus, { subscription: sub.id, from: 2, to: 3 });
    expect(reply.status, reply.text).toBe(202);
    expect(reply.body).toEqual({ id: expect.stringMatching(/^rpl_[0-9a-f]{32}$/), from: 2, to: 3 });
    await settles(bus, "c", 15 + 2 + 4);
    // Swept to the end again: nothing more happens.
    await sweepNow(bus.tenant, "order");
    expect(await agentOf(bus, "c")).toMatchObject({ state: { value: 21 }, counters: { calls: calls + 2 } });
    expect((await subscription(bus, sub.id)).streams[0]).toMatchObject({ cursor: 4, lag: 0, delivered: 4 });
    // Without `to`, to the end; each replay has its own keys, so the same range takes effect again.
    expect((await replay(bus, { subscription: sub.id, from: 4 })).status).toBe(202);
    await settles(bus, "c", 29);
    expect((await replay(bus, { subscription: sub.id, from: 4 })).status).toBe(202);
    await settles(bus, "c", 37);
    await sweepNow(bus.tenant, "order");
    expect(await valueOf(bus, "c")).toBe(37);
  });

  it("replays only what the subscription wants, even while it is paused", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    const sub = await subscribe(bus, { patterns: ["order.created"], stream: "order", filter: { data: { by: [1, 4] } }, target: { kind: "agent", agent: "c", action: "increment" } });
    await publish(bus, [...orders(1, 2), event("order.updated", { by: 100 }), ...orders(4)]);
    await settles(bus, "c", 5);
    expect((await bus.send("POST", `/v1/subscriptions/${sub.id}/pause`)).status).toBe(200);
    expect((await replay(bus, { subscription: sub.id, from: 1 })).status).toBe(202);
    await settles(bus, "c", 10);
    await sweepNow(bus.tenant, "order");
    expect(await valueOf(bus, "c")).toBe(10);
  });

  it("refuses an unknown subscription (404) and bad ranges (400), delivering nothing", async () => {
    const bus = await busClient();
    const sub = await fedCounter(bus, 1);
    expectProblem(await replay(bus, { subscription: "nope", from: 1 }), 404, "not-found");
    // A subscription of another stream does not apply to this one.
    const elsewhere = await subscribe(bus, { patterns: ["order.#"], stream: "archive", target: { kind: "agent", agent: "c", action: "increment" } });
    expect(expectProblem(await replay(bus, { subscription: elsewhere.id, from: 1 }), 404, "not-found").detail).toContain("does not apply to stream 'order'");
    expectInvalid(await replay(bus, { subscription: sub.id, from: 3, to: 2 }), "to");
    expectInvalid(await replay(bus, { subscription: sub.id, from: 0 }), "from");
    expectInvalid(await replay(bus, { subscription: sub.id, from: 1, extra: true }), "extra");
    expectInvalid(await replay(bus, { subscription: sub.id, from: 1 }, "Order"), "path.stream");
    await sweepNow(bus.tenant, "order");
    expect(await valueOf(bus, "c")).toBe(1);
  });
});

describe("PUT /v1/streams/:stream/retention", () => {
  it("keeps the newest maxCount events; sequences never change and new events continue the numbering", async () => {
    const bus = await busClient();
    await publish(bus, orders(...Array.from({ length: 10 }, (_, i) => i + 1)));
    const reply = await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 3 });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({ stream: "order", length: 3, first: 8, last: 10, subscriptions: [], retention: { maxAgeMs: null, maxCount: 3 } });
    expect((await readAll(bus, "order")).map((e) => [e.sequence, e.data.by])).toEqual([[8, 8], [9, 9], [10, 10]]);
    expect((await publish(bus, orders(11, 12))).map((item) => item.sequence)).toEqual([11, 12]);
    // The stream's alarm applies the policy to what was appended since.
    await sweepNow(bus.tenant, "order");
    expect(await info(bus, "order")).toMatchObject({ length: 3, first: 10, last: 12, retention: { maxCount: 3 } });
    expect((await readAll(bus, "order")).map((e) => e.sequence)).toEqual([10, 11, 12]);
  });

  it("keeps numbering after every event has aged out", async () => {
    const bus = await busClient();
    await publish(bus, orders(1, 2, 3));
    // Age the stored events by an hour.
    await runInDurableObject(streamStub(bus.tenant, "order"), (_instance, state) => state.storage.sql.exec("UPDATE events SET time = time - 3600000"));
    const reply = await bus.send("PUT", "/v1/streams/order/retention", { maxAgeMs: 60_000 });
    expect(reply.body).toMatchObject({ length: 0, first: null, last: 3, retention: { maxAgeMs: 60_000, maxCount: null } });
    expect(await readAll(bus, "order")).toEqual([]);
    expect((await publish(bus, orders(4)))[0]!.sequence).toBe(4);
    expect((await readAll(bus, "order")).map((e) => e.sequence)).toEqual([4]);
    const cleared = await bus.send("PUT", "/v1/streams/order/retention", {});
    expect(cleared.body).toMatchObject({ length: 1, first: 4, last: 4, retention: { maxAgeMs: null, maxCount: null } });
  });

  it("refuses bad policies naming the field and keeps the one it had", async () => {
    const bus = await busClient();
    await publish(bus, orders(1, 2));
    expect((await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 5 })).status).toBe(200);
    expectInvalid(await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 0 }), "maxCount");
    expectInvalid(await bus.send("PUT", "/v1/streams/order/retention", { maxAgeMs: 999 }), "maxAgeMs");
    expectInvalid(await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 1, keep: "all" }), "keep");
    expectInvalid(await bus.send("PUT", "/v1/streams/Order/retention", { maxCount: 1 }), "path.stream");
    expect(await info(bus, "order")).toMatchObject({ length: 2, first: 1, last: 2, retention: { maxAgeMs: null, maxCount: 5 } });
  });
});
