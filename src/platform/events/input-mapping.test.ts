import { describe, expect, it } from "vitest";
import { fieldErrors } from "../zod-issues.ts";
import type { CloudEvent } from "./cloud-event.ts";
import { constantInput, inputMappingSchema, MAX_TEMPLATE_JSON, mapInput, referenceProblem } from "./input-mapping.ts";

const event: CloudEvent = {
  specversion: "1.0",
  id: "evt-1",
  source: "shop",
  type: "order.created",
  subject: "o-1",
  time: "2026-11-28T00:00:00.000Z",
  datacontenttype: "application/json",
  data: { id: "o-1", region: "us", qty: 3, lines: [{ sku: "bolt" }] },
  tenant: "t",
  stream: "order",
  sequence: 7,
};

const errorsOf = (mapping: unknown) => {
  const parsed = inputMappingSchema.safeParse(mapping);
  return parsed.success ? [] : fieldErrors(parsed.error.issues, "target.input");
};

describe("mapInput", () => {
  it("passes the data (an empty object when there is none) or the whole event", () => {
    expect(mapInput("data", event)).toEqual(event.data);
    expect(mapInput("data", { ...event, data: undefined })).toEqual({});
    expect(mapInput("event", event)).toBe(event);
  });

  it("fills a template per event: references into the CloudEvent, constants as written", () => {
    expect(mapInput({ by: 1 }, event)).toEqual({ by: 1 });
    expect(mapInput({ by: "$.data.qty", order: "$.data.id", kind: "$.type", at: "$.sequence", id: "$.id" }, event)).toEqual({
      by: 3, order: "o-1", kind: "order.created", at: 7, id: "evt-1",
    });
    expect(mapInput({ first: "$.data.lines.0.sku", all: "$.data", nested: { region: ["$.data.region"] } }, event)).toEqual({
      first: "bolt", all: event.data, nested: { region: ["us"] },
    });
    // A field the event does not have is absent from the input (the action's schema decides).
    expect(mapInput({ by: "$.data.missing" }, event)).toEqual({ by: undefined });
  });
});

describe("inputMappingSchema", () => {
  it("accepts the two modes and templates with valid references", () => {
    for (const mapping of ["data", "event", {}, { by: 1 }, { by: "$.data.qty", at: "$.time", x: { y: ["$.data.a-b_c"] }, note: "$ is fine" }]) {
      expect(errorsOf(mapping), JSON.stringify(mapping)).toEqual([]);
    }
  });

  it("refuses references that can never name a part of a CloudEvent, naming the template field", () => {
    expect(errorsOf({ by: "$.qty" })).toEqual([{ path: "target.input.by", message: expect.stringContaining("'qty', which is not a CloudEvent attribute") }]);
    expect(errorsOf({ a: { b: ["$.id.x"] } })).toEqual([{ path: "target.input.a.b.0", message: expect.stringContaining("only $.data has fields") }]);
    expect(errorsOf({ by: "$.data..qty" })).toEqual([{ path: "target.input.by", message: expect.stringContaining("is not a reference") }]);
  });

  it("refuses other modes, non-objects and oversized templates", () => {
    expect(errorsOf("whole")).not.toEqual([]);
    expect(errorsOf(5)).not.toEqual([]);
    expect(errorsOf({ pad: "x".repeat(MAX_TEMPLATE_JSON) })).toEqual([{ path: "target.input", message: expect.stringContaining(`${MAX_TEMPLATE_JSON} characters`) }]);
  });
});

describe("referenceProblem", () => {
  it("knows the attributes", () => {
    expect(referenceProblem("$.data")).toBeNull();
    expect(referenceProblem("$.subject")).toBeNull();
    expect(referenceProblem("$.correlationid")).toBeNull();
    expect(referenceProblem("$.constructor")).toContain("not a CloudEvent attribute");
  });
});

describe("constantInput", () => {
  it("is the template when it has no references, and unknown otherwise", () => {
    expect(constantInput({ by: 1, note: { a: ["x"] } })).toEqual({ value: { by: 1, note: { a: ["x"] } } });
    expect(constantInput({ by: "$.data.qty" })).toBeNull();
    expect(constantInput("data")).toBeNull();
    expect(constantInput("event")).toBeNull();
  });
});
