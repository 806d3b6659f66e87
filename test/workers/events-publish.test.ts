// Publishing and reading events: POST /v1/events takes one CloudEvent or a batch of at
// most 1,000 (atomic per stream) and answers each event's stream and sequence in the
// order given; streams default to the type's first segment, sequences are gap-free, an
// id is stored once; GET /v1/streams/:stream/events reads in order, in pages or as
// NDJSON. Each test acts as a fresh tenant. The CloudEvents content modes (binary,
// structured, batched) are in events-publish-modes.test.ts.
import { describe, expect, it } from "vitest";
import { type Bus, busClient, event, info, publish, readAll } from "./bus.ts";
import { errorPaths, expectInvalid, expectProblem } from "./http.ts";

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const UUID = expect.stringMatching(/^[0-9a-f-]{36}$/);

/** The stream is as a fresh one: nothing stored, nothing numbered. */
const expectEmpty = async (bus: Bus, stream: string) => {
  expect(await info(bus, stream)).toMatchObject({ stream, length: 0, first: null, last: 0 });
  expect(await readAll(bus, stream)).toEqual([]);
};

describe("POST /v1/events", () => {
  it("stores one event on the stream named by its type's first segment and reads it back complete", async () => {
    const bus = await busClient();
    const reply = await bus.send("POST", "/v1/events", event("order.created", { total: 12 }));
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toEqual({ items: [{ id: UUID, stream: "order", sequence: 1, duplicate: false }] });
    const [stored] = await readAll(bus, "order");
    expect(stored).toEqual({
      specversion: "1.0",
      id: reply.body.items[0].id,
      source: "test/bus",
      type: "order.created",
      time: ISO,
      datacontenttype: "application/json",
      data: { total: 12 },
      tenant: bus.tenant,
      stream: "order",
      sequence: 1,
    });
    const given = { id: "evt-1", time: "2026-01-02T03:04:05.000Z", subject: "order/9", correlationid: "c-1", causationid: "c-0" };
    expect(await publish(bus, event("order.paid", null, given))).toEqual([{ id: "evt-1", stream: "order", sequence: 2, duplicate: false }]);
    expect((await readAll(bus, "order"))[1]).toMatchObject({ ...given, type: "order.paid", data: null, sequence: 2 });
  });

  it("answers a batch in the order given, with gap-free sequences per stream and explicit streams honoured", async () => {
    const bus = await busClient();
    const items = await publish(bus, [
      event("order.created", { n: 1 }),
      event("payment.captured", { n: 2 }),
      event("order.shipped", { n: 3 }),
      event("order.cancelled", { n: 4 }, { stream: "archive" }),
      event("order.updated", { n: 5 }),
    ]);
    expect(items.map((item) => [item.stream, item.sequence, item.duplicate])).toEqual([
      ["order", 1, false],
      ["payment", 1, false],
      ["order", 2, false],
      ["archive", 1, false],
      ["order", 3, false],
    ]);
    expect(new Set(items.map((item) => item.id)).size).toBe(5);
    const more = await publish(bus, [event("order.closed", { n: 6 }), event("order.reopened", { n: 7 })]);
    expect(more.map((item) => item.sequence)).toEqual([4, 5]);
    const order = await readAll(bus, "order");
    expect(order.map((e) => [e.sequence, e.type, e.data.n])).toEqual([
      [1, "order.created", 1],
      [2, "order.shipped", 3],
      [3, "order.updated", 5],
      [4, "order.closed", 6],
      [5, "order.reopened", 7],
    ]);
    expect((await readAll(bus, "archive")).map((e) => [e.stream, e.type])).toEqual([["archive", "order.cancelled"]]);
    expect(await info(bus, "order")).toMatchObject({ length: 5, first: 1, last: 5 });
  });

  it("stores an id once: a repeat answers duplicate with the first sequence, within a batch too", async () => {
    const bus = await busClient();
    expect(await publish(bus, event("order.created", { v: 1 }, { id: "same" }))).toEqual([{ id: "same", stream: "order", sequence: 1, duplicate: false }]);
    expect(await publish(bus, event("order.created", { v: 2 }, { id: "same" }))).toEqual([{ id: "same", stream: "order", sequence: 1, duplicate: true }]);
    const batch = await publish(bus, [
      event("order.created", {}, { id: "fresh" }),
      event("order.created", {}, { id: "same" }),
      event("order.created", {}, { id: "fresh" }),
      event("order.created", {}, { id: "next" }),
    ]);
    expect(batch.map((item) => [item.id, item.sequence, item.duplicate])).toEqual([
      ["fresh", 2, false],
      ["same", 1, true],
      ["fresh", 2, true],
      ["next", 3, false],
    ]);
    const stored = await readAll(bus, "order");
    expect(stored.map((e) => [e.sequence, e.id])).toEqual([[1, "same"], [2, "fresh"], [3, "next"]]);
    expect(stored[0].data).toEqual({ v: 1 });
  });

  it("refuses a batch with an invalid event anywhere, naming it, and stores none of it", async () => {
    const bus = await busClient();
    const valid = event("order.created", { n: 1 });
    expectInvalid(await bus.send("POST", "/v1/events", [valid, event("Order Created")]), "1.type");
    expectInvalid(await bus.send("POST", "/v1/events", [valid, valid, { type: "order.created" }]), "2.source");
    expectInvalid(await bus.send("POST", "/v1/events", [valid, { ...event("order.created"), extra: 1 }]), "1.extra");
    expectInvalid(await bus.send("POST", "/v1/events", [valid, event("order.created", {}, { stream: "Not/A/Stream" })]), "1.stream");
    expectInvalid(await bus.send("POST", "/v1/events", [valid, event("order.created", {}, { time: "yesterday" })]), "1.time");
    expectInvalid(await bus.send("POST", "/v1/events", []), "(body)");
    await expectEmpty(bus, "order");
  });

  it("refuses an id outside the id alphabet (it becomes the webhook-id header), naming it, and stores nothing", async () => {
    const bus = await busClient();
    const valid = event("order.created", { n: 1 });
    for (const id of ["a b", "a/b", "line\nbreak", "naïve", "emoji-\u{1F600}", ".", "", "x".repeat(129)]) {
      expectInvalid(await bus.send("POST", "/v1/events", event("order.created", {}, { id })), "id");
      expectInvalid(await bus.send("POST", "/v1/events", [valid, event("order.created", {}, { id })]), "1.id");
    }
    await expectEmpty(bus, "order");
    // The id alphabet, and the UUIDs CloudEvents SDKs generate, are taken as they are.
    const ids = ["Order:1.A-b_2", crypto.randomUUID()];
    expect((await publish(bus, ids.map((id) => event("order.created", {}, { id })))).map((item) => item.id)).toEqual(ids);
  });

  it("takes 1,000 events in one request, and refuses 1,001 naming the body, storing none", async () => {
    const bus = await busClient();
    const batch = (n: number) => Array.from({ length: n }, (_, i) => event("order.created", { i }));
    const tooMany = expectInvalid(await bus.send("POST", "/v1/events", batch(1001)), "(body)");
    expect(tooMany.errors).toEqual([{ path: "(body)", message: "has 1001 events: at most 1000 per request" }]);
    await expectEmpty(bus, "order");
    const items = await publish(bus, batch(1000));
    expect(items.map((item) => item.sequence)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(await info(bus, "order")).toMatchObject({ length: 1000, first: 1, last: 1000 });
  });

  it("refuses bad bodies with problem+json and changes nothing", async () => {
    const bus = await busClient();
    expectInvalid(await bus.send("POST", "/v1/events", { ...event("order.created"), extra: true }), "extra");
    expectInvalid(await bus.send("POST", "/v1/events", { ...event("order.created"), specversion: "0.3" }), "specversion");
    expectProblem(await bus.send("POST", "/v1/events", event("order.created", "x".repeat(1024 * 1024))), 413, "payload-too-large");
    expectProblem(await bus.send("POST", "/v1/events", "{not json"), 400);
    const malformed = await bus.fetch("/v1/events", { method: "POST", headers: { "content-type": "application/json" }, body: '{"source":"s",' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(["(body)"]);
    const text = await bus.fetch("/v1/events", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(event("order.created")) });
    expect(text.status).toBe(415);
    expect(text.headers.get("content-type")).toBe("application/problem+json");
    await expectEmpty(bus, "order");
  });
});

describe("GET /v1/streams/:stream/events", () => {
  it("reads in order from `from`, `limit` at a time, `next` pointing on, and up to `to`", async () => {
    const bus = await busClient();
    await publish(bus, Array.from({ length: 25 }, (_, i) => event("order.created", { i })));
    const seen: number[] = [];
    const nexts: (number | null)[] = [];
    for (let from: number | null = 1, page = 0; from !== null && page < 10; page++) {
      const reply = await bus.send("GET", `/v1/streams/order/events?from=${from}&limit=10`);
      expect(reply.status, reply.text).toBe(200);
      seen.push(...reply.body.items.map((e: { sequence: number }) => e.sequence));
      from = reply.body.next;
      nexts.push(from);
    }
    expect(nexts).toEqual([11, 21, null]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const range = await bus.send("GET", "/v1/streams/order/events?from=5&to=7");
    expect(range.body.items.map((e: { data: { i: number } }) => e.data.i)).toEqual([4, 5, 6]);
    expect(range.body.next).toBeNull();
    expect((await bus.send("GET", "/v1/streams/order/events?from=26")).body).toEqual({ items: [], next: null });
  });

  it("answers every event line by line as NDJSON with Accept: application/x-ndjson", async () => {
    const bus = await busClient();
    // More than one internal page (1000 events).
    for (let batch = 0; batch < 2; batch++) await publish(bus, Array.from({ length: 600 }, (_, i) => event("order.created", { i: batch * 600 + i })));
    const response = await bus.fetch("/v1/streams/order/events?from=2", { headers: { accept: "application/x-ndjson" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const text = await response.text();
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n").map((line) => JSON.parse(line));
    expect(lines.map((e) => e.sequence)).toEqual(Array.from({ length: 1199 }, (_, i) => i + 2));
    expect(lines.map((e) => e.data.i)).toEqual(Array.from({ length: 1199 }, (_, i) => i + 1));
  });

  it("refuses bad stream names and queries naming the field", async () => {
    const bus = await busClient();
    for (const bad of ["Order", "-order", "a%20b", "x".repeat(129)]) expectInvalid(await bus.send("GET", `/v1/streams/${bad}/events`), "path.stream");
    expectInvalid(await bus.send("GET", "/v1/streams/order/events?limit=0"), "query.limit");
    expectInvalid(await bus.send("GET", "/v1/streams/order/events?limit=1001"), "query.limit");
    expectInvalid(await bus.send("GET", "/v1/streams/order/events?from=0"), "query.from");
    expect(errorPaths(await bus.send("GET", "/v1/streams/order/events?colour=red"))).toContain("query.colour");
    expectInvalid(await bus.send("GET", "/v1/streams/Order"), "path.stream");
  });
});
