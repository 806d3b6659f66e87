import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import { MAX_EVENTS_PER_PUBLISH } from "./cloud-event.ts";
import { parsePublishRequest } from "./publish-request.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const event = (type = "order.created", extra: Record<string, unknown> = {}) => ({ source: "shop", type, ...extra });
const request = (contentType: string | null, body: unknown, more: Record<string, string> = {}) =>
  parsePublishRequest(
    new Headers({ ...(contentType === null ? {} : { "content-type": contentType }), ...more }),
    typeof body === "string" ? bytes(body) : body instanceof Uint8Array ? body : bytes(JSON.stringify(body)),
  );

/** The problem a request is refused with. */
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
    throw error;
  }
  throw new Error("not refused");
};
const paths = (run: () => unknown) => (refusal(run).errors ?? []).map((e) => e.path);

describe("publish requests", () => {
  it("reads each content mode into the same validated events", () => {
    const structured = request("application/cloudevents+json", event("order.created", { specversion: "1.0", data: { n: 1 } }));
    const plain = request("application/json", event("order.created", { data: { n: 1 } }));
    const binary = request("application/json", '{"n":1}', { "ce-specversion": "1.0", "ce-source": "shop", "ce-type": "order.created" });
    for (const parsed of [structured, plain, binary]) {
      expect(parsed.events).toEqual([{ specversion: "1.0", source: "shop", type: "order.created", datacontenttype: "application/json", data: { n: 1 } }]);
    }
    expect([structured.mode, plain.mode, binary.mode]).toEqual(["structured", "json", "binary"]);
    const batch = request("application/cloudevents-batch+json", [event("a.b"), event("c.d")]);
    expect(batch.events.map((e) => e.type)).toEqual(["a.b", "c.d"]);
    expect(request("application/json", [event("a.b")]).events).toHaveLength(1);
  });

  it("accepts an empty batch, but not an empty plain array", () => {
    expect(request("application/cloudevents-batch+json", []).events).toEqual([]);
    expect(paths(() => request("application/json", []))).toEqual(["(body)"]);
  });

  it("takes a null attribute as absent, and a null data as a payload", () => {
    const parsed = request("application/cloudevents+json", event("order.created", { subject: null, time: null, data: null }));
    expect(parsed.events[0]).toEqual({ specversion: "1.0", source: "shop", type: "order.created", datacontenttype: "application/json", data: null });
  });

  it("keeps text and binary data of the structured format, and refuses data that breaks its rules", () => {
    expect(request("application/cloudevents+json", event("a.b", { datacontenttype: "text/plain", data: "hi" })).events[0]).toMatchObject({ data: "hi" });
    expect(request("application/cloudevents+json", event("a.b", { datacontenttype: "image/png", data_base64: "cG5n" })).events[0]).toMatchObject({ data_base64: "cG5n" });
    expect(paths(() => request("application/cloudevents+json", event("a.b", { data: 1, data_base64: "cG5n" })))).toEqual(["data_base64"]);
    expect(paths(() => request("application/cloudevents+json", event("a.b", { datacontenttype: "text/plain", data: { n: 1 } })))).toEqual(["data"]);
    expect(paths(() => request("application/cloudevents+json", event("a.b", { data_base64: "not base64!" })))).toEqual(["data_base64"]);
    expect(paths(() => request("application/cloudevents+json", event("a.b", { datacontenttype: "plain" })))).toEqual(["datacontenttype"]);
    expect(paths(() => request("application/cloudevents+json", event("a.b", { dataschema: "not a uri" })))).toEqual(["dataschema"]);
  });

  it("names binary-mode fields by their header", () => {
    const ce = { "ce-specversion": "1.0", "ce-source": "shop" };
    expect(paths(() => request("application/json", "{}", ce))).toEqual(["ce-type"]);
    expect(paths(() => request("application/json", "{}", { ...ce, "ce-type": "Order Created" }))).toEqual(["ce-type"]);
    expect(paths(() => request("application/json", "{}", { ...ce, "ce-type": "a.b", "ce-specversion": "0.3" }))).toEqual(["ce-specversion"]);
    expect(paths(() => request("application/json", "{}", { ...ce, "ce-type": "a.b", "ce-time": "yesterday" }))).toEqual(["ce-time"]);
    expect(paths(() => request("application/json", "{}", { ...ce, "ce-type": "a.b", "ce-stream": "Not/A/Stream" }))).toEqual(["ce-stream"]);
    expect(paths(() => request("not a media type", "x", { ...ce, "ce-type": "a.b" }))).toEqual(["content-type"]);
    expect(request("application/json", "{}", { ...ce, "ce-type": "a.b" }).pathOf(0, "stream")).toBe("ce-stream");
  });

  it("names batch fields by position, and whole-body mistakes as (body)", () => {
    expect(paths(() => request("application/cloudevents-batch+json", [event("a.b"), event("Bad Type")]))).toEqual(["1.type"]);
    expect(paths(() => request("application/json", [event("a.b"), { type: "a.b" }]))).toEqual(["1.source"]);
    expect(paths(() => request("application/cloudevents+json", [event("a.b")]))).toEqual(["(body)"]);
    expect(paths(() => request("application/cloudevents-batch+json", event("a.b")))).toEqual(["(body)"]);
    expect(paths(() => request("application/json", "{not json"))).toEqual(["(body)"]);
    expect(paths(() => request("application/json", ""))).toEqual(["(body)"]);
    expect(paths(() => request("application/json", 42))).toEqual(["(body)"]);
    expect(request("application/json", [event("a.b")]).pathOf(3, "stream")).toBe("3.stream");
  });

  it(`takes ${MAX_EVENTS_PER_PUBLISH} events per request, and refuses one more naming the body`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => event("a.b", { id: `e-${i}` }));
    for (const type of ["application/json", "application/cloudevents-batch+json"]) {
      expect(request(type, many(MAX_EVENTS_PER_PUBLISH)).events).toHaveLength(MAX_EVENTS_PER_PUBLISH);
      const problem = refusal(() => request(type, many(MAX_EVENTS_PER_PUBLISH + 1)));
      expect(problem).toMatchObject({ status: 400, errors: [{ path: "(body)", message: `has ${MAX_EVENTS_PER_PUBLISH + 1} events: at most ${MAX_EVENTS_PER_PUBLISH} per request` }] });
    }
  });

  it("answers 415 for a body in no mode it reads", () => {
    expect(refusal(() => request("text/plain", "hello")).status).toBe(415);
    expect(refusal(() => request(null, "hello")).status).toBe(415);
    expect(refusal(() => request("application/cloudevents+xml", "<e/>")).status).toBe(415);
  });
});
