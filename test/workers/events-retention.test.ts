// Retention against cursors: a stream's retention never deletes what an active
// subscription has yet to handle, up to the deployment's backlog cap (20 events in these
// tests, 7 days by age). Past the cap, or for a paused subscription, the events go and
// the subscription is told: its status shows the skipped range and its dead-letter
// stream gets a `subscription.gap` event. Each test acts as a fresh tenant.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Bus, busClient, event, eventually, info, publish, readAll, spawnIn, streamStub, subscribe, subscription, sweepNow } from "./bus.ts";

const DAY = 86_400_000;

/**
 * An active subscription of `order` that cannot deliver (its input maps a field no event
 * has, which the counter refuses) and waits a minute between attempts. (Live targets hold
 * nothing: they are pushed at most once, without a cursor.)
 */
const laggingSubscription = async (bus: Bus, patterns = ["order.#"]) => {
  const agent = `stuck-${crypto.randomUUID().slice(0, 8)}`;
  await spawnIn(bus, "counter", agent);
  const sub = await subscribe(bus, {
    patterns,
    stream: "order",
    start: "earliest",
    target: { kind: "agent", agent, action: "increment", input: { by: "$.data.missing" } },
    delivery: { maxAttempts: 50, baseDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  await sweepNow(bus.tenant, "order");
  expect((await subscription(bus, sub.id)).streams[0]).toMatchObject({ cursor: 0, attempts: 1 });
  return sub;
};

const statusOf = async (bus: Bus, id: string) => (await subscription(bus, id)).streams[0];
const gapEvents = (bus: Bus, id: string) => eventually(`the gap notice on dlq.${id}`, () => readAll(bus, `dlq.${id}`), (events) => events.length > 0);
const backdate = (bus: Bus, ms: number, upTo = Number.MAX_SAFE_INTEGER) =>
  runInDurableObject(streamStub(bus.tenant, "order"), (_instance, state) => state.storage.sql.exec("UPDATE events SET time = time - ? WHERE seq <= ?", ms, upTo));

describe("retention and subscription cursors", () => {
  it("holds the events an active subscription has not handled", async () => {
    const bus = await busClient();
    await publish(bus, Array.from({ length: 10 }, (_, i) => event("order.created", { n: i + 1 })));
    const sub = await laggingSubscription(bus);
    const reply = await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 3 });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ length: 10, first: 1, last: 10 });
    await sweepNow(bus.tenant, "order");
    expect(await info(bus, "order")).toMatchObject({ length: 10, first: 1 });
    expect(await statusOf(bus, sub.id)).toMatchObject({ cursor: 0, lag: 10, skipped: [] });
  });

  it("deletes past the backlog cap and reports the gap in the status and on the dead-letter stream", async () => {
    const bus = await busClient();
    // 25 events, every other one wanted by the subscription.
    await publish(bus, Array.from({ length: 25 }, (_, i) => event(i % 2 === 0 ? "order.created" : "order.paid", { n: i + 1 })));
    const sub = await laggingSubscription(bus, ["order.created"]);
    const reply = await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 3 });
    expect(reply.status, reply.text).toBe(200);
    // Held for the subscription, but at most 20 events behind the newest.
    expect(reply.body).toMatchObject({ length: 20, first: 6, last: 25 });
    const status = await statusOf(bus, sub.id);
    // Past the gap, delivery went on at once: 6 is not wanted, 7 is attempted.
    expect(status).toMatchObject({ cursor: 6, lag: 19, attempts: 1, lastError: { sequence: 7 } });
    expect(status.skipped).toEqual([{ from: 1, to: 5, count: 3, at: expect.any(String) }]);
    const [notice, ...more] = await gapEvents(bus, sub.id);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({
      type: "subscription.gap",
      source: "platform/events",
      subject: sub.id,
      data: { subscription: sub.id, stream: "order", from: 1, to: 5, count: 3, reason: "retention" },
    });
  });

  it("holds nothing for a paused subscription: the events go and its status says which", async () => {
    const bus = await busClient();
    await publish(bus, Array.from({ length: 10 }, (_, i) => event("order.created", { n: i + 1 })));
    const sub = await laggingSubscription(bus);
    expect((await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 3 })).body).toMatchObject({ length: 10 });
    expect((await bus.send("POST", `/v1/subscriptions/${sub.id}/pause`)).status).toBe(200);
    await sweepNow(bus.tenant, "order");
    expect(await info(bus, "order")).toMatchObject({ length: 3, first: 8, last: 10 });
    expect(await statusOf(bus, sub.id)).toMatchObject({ cursor: 7, skipped: [{ from: 1, to: 7, count: 7, at: expect.any(String) }] });
    expect((await gapEvents(bus, sub.id)).map((e) => e.data)).toEqual([{ subscription: sub.id, stream: "order", from: 1, to: 7, count: 7, reason: "retention" }]);
  });

  it("holds aged events until they pass the cap's age (7 days)", async () => {
    const bus = await busClient();
    await publish(bus, Array.from({ length: 3 }, (_, i) => event("order.created", { n: i + 1 })));
    const sub = await laggingSubscription(bus);
    await backdate(bus, 3_600_000);
    expect((await bus.send("PUT", "/v1/streams/order/retention", { maxAgeMs: 60_000 })).body).toMatchObject({ length: 3, first: 1 });
    await backdate(bus, 8 * DAY, 2);
    await sweepNow(bus.tenant, "order");
    expect(await info(bus, "order")).toMatchObject({ length: 1, first: 3 });
    expect(await statusOf(bus, sub.id)).toMatchObject({ cursor: 2, skipped: [{ from: 1, to: 2, count: 2 }] });
  });

  it("deletes as the policy says once every subscription has handled the events, reporting nothing", async () => {
    const bus = await busClient();
    const sub = await subscribe(bus, { patterns: ["order.#"], stream: "order", start: "earliest", target: { kind: "live" } });
    await publish(bus, Array.from({ length: 6 }, (_, i) => event("order.created", { n: i + 1 })));
    // Nothing wanted by a second subscription is no gap either.
    const other = await subscribe(bus, { patterns: ["order.refunded"], stream: "order", start: "earliest", target: { kind: "live" } });
    await runInDurableObject(streamStub(bus.tenant, "order"), (_instance, state) =>
      state.storage.sql.exec("UPDATE deliveries SET state = json_set(state, '$.cursor', 6) WHERE subscription_id = ?", sub.id),
    );
    expect((await bus.send("PUT", "/v1/streams/order/retention", { maxCount: 2 })).body).toMatchObject({ length: 2, first: 5 });
    expect(await statusOf(bus, sub.id)).toMatchObject({ cursor: 6, skipped: [] });
    expect(await statusOf(bus, other.id)).toMatchObject({ skipped: [] });
    expect(await readAll(bus, `dlq.${sub.id}`)).toEqual([]);
  });
});
