// POST /v1/events in every content mode of the CloudEvents HTTP binding, driven by the
// official JavaScript SDK: binary mode (its default: attributes in ce-* headers, the
// data as the body), structured mode and batched mode. Every attribute and the data
// arrive intact, a stored event read back is a valid CloudEvent to the SDK, and bad
// input in any mode is refused naming the field, storing nothing. Each test acts as a
// fresh tenant.
import { CloudEvent, HTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import { type Bus, busClient, readAll } from "./bus.ts";
import { type Body, expectInvalid, expectProblem, type Reply, toReply } from "./http.ts";
import { expectForbidden } from "./security.ts";
import { bearer } from "./tokens.ts";

type Message = { headers: Record<string, string | string[] | undefined>; body?: unknown };

/** Sends an SDK message (or one built like it) to POST /v1/events. */
const sendMessage = async (bus: Bus, message: Message, auth: Record<string, string> = {}): Promise<Reply> => {
  const headers = Object.fromEntries(Object.entries(message.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])));
  return toReply(await bus.fetch("/v1/events", { method: "POST", headers: { ...headers, ...auth }, body: message.body as BodyInit | undefined }));
};

const published = async (bus: Bus, message: Message) => {
  const reply = await sendMessage(bus, message);
  expect(reply.status, reply.text).toBe(201);
  return reply.body.items as { id: string; stream: string; sequence: number; duplicate: boolean }[];
};

/** A batch in the JSON batch format: the SDK parses batches but has no emitter for them. */
const batchMessage = (events: CloudEvent<unknown>[]): Message => ({
  headers: { "content-type": "application/cloudevents-batch+json" },
  body: JSON.stringify(events),
});

/** A stored event, as the SDK reads it from a structured-mode message: a valid CloudEvent. */
const asSdkEvent = (stored: Body): CloudEvent<unknown> => {
  const parsed = HTTP.toEvent({ headers: { "content-type": "application/cloudevents+json" }, body: JSON.stringify(stored) }) as CloudEvent<unknown>;
  expect(parsed.validate()).toBe(true);
  // Strict construction also checks every extension's name and value.
  expect(() => new CloudEvent({ ...stored })).not.toThrow();
  return parsed;
};

const ATTRIBUTES = {
  id: "evt-full",
  source: "https://shop.example/orders",
  type: "order.created",
  subject: "order/7",
  time: "2026-01-02T03:04:05.000Z",
  dataschema: "https://shop.example/schemas/order.json",
  correlationid: "corr-1",
  causationid: "cause-0",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  tracestate: "congo=t61rcWkgMzE",
};

describe("binary content mode (the SDK's default)", () => {
  it("stores every attribute from the ce- headers and the JSON body as data", async () => {
    const bus = await busClient();
    const event = new CloudEvent({ ...ATTRIBUTES, stream: "orders", data: { total: 12, items: [{ sku: "a", qty: 2 }], note: "ünïcode" } });
    const message = HTTP.binary(event);
    expect(message.headers).toMatchObject({ "ce-id": "evt-full", "ce-type": "order.created", "ce-correlationid": "corr-1" });
    expect(await published(bus, message)).toEqual([{ id: "evt-full", stream: "orders", sequence: 1, duplicate: false }]);
    const [stored] = await readAll(bus, "orders");
    expect(stored).toEqual({
      specversion: "1.0",
      ...ATTRIBUTES,
      datacontenttype: "application/json; charset=utf-8",
      data: { total: 12, items: [{ sku: "a", qty: 2 }], note: "ünïcode" },
      tenant: bus.tenant,
      stream: "orders",
      sequence: 1,
    });
    const back = asSdkEvent(stored);
    expect(back).toMatchObject({ ...ATTRIBUTES, specversion: "1.0", data: event.data, stream: "orders", sequence: 1, tenant: bus.tenant });
  });

  it("keeps text data as a string and binary data as data_base64, byte for byte", async () => {
    const bus = await busClient();
    const csv = new CloudEvent({ source: "shop", type: "report.ready", datacontenttype: "text/csv", data: "name,qty\nbolt,3\nnüt,5\n" });
    const bytes = new Uint8Array(256).map((_, i) => 255 - i);
    const image = new CloudEvent({ source: "shop", type: "report.image", datacontenttype: "image/png", data: bytes });
    const none = new CloudEvent({ source: "shop", type: "report.empty" });
    for (const event of [csv, image, none] as CloudEvent<unknown>[]) await published(bus, HTTP.binary(event));
    const [text, binary, empty] = await readAll(bus, "report");
    expect(text).toMatchObject({ id: csv.id, datacontenttype: "text/csv", data: "name,qty\nbolt,3\nnüt,5\n" });
    expect(binary).toMatchObject({ id: image.id, datacontenttype: "image/png", data_base64: image.data_base64 });
    expect(binary).not.toHaveProperty("data");
    expect(empty).not.toHaveProperty("data");
    expect(empty).not.toHaveProperty("data_base64");
    expect(asSdkEvent(text).data).toBe("name,qty\nbolt,3\nnüt,5\n");
    // The SDK decodes data_base64 to one array element per byte.
    expect(Array.from(asSdkEvent(binary).data as ArrayLike<number>)).toEqual(Array.from(bytes));
  });

  it("refuses a missing or invalid attribute naming its header, and stores nothing", async () => {
    const bus = await busClient();
    const valid = () => HTTP.binary(new CloudEvent({ source: "shop", type: "order.created", data: { n: 1 } }));
    const without = (header: string) => {
      const message = valid();
      delete message.headers[header];
      return message;
    };
    expectInvalid(await sendMessage(bus, without("ce-type")), "ce-type");
    expectInvalid(await sendMessage(bus, without("ce-source")), "ce-source");
    expectInvalid(await sendMessage(bus, without("ce-specversion")), "ce-specversion");
    expectInvalid(await sendMessage(bus, HTTP.binary(new CloudEvent({ source: "shop", type: "Order Created" }))), "ce-type");
    expectInvalid(await sendMessage(bus, HTTP.binary(new CloudEvent({ source: "shop", type: "order.created", colour: "red" }))), "ce-colour");
    expectInvalid(await sendMessage(bus, HTTP.binary(new CloudEvent({ source: "shop", type: "order.created", stream: "audit" }))), "ce-stream");
    const badJson = valid();
    badJson.body = "{not json";
    expectInvalid(await sendMessage(bus, badJson), "(body)");
    // JSON data of any JSON media type is bounded in depth like every JSON body.
    const deep = HTTP.binary(new CloudEvent({ source: "shop", type: "order.created", datacontenttype: "text/json", data: "x" }));
    deep.body = `${"[".repeat(200)}${"]".repeat(200)}`;
    expectInvalid(await sendMessage(bus, deep), "(body)");
    const large = new CloudEvent({ source: "shop", type: "order.created", datacontenttype: "application/octet-stream", data: new Uint8Array(1024 * 1024 + 1) });
    expectProblem(await sendMessage(bus, HTTP.binary(large)), 413, "payload-too-large");
    expect(await readAll(bus, "order")).toEqual([]);
  });

  it("needs events:publish:<type>, like the other modes", async () => {
    const bus = await busClient();
    const auth = await bearer({ tenant: bus.tenant, caps: ["events:publish:order.*"], rps: 1_000_000 });
    expect((await sendMessage(bus, HTTP.binary(new CloudEvent({ source: "shop", type: "order.created" })), auth)).status).toBe(201);
    expectForbidden(await sendMessage(bus, HTTP.binary(new CloudEvent({ source: "shop", type: "billing.charged" })), auth), "events:publish:billing.charged");
    expect(await readAll(bus, "billing")).toEqual([]);
  });
});

describe("structured content mode", () => {
  it("stores the event of an application/cloudevents+json body, binary data included", async () => {
    const bus = await busClient();
    const json = new CloudEvent({ ...ATTRIBUTES, data: { total: 12 } });
    const binary = new CloudEvent({ source: "shop", type: "order.scanned", datacontenttype: "application/pdf", data: new Uint8Array([37, 80, 68, 70, 0, 255]) });
    const message = HTTP.structured(json);
    expect(message.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    await published(bus, message);
    await published(bus, HTTP.structured(binary));
    const [first, second] = await readAll(bus, "order");
    expect(first).toEqual({ specversion: "1.0", ...ATTRIBUTES, datacontenttype: "application/json", data: { total: 12 }, tenant: bus.tenant, stream: "order", sequence: 1 });
    expect(second).toMatchObject({ id: binary.id, datacontenttype: "application/pdf", data_base64: binary.data_base64, sequence: 2 });
    expect(asSdkEvent(first).data).toEqual({ total: 12 });
    expect(Array.from(asSdkEvent(second).data as ArrayLike<number>)).toEqual([37, 80, 68, 70, 0, 255]);
  });

  it("refuses an invalid event naming the field, and an array, and stores nothing", async () => {
    const bus = await busClient();
    expectInvalid(await sendMessage(bus, HTTP.structured(new CloudEvent({ source: "shop", type: "Order Created" }))), "type");
    expectInvalid(await sendMessage(bus, HTTP.structured(new CloudEvent({ source: "shop", type: "order.created", colour: "red" }))), "colour");
    expectInvalid(await sendMessage(bus, HTTP.structured(new CloudEvent({ source: "shop", type: "order.created", datacontenttype: "text/plain", data: { n: 1 } }))), "data");
    const array = { headers: { "content-type": "application/cloudevents+json" }, body: JSON.stringify([new CloudEvent({ source: "shop", type: "order.created" })]) };
    expectInvalid(await sendMessage(bus, array), "(body)");
    expect(await readAll(bus, "order")).toEqual([]);
  });
});

describe("batched content mode", () => {
  it("stores every event of an application/cloudevents-batch+json array, in order, over streams", async () => {
    const bus = await busClient();
    const events = [
      new CloudEvent({ ...ATTRIBUTES, data: { n: 1 } }),
      new CloudEvent({ source: "shop", type: "payment.captured", data: "not an object" }),
      new CloudEvent({ source: "shop", type: "order.labelled", datacontenttype: "text/plain", data: "label" }),
      new CloudEvent({ source: "shop", type: "order.photo", datacontenttype: "image/jpeg", data: new Uint8Array([255, 216, 255]) }),
    ];
    const message = batchMessage(events);
    // The SDK reads this batch back as the same events: it is in the JSON batch format.
    expect((HTTP.toEvent(message as { headers: Record<string, string>; body: string }) as CloudEvent<unknown>[]).map((e) => e.id)).toEqual(events.map((e) => e.id));
    const items = await published(bus, message);
    expect(items.map((item) => [item.id, item.stream, item.sequence])).toEqual([
      [events[0]!.id, "order", 1],
      [events[1]!.id, "payment", 1],
      [events[2]!.id, "order", 2],
      [events[3]!.id, "order", 3],
    ]);
    const order = await readAll(bus, "order");
    expect(order[0]).toEqual({ specversion: "1.0", ...ATTRIBUTES, datacontenttype: "application/json", data: { n: 1 }, tenant: bus.tenant, stream: "order", sequence: 1 });
    expect(order[1]).toMatchObject({ datacontenttype: "text/plain", data: "label" });
    expect(order[2]).toMatchObject({ datacontenttype: "image/jpeg", data_base64: events[3]!.data_base64 });
    expect((await readAll(bus, "payment"))[0]).toMatchObject({ data: "not an object" });
    for (const stored of order) asSdkEvent(stored);
  });

  it("accepts an empty batch, and refuses a batch with one bad event naming it, storing none", async () => {
    const bus = await busClient();
    expect(await published(bus, batchMessage([]))).toEqual([]);
    const bad = batchMessage([new CloudEvent({ source: "shop", type: "order.created" }), new CloudEvent({ source: "shop", type: "Order Created" })]);
    expectInvalid(await sendMessage(bus, bad), "1.type");
    const single = { headers: { "content-type": "application/cloudevents-batch+json" }, body: JSON.stringify(new CloudEvent({ source: "shop", type: "order.created" })) };
    expectInvalid(await sendMessage(bus, single), "(body)");
    expect(await readAll(bus, "order")).toEqual([]);
  });
});

describe("other bodies", () => {
  it("are refused with 415 when they are in no content mode", async () => {
    const bus = await busClient();
    const reply = await sendMessage(bus, { headers: { "content-type": "text/plain" }, body: "order.created" });
    expectProblem(reply, 415, "unsupported-media-type");
    expect(reply.body.detail).toContain("binary mode");
    expect(await readAll(bus, "order")).toEqual([]);
  });
});
