import { CloudEvent, HTTP } from "cloudevents";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentModeOf, dataFromBody, eventFromBinary, HEADER_ATTRIBUTES, headerOf, MAX_TEXT_DATA_CHARS, toBase64 } from "./http-binding.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const headers = (entries: Record<string, string>) => new Headers(entries);
const base = { "ce-specversion": "1.0", "ce-source": "shop", "ce-type": "order.created" };

/** The SDK's binary-mode message as the Worker receives it. */
const received = (event: CloudEvent<unknown>) => {
  const message = HTTP.binary(event);
  const body = message.body;
  const raw = body === undefined ? new Uint8Array() : typeof body === "string" ? bytes(body) : new Uint8Array(body as Uint8Array);
  return { headers: new Headers(message.headers as Record<string, string>), body: raw };
};

describe("content modes", () => {
  it("names structured and batched mode by media type, binary by ce- headers, and plain JSON otherwise", () => {
    expect(contentModeOf(headers({ "content-type": "application/cloudevents+json; charset=utf-8", "ce-id": "x" }), true)).toBe("structured");
    expect(contentModeOf(headers({ "content-type": "Application/CloudEvents-Batch+JSON" }), true)).toBe("batch");
    expect(contentModeOf(headers({ "content-type": "application/json", "ce-type": "order.created" }), true)).toBe("binary");
    expect(contentModeOf(headers({ "content-type": "image/png", "ce-id": "x" }), true)).toBe("binary");
    expect(contentModeOf(headers({ "ce-id": "x" }), true)).toBe("binary");
    expect(contentModeOf(headers({ "content-type": "application/json" }), true)).toBe("json");
    expect(contentModeOf(headers({ "content-type": "application/vnd.shop+json" }), true)).toBe("json");
    expect(contentModeOf(headers({}), false)).toBe("json");
    expect(contentModeOf(headers({}), true)).toBeNull();
    expect(contentModeOf(headers({ "content-type": "text/plain" }), true)).toBeNull();
    expect(contentModeOf(headers({ "content-type": "application/cloudevents+xml" }), true)).toBeNull();
  });
});

describe("binary mode: headers to attributes", () => {
  it("reads every attribute the SDK sends, and JSON data", () => {
    const event = new CloudEvent({
      id: "e-1",
      source: "shop",
      type: "order.created",
      subject: "order/7",
      time: "2026-01-02T03:04:05.000Z",
      dataschema: "https://example.com/order.json",
      stream: "orders",
      correlationid: "c-1",
      causationid: "c-0",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      tracestate: "congo=t61rcWkgMzE",
      data: { total: 12, items: ["a", "b"] },
    });
    const { headers: h, body } = received(event);
    expect(eventFromBinary(h, body)).toEqual({
      ok: true,
      event: {
        specversion: "1.0",
        id: "e-1",
        source: "shop",
        type: "order.created",
        subject: "order/7",
        time: "2026-01-02T03:04:05.000Z",
        dataschema: "https://example.com/order.json",
        stream: "orders",
        correlationid: "c-1",
        causationid: "c-0",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate: "congo=t61rcWkgMzE",
        datacontenttype: "application/json; charset=utf-8",
        data: { total: 12, items: ["a", "b"] },
      },
    });
  });

  it("keeps text as a string and binary content as data_base64 (the SDK's own encoding)", () => {
    const text = received(new CloudEvent({ source: "s", type: "t", datacontenttype: "text/plain", data: "héllo, wörld" }));
    expect(eventFromBinary(text.headers, text.body)).toMatchObject({ ok: true, event: { datacontenttype: "text/plain", data: "héllo, wörld" } });
    const payload = new Uint8Array([0, 1, 2, 250, 255, 128, 10]);
    const binary = new CloudEvent({ source: "s", type: "t", datacontenttype: "application/octet-stream", data: payload });
    const carried = received(binary);
    const parsed = eventFromBinary(carried.headers, carried.body);
    expect(parsed).toMatchObject({ ok: true, event: { datacontenttype: "application/octet-stream", data_base64: binary.data_base64 } });
    expect(parsed.ok && "data" in parsed.event).toBe(false);
  });

  it("percent-decodes header values, and names a malformed one", () => {
    const subject = "café 100% \"done\"";
    expect(eventFromBinary(headers({ ...base, "ce-subject": encodeURIComponent(subject) }), new Uint8Array())).toMatchObject({ ok: true, event: { subject } });
    expect(eventFromBinary(headers({ ...base, "ce-subject": "100%" }), new Uint8Array())).toEqual({ ok: false, errors: [{ path: "ce-subject", message: expect.stringContaining("%25") }] });
  });

  it("decodes any percent-encoded attribute value to itself", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HEADER_ATTRIBUTES.filter((a) => !["specversion", "source", "type"].includes(a))), fc.string({ unit: "grapheme" }), (attribute, value) => {
        fc.pre(value.length > 0);
        const parsed = eventFromBinary(headers({ ...base, [`ce-${attribute}`]: encodeURIComponent(value) }), new Uint8Array());
        expect(parsed).toMatchObject({ ok: true, event: { [attribute]: value } });
      }),
    );
  });

  it("names each missing required header and each attribute it does not accept", () => {
    expect(eventFromBinary(headers({ "ce-id": "x" }), new Uint8Array())).toEqual({
      ok: false,
      errors: [
        { path: "ce-specversion", message: "required in binary mode" },
        { path: "ce-source", message: "required in binary mode" },
        { path: "ce-type", message: "required in binary mode" },
      ],
    });
    const odd = eventFromBinary(headers({ ...base, "ce-tenant": "other", "ce-colour": "red", "ce-datacontenttype": "text/plain" }), new Uint8Array());
    expect(odd.ok ? [] : odd.errors.map((e) => e.path).sort()).toEqual(["ce-colour", "ce-datacontenttype", "ce-tenant"]);
    expect(eventFromBinary(headers({ ...base, "content-type": "application/json" }), bytes("{oops"))).toEqual({
      ok: false,
      errors: [{ path: "(body)", message: expect.stringContaining("not valid JSON") }],
    });
  });

  it("takes an empty body as no data, and a body without content-type as octet-stream", () => {
    expect(eventFromBinary(headers({ ...base, "content-type": "application/json" }), new Uint8Array())).toEqual({
      ok: true,
      event: { specversion: "1.0", source: "shop", type: "order.created", datacontenttype: "application/json" },
    });
    expect(eventFromBinary(headers(base), new Uint8Array())).toEqual({ ok: true, event: { specversion: "1.0", source: "shop", type: "order.created" } });
    expect(eventFromBinary(headers(base), bytes("ab"))).toMatchObject({ ok: true, event: { datacontenttype: "application/octet-stream", data_base64: "YWI=" } });
  });

  it("names where each attribute travels", () => {
    expect([headerOf("type"), headerOf("datacontenttype"), headerOf("data"), headerOf("data_base64")]).toEqual(["ce-type", "content-type", "(body)", "(body)"]);
  });
});

describe("binary mode: body to data", () => {
  it("parses JSON media types, keeps UTF-8 text and XML as strings, and base64-encodes the rest", () => {
    expect(dataFromBody("application/vnd.shop+json", bytes('"just a string"'))).toEqual({ ok: true, members: { data: "just a string" } });
    expect(dataFromBody("application/json", bytes("null"))).toEqual({ ok: true, members: { data: null } });
    expect(dataFromBody("text/csv; charset=UTF-8", bytes("a,b\n1,2\n"))).toEqual({ ok: true, members: { data: "a,b\n1,2\n" } });
    expect(dataFromBody("application/xml", bytes('<much wow="xml"/>'))).toEqual({ ok: true, members: { data: '<much wow="xml"/>' } });
    expect(dataFromBody("image/png", bytes("png"))).toEqual({ ok: true, members: { data_base64: "cG5n" } });
    // Not UTF-8, or another charset: kept exactly, as bytes.
    expect(dataFromBody("text/plain", new Uint8Array([0xff, 0xfe]))).toEqual({ ok: true, members: { data_base64: "//4=" } });
    expect(dataFromBody("text/plain; charset=iso-8859-1", bytes("abc"))).toEqual({ ok: true, members: { data_base64: "YWJj" } });
    expect(dataFromBody("application/json", new Uint8Array([0xff]))).toMatchObject({ ok: false, error: { path: "(body)" } });
  });

  it("keeps text whose JSON string would outgrow a storage row as base64", () => {
    const quotes = '"'.repeat(MAX_TEXT_DATA_CHARS / 2);
    expect(dataFromBody("text/plain", bytes(quotes))).toEqual({ ok: true, members: { data_base64: toBase64(bytes(quotes)) } });
    const plain = "a".repeat(MAX_TEXT_DATA_CHARS - 2);
    expect(dataFromBody("text/plain", bytes(plain))).toEqual({ ok: true, members: { data: plain } });
  });

  it("base64-encodes any bytes as the platform's atob decodes them, across chunk boundaries", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (data) => {
        const decoded = Uint8Array.from(atob(toBase64(data)), (ch) => ch.charCodeAt(0));
        expect(decoded).toEqual(data);
      }),
      { numRuns: 30 },
    );
  });
});
