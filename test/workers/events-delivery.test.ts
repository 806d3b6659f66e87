// At-least-once delivery: a failing target is retried with backoff (on the stream's
// alarm) and events still arrive in order; after maxAttempts an event goes to the
// subscription's dead-letter stream `dlq.<id>` and delivery goes on with the next one.
// Webhooks get the CloudEvent signed in the Standard Webhooks format; the test
// intercepts the objects' outbound fetch (they share the tests' isolate and globals).
// `sink.take` (test-agents.ts) refuses its first `failTimes` attempts per event.
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyWebhook, webhookMessageId } from "../../src/platform/events/webhook-signature.ts";
import { agentOf, type Bus, busClient, event, eventually, publish, readAll, spawnIn, streamStub, subscribe, subscription, sweepNow } from "./bus.ts";
import { sinkAttempts } from "./test-agents.ts";
// After the app (through bus.ts): @hono/zod-openapi must extend zod before ids.ts loads.
import { typedStub } from "../../objects/durable/index.ts";
import { deadLetterStream } from "../../src/platform/events/subscription.ts";

const FAST = { baseDelayMs: 10, maxDelayMs: 50 };

/** A sink agent and a subscription of `job.#` on the `job` stream delivering to it. */
const sinkSubscribed = async (bus: Bus, id: string, maxAttempts: number) => {
  const agent = `sink-${crypto.randomUUID()}`;
  await spawnIn(bus, "sink", agent);
  const sub = await subscribe(bus, {
    id,
    patterns: ["job.#"],
    start: "earliest",
    target: { kind: "agent", agent, action: "take" },
    delivery: { maxAttempts, ...FAST },
  });
  return { agent, sub };
};

const jobs = (...specs: [n: number, failTimes: number][]) => specs.map(([n, failTimes]) => event("job.run", { n, failTimes }));

const attemptsOf = (agent: string, ...ns: number[]) => ns.map((n) => sinkAttempts.get(`${agent}/${n}`) ?? 0);

describe("an agent target that fails", () => {
  it("is retried with backoff until it succeeds; events arrive once each, in order", async () => {
    const bus = await busClient();
    const { agent, sub } = await sinkSubscribed(bus, "retrying", 5);
    await publish(bus, jobs([1, 2], [2, 0], [3, 1], [4, 0]));
    const sink = await eventually("all four received", () => agentOf(bus, agent), (a) => a.state.received.length === 4);
    expect(sink.state.received).toEqual([1, 2, 3, 4]);
    expect(attemptsOf(agent, 1, 2, 3, 4)).toEqual([3, 1, 2, 1]);
    expect(sink.counters).toMatchObject({ calls: 7, failures: 3 });
    // The stream saves its cursor once the agent's answer is back, just after the sink's state.
    const [status] = (await eventually("the cursor saved", () => subscription(bus, sub.id), (s) => s.streams[0]?.cursor === 4)).streams;
    expect(status).toMatchObject({ stream: "job", cursor: 4, lag: 0, delivered: 4, deadLetters: 0, attempts: 0, nextAttemptAt: null });
    expect(status.lastError).toMatchObject({ sequence: 3, message: expect.stringContaining("agent answered 422") });
  });

  it("shows the pending retry while it waits: attempts, the next attempt's time and the error", async () => {
    const bus = await busClient();
    const agent = `sink-${crypto.randomUUID()}`;
    await spawnIn(bus, "sink", agent);
    // A long backoff, so the first failure is still waiting when it is read.
    const sub = await subscribe(bus, { patterns: ["job.#"], target: { kind: "agent", agent, action: "take" }, delivery: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    await publish(bus, jobs([1, 1]));
    const waiting = await eventually("a failed attempt", () => subscription(bus, sub.id), (s) => s.streams[0]?.attempts === 1);
    expect(waiting.streams[0]).toMatchObject({ cursor: 0, last: 1, lag: 1, delivered: 0, lastError: { sequence: 1, message: "agent answered 422: Refusing attempt 1 for 1." } });
    const next = Date.parse(waiting.streams[0].nextAttemptAt);
    expect(next).toBeGreaterThan(Date.parse(waiting.streams[0].lastError.at));
    // A sweep before the backoff has passed does not attempt again.
    await sweepNow(bus.tenant, "job");
    expect(attemptsOf(agent, 1)).toEqual([1]);
  });

  it("dead-letters an event after maxAttempts and delivers the next ones", async () => {
    const bus = await busClient();
    const { agent, sub } = await sinkSubscribed(bus, "Jobs_Sink", 3);
    const published = await publish(bus, jobs([1, 0], [2, 1000], [3, 0]));
    const sink = await eventually("1 and 3 received", () => agentOf(bus, agent), (a) => a.state.received.length === 2);
    expect(sink.state.received).toEqual([1, 3]);
    expect(attemptsOf(agent, 1, 2, 3)).toEqual([1, 3, 1]);
    const [status] = (await eventually("the cursor saved", () => subscription(bus, sub.id), (s) => s.streams[0]?.cursor === 3)).streams;
    expect(status).toMatchObject({ stream: "job", cursor: 3, lag: 0, delivered: 2, deadLetters: 1, attempts: 0, lastError: { sequence: 2 } });
    const [original] = (await readAll(bus, "job")).filter((e) => e.sequence === 2);
    // The id is not a stream name as it is, so its dead-letter stream carries a hash.
    const dlq = deadLetterStream("Jobs_Sink");
    expect(dlq).toMatch(/^dlq\.jobs_sink\.[0-9a-z]+$/);
    const letters = await readAll(bus, dlq);
    expect(letters).toEqual([
      expect.objectContaining({
        type: "subscription.dead_lettered",
        source: "platform/events",
        subject: published[1]!.id,
        stream: dlq,
        sequence: 1,
        data: { subscription: "Jobs_Sink", error: expect.stringContaining("agent answered 422"), event: original },
      }),
    ]);
    // Subscriptions that name no stream never apply to dead-letter streams.
    expect((await subscription(bus, sub.id)).streams.map((s: { stream: string }) => s.stream)).toEqual(["job"]);
    await sweepNow(bus.tenant, "job");
    expect(attemptsOf(agent, 2)).toEqual([3]);
    expect(await readAll(bus, dlq)).toHaveLength(1);
  });
});

describe("a webhook target", () => {
  type Delivery = { url: string; headers: Record<string, string>; body: string };

  /** Intercepts the objects' outbound fetch to `hooks.example.test`: answers 503 to the first `failFirst` requests. */
  const interceptHooks = (failFirst = 0) => {
    const deliveries: Delivery[] = [];
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("https://hooks.example.test/")) return original(input, init);
      deliveries.push({ url, headers: Object.fromEntries(new Headers(init?.headers).entries()), body: String(init?.body) });
      return new Response(null, { status: deliveries.length <= failFirst ? 503 : 204 });
    });
    return deliveries;
  };

  afterEach(() => vi.restoreAllMocks());

  it("posts each event as a signed CloudEvent, in order; a 503 is retried with the same webhook-id", async () => {
    const deliveries = interceptHooks(1);
    const bus = await busClient();
    const created = await subscribe(bus, { patterns: ["order.*"], stream: "order", target: { kind: "webhook", url: "https://hooks.example.test/orders" }, delivery: { maxAttempts: 3, ...FAST } });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(await subscription(bus, created.id)).not.toHaveProperty("secret");
    await publish(bus, [event("order.created", { n: 1 }), event("order.ignored.deeper", { n: 0 }), event("order.paid", { n: 2 })]);
    await eventually("three posts", async () => deliveries.length, (n) => n >= 3);
    await eventually("caught up", () => subscription(bus, created.id), (s) => s.streams[0]?.delivered === 2);
    const stored = (await readAll(bus, "order")).filter((e) => e.type !== "order.ignored.deeper");
    expect(deliveries.map((d) => d.headers["webhook-id"])).toEqual([stored[0].id, stored[0].id, stored[1].id]);
    for (const delivery of deliveries) {
      expect(delivery.url).toBe("https://hooks.example.test/orders");
      expect(delivery.headers["content-type"]).toBe("application/cloudevents+json");
      const signed = { id: delivery.headers["webhook-id"]!, timestamp: delivery.headers["webhook-timestamp"]!, signature: delivery.headers["webhook-signature"]! };
      expect(await verifyWebhook(created.secret, signed, delivery.body, Date.now())).toBe(true);
      expect(await verifyWebhook(created.secret, signed, `${delivery.body} `, Date.now())).toBe(false);
    }
    expect(deliveries.map((d) => JSON.parse(d.body))).toEqual([stored[0], stored[0], stored[1]]);
    expect((await subscription(bus, created.id)).streams[0]).toMatchObject({ delivered: 2, lag: 0, lastError: { sequence: 1, message: "webhook answered 503" } });
  });

  it("gets a derived, signed webhook-id for a stored id no header could carry, and the events behind it follow at once", async () => {
    const deliveries = interceptHooks();
    const bus = await busClient();
    const created = await subscribe(bus, { patterns: ["order.#"], start: "earliest", target: { kind: "webhook", url: "https://hooks.example.test/old" }, delivery: { maxAttempts: 2, ...FAST } });
    // As an outbox written by an older version could still append them: publish refuses such ids.
    const stream = typedStub(streamStub(bus.tenant, "order"));
    const old = ["line\nbreak", "emoji-\u{1F600}"].map((id) => ({ ...event("order.created", { old: id }), id, time: new Date().toISOString() }));
    expect(await stream.append({ tenant: bus.tenant, stream: "order" }, old)).toMatchObject({ ok: true });
    await publish(bus, event("order.created", { n: 1 }, { id: "after" }));
    await eventually("caught up", () => subscription(bus, created.id), (s) => s.streams[0]?.cursor === 3);
    const expected = [await webhookMessageId(old[0]!.id), await webhookMessageId(old[1]!.id), "after"];
    expect(deliveries.map((d) => d.headers["webhook-id"])).toEqual(expected);
    expect(expected[0]).toMatch(/^sha256~[0-9a-f]{48}$/);
    expect(deliveries.map((d) => JSON.parse(d.body).id)).toEqual([old[0]!.id, old[1]!.id, "after"]);
    for (const delivery of deliveries) {
      const signed = { id: delivery.headers["webhook-id"]!, timestamp: delivery.headers["webhook-timestamp"]!, signature: delivery.headers["webhook-signature"]! };
      expect(await verifyWebhook(created.secret, signed, delivery.body, Date.now())).toBe(true);
    }
    expect((await subscription(bus, created.id)).streams[0]).toMatchObject({ delivered: 3, deadLetters: 0, lastError: null });
  });

  it("receives what agents emit: an action's event, drained from its outbox, with the agent as source", async () => {
    const deliveries = interceptHooks();
    const bus = await busClient();
    const sub = await subscribe(bus, { patterns: ["flaky.worked"], target: { kind: "webhook", url: "https://hooks.example.test/agents" } });
    await spawnIn(bus, "flaky", "f");
    for (let i = 0; i < 2; i++) expect((await bus.send("POST", "/v1/agents/f/actions/work", { mode: "ok" })).status).toBe(200);
    await eventually("two posts", async () => deliveries.length, (n) => n >= 2);
    expect(deliveries.map((d) => JSON.parse(d.body))).toEqual([
      expect.objectContaining({ type: "flaky.worked", source: "agent/flaky/f", stream: "flaky", sequence: 1, data: { effects: 1 } }),
      expect.objectContaining({ type: "flaky.worked", source: "agent/flaky/f", stream: "flaky", sequence: 2, data: { effects: 2 } }),
    ]);
    // The agent deletes its outbox rows when the append's answer is back, which can be after the delivery.
    await eventually("f's outbox drained", () => agentOf(bus, "f"), (agent) => agent.outbox.pending === 0);
    expect((await eventually("caught up", () => subscription(bus, sub.id), (s) => s.streams[0]?.delivered === 2)).streams[0]).toMatchObject({ stream: "flaky", lag: 0 });
  });

  it("can consume a dead-letter stream: a subscription naming it receives the letters", async () => {
    const deliveries = interceptHooks();
    const bus = await busClient();
    const { agent } = await sinkSubscribed(bus, "doomed", 2);
    const watcher = await subscribe(bus, { patterns: ["subscription.dead_lettered"], stream: "dlq.doomed", target: { kind: "webhook", url: "https://hooks.example.test/dlq" } });
    await publish(bus, jobs([7, 1000], [8, 0]));
    await eventually("the dead letter posted", async () => deliveries.length, (n) => n >= 1);
    expect(deliveries).toHaveLength(1);
    const letter = JSON.parse(deliveries[0]!.body);
    expect(letter).toMatchObject({ type: "subscription.dead_lettered", stream: "dlq.doomed", data: { subscription: "doomed", event: { type: "job.run", data: { n: 7, failTimes: 1000 } } } });
    expect(attemptsOf(agent, 7)).toEqual([2]);
    expect((await eventually("8 received", () => agentOf(bus, agent), (a) => a.state.received.length === 1)).state.received).toEqual([8]);
    expect((await subscription(bus, watcher.id)).streams).toEqual([expect.objectContaining({ stream: "dlq.doomed", cursor: 1, delivered: 1 })]);
  });
});
