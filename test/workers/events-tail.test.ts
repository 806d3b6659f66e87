// The live tail of a stream. WebSocket: events from `from` (default: what comes next),
// at most WINDOW beyond the last `{"ack": <sequence>}`, then new events as they are
// appended; anything but an ack closes the socket (1003). A socket attached to a `live`
// subscription receives what the subscription matches as it is appended (at most once;
// the subscription's cursor does not move). Server-Sent Events: `id:` /
// `data:` frames from `from` or after Last-Event-ID, then new events.
import { describe, expect, it } from "vitest";
import { WINDOW } from "../../objects/events/stream-tail.ts";
import { type Bus, busClient, event, eventually, info, publish, subscribe, subscription, sweepNow } from "./bus.ts";
import { type Body, expectInvalid, expectProblem, toReply } from "./http.ts";
import { type Frame, readSseFrames } from "./sse-frames.ts";
import { type RecordedSocket, recordSocket } from "./recorded-socket.ts";

const openSocket = async (bus: Bus, query = ""): Promise<RecordedSocket> => {
  const response = await bus.fetch(`/v1/streams/order/tail${query}`, { headers: { upgrade: "websocket" } });
  expect(response.status).toBe(101);
  return recordSocket(response);
};

const sequences = (events: Body[]) => events.map((e) => e.sequence);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const orders = (count: number) => Array.from({ length: count }, (_, i) => event("order.created", { i }));

describe("WebSocket tail", () => {
  it("sends at most WINDOW events beyond the last ack, and more for each ack", async () => {
    const bus = await busClient();
    await publish(bus, orders(600));
    const tail = await openSocket(bus, "?from=1");
    await eventually("a full window", async () => tail.received.length, (n) => n >= WINDOW);
    tail.ws.send(JSON.stringify({ ack: 100 }));
    await eventually("100 more", async () => tail.received.length, (n) => n >= WINDOW + 100);
    // Anything but an ack closes the socket; what was sent before the close is all there was.
    tail.ws.send("stop");
    expect(await eventually("the close", async () => tail.closed(), (code) => code !== null)).toBe(1003);
    expect(sequences(tail.received)).toEqual(range(1, WINDOW + 100));
    expect(tail.received[0]).toMatchObject({ type: "order.created", stream: "order", tenant: bus.tenant, data: { i: 0 } });
  });

  it("starts at what comes next by default, or at `from`, and follows appends", async () => {
    const bus = await busClient();
    await publish(bus, orders(5));
    const next = await openSocket(bus);
    const from4 = await openSocket(bus, "?from=4");
    await eventually("4 and 5", async () => from4.received.length, (n) => n >= 2);
    await publish(bus, orders(2));
    await eventually("the new events", async () => next.received.length + from4.received.length, (n) => n >= 6);
    expect(sequences(next.received)).toEqual([6, 7]);
    expect(sequences(from4.received)).toEqual([4, 5, 6, 7]);
    next.ws.close(1000, "done");
    from4.ws.close(1000, "done");
  });

  it("pushes a live subscription's matching events to its attached socket, at most once and without moving its cursor", async () => {
    const bus = await busClient();
    await publish(bus, orders(1));
    const sub = await subscribe(bus, { patterns: ["order.paid"], stream: "order", target: { kind: "live" } });
    // Appended while nothing is attached: not kept for later, not retried, not dead-lettered.
    await publish(bus, [event("order.paid", { n: 1 })]);
    const tail = await openSocket(bus, `?subscription=${sub.id}`);
    await publish(bus, [event("order.created", { n: 2 }), event("order.paid", { n: 3 }), event("order.paid", { n: 4 })]);
    await eventually("two paid", async () => tail.received.length, (n) => n >= 2);
    await sweepNow(bus.tenant, "order");
    expect(tail.received.map((e) => [e.sequence, e.type, e.data.n])).toEqual([[4, "order.paid", 3], [5, "order.paid", 4]]);
    // The cursor stays where the subscription started: a push is not known to be received.
    expect((await subscription(bus, sub.id)).streams[0]).toMatchObject({ cursor: 1, delivered: 0, deadLetters: 0, lastError: null });
    expect((await info(bus, "order")).last).toBe(5);
    tail.ws.close(1000, "done");
  });

  it("refuses an unknown subscription (404) and a bad position (400)", async () => {
    const bus = await busClient();
    expectProblem(await toReply(await bus.fetch("/v1/streams/order/tail?subscription=nope", { headers: { upgrade: "websocket" } })), 404, "not-found");
    expectInvalid(await toReply(await bus.fetch("/v1/streams/order/tail?from=0", { headers: { upgrade: "websocket" } })), "query.from");
    expectInvalid(await toReply(await bus.fetch("/v1/streams/Order/tail", { headers: { upgrade: "websocket" } })), "path.stream");
  });
});

describe("Server-Sent Events tail", () => {
  /** Reads frames from the stream until `count` have arrived, then hangs up. */
  const readFrames = async (response: Response, count: number): Promise<Frame[]> => (await readSseFrames(response, { count, maxReads: 1_000 })).frames;

  const openSse = async (bus: Bus, query = "", headers: Record<string, string> = {}) => {
    const response = await bus.fetch(`/v1/streams/order/tail${query}`, { headers: { accept: "text/event-stream", ...headers } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    return response;
  };

  it("sends id/event/data frames from `from`", async () => {
    const bus = await busClient();
    await publish(bus, orders(5));
    const frames = await readFrames(await openSse(bus, "?from=2"), 4);
    expect(frames.map((f) => [f.id, f.event, f.data.sequence, f.data.data.i])).toEqual([
      [2, "cloudevent", 2, 1],
      [3, "cloudevent", 3, 2],
      [4, "cloudevent", 4, 3],
      [5, "cloudevent", 5, 4],
    ]);
  });

  it("sends a backlog longer than one read in order, reading on from storage", async () => {
    const bus = await busClient();
    await publish(bus, orders(250));
    const frames = await readFrames(await openSse(bus, "?from=1"), 250);
    expect(frames.map((f) => f.id)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it("resumes after Last-Event-ID, and sends events appended after connecting", async () => {
    const bus = await busClient();
    await publish(bus, orders(3));
    const resumed = await openSse(bus, "", { "last-event-id": "2" });
    const live = await openSse(bus);
    await publish(bus, orders(2));
    expect((await readFrames(resumed, 3)).map((f) => f.id)).toEqual([3, 4, 5]);
    expect((await readFrames(live, 2)).map((f) => f.id)).toEqual([4, 5]);
  });
});
