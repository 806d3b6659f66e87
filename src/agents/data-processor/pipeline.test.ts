// Why: pins what the DataProcessor accepts, rejects (with which reason) and outputs.
import { describe, expect, it } from "vitest";
import { parsePayload, processPayload } from "./pipeline.ts";

const json = (payload: unknown) => processPayload({ format: "json", payload: JSON.stringify(payload) });
const csv = (payload: string, options?: { delimiter?: string; header?: boolean }) =>
  processPayload({ format: "csv", payload, ...(options ? { options } : {}) });

describe("processPayload: JSON", () => {
  it("accepts an array of records and rejects bad elements by index", () => {
    const result = json([{ id: 1, name: " Ada " }, 42, { tags: ["x"] }, { ok: true, note: null }]);
    expect(result).toEqual({
      ok: true,
      records: [{ id: 1, name: "Ada" }, { ok: true, note: null }],
      rejected: [
        { index: 1, reason: "record must be an object, got number" },
        {
          index: 2,
          reason: 'field "tags" holds an array; values must be strings, numbers, booleans or null',
        },
      ],
      bytes: 67,
    });
  });

  it("accepts a single object as one record", () => {
    expect(json({ orderId: "A-1" })).toMatchObject({ ok: true, records: [{ order_id: "A-1" }], rejected: [] });
  });

  it("accepts an empty array as no records", () => {
    expect(json([])).toEqual({ ok: true, records: [], rejected: [], bytes: 2 });
  });

  it("rejects JSON that is neither an array nor an object", () => {
    for (const [value, kind] of [[3, "number"], ["x", "string"], [null, "null"], [true, "boolean"]] as const) {
      expect(json(value)).toEqual({
        ok: false,
        message: `JSON payload must be an array of records or a single object, got ${kind}`,
      });
    }
  });

  it("explains malformed JSON", () => {
    const result = processPayload({ format: "json", payload: '{"a": 1,' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^payload is not valid JSON: .+/);
  });

  it("does not coerce JSON strings", () => {
    expect(json([{ n: "12", b: "true", e: "" }])).toMatchObject({ records: [{ n: "12", b: "true", e: "" }] });
  });
});

describe("processPayload: CSV", () => {
  it("reads quoted commas and newlines into records", () => {
    const result = csv('Name,Address\n"Lovelace, Ada","12 St James\'s Sq\nLondon"\n');
    expect(result).toMatchObject({
      ok: true,
      records: [{ name: "Lovelace, Ada", address: "12 St James's Sq\nLondon" }],
      rejected: [],
    });
  });

  it("coerces numbers, booleans and empty strings", () => {
    const result = csv("a,b,c,d,e,f,g,h\n-12,3.5,1e3,TRUE,false, ,abc, 7 ");
    expect(result).toMatchObject({
      records: [{ a: -12, b: 3.5, c: 1000, d: true, e: false, f: null, g: "abc", h: 7 }],
    });
  });

  it("keeps numeric strings that would lose digits as text", () => {
    expect(csv("zip,big,hex\n02134,12345678901234567890,0x1F")).toMatchObject({
      records: [{ zip: "02134", big: "12345678901234567890", hex: "0x1F" }],
    });
  });

  it("rejects rows of the wrong width by data-row index", () => {
    expect(csv("a,b\n1,2\n3\n4,5,6\n7,8")).toEqual({
      ok: true,
      records: [{ a: 1, b: 2 }, { a: 7, b: 8 }],
      rejected: [
        { index: 1, reason: "row has 1 fields, expected 2" },
        { index: 2, reason: "row has 3 fields, expected 2" },
      ],
      bytes: 19,
    });
  });

  it("names columns column_n with header=false and rejects narrower rows", () => {
    expect(csv("x;1\ny;2;z", { header: false, delimiter: ";" })).toMatchObject({
      records: [{ column_1: "y", column_2: 2, column_3: "z" }],
      rejected: [{ index: 0, reason: "row has 2 fields, expected 3" }],
    });
  });

  it("fails the payload for CSV syntax errors and unusable headers", () => {
    expect(csv('a\n"open')).toEqual({ ok: false, message: "CSV line 2: unterminated quoted field" });
    expect(csv("")).toEqual({ ok: false, message: "CSV line 1: empty input" });
    expect(csv("a,,b\n1,2,3")).toEqual({ ok: false, message: "CSV header column 2 has no name" });
    expect(csv("a,b,a\n1,2,3")).toEqual({ ok: false, message: 'CSV header names column "a" twice' });
  });
});

describe("processPayload: keys", () => {
  it("normalises keys and suffixes collisions, in both formats", () => {
    expect(json({ "First Name": "Ada", firstName: "A.", orderId: 7 })).toMatchObject({
      records: [{ first_name: "Ada", first_name_2: "A.", order_id: 7 }],
    });
    expect(csv("First Name,first_name,Order ID\nAda,A.,7")).toMatchObject({
      records: [{ first_name: "Ada", first_name_2: "A.", order_id: 7 }],
    });
  });
});

describe("processPayload: bytes", () => {
  it("counts UTF-8 bytes, not UTF-16 code units", () => {
    const payload = "name\nZoë 🚀\n";
    const result = processPayload({ format: "csv", payload });
    expect(payload.length).toBe(12);
    expect(result).toMatchObject({ ok: true, bytes: 15 });
  });
});

describe("parsePayload", () => {
  it("lists CSV candidates with their data-row index", () => {
    expect(parsePayload("csv", "a\n1\n\n2,3", {})).toEqual({
      ok: true,
      candidates: [
        { index: 0, ok: true, value: { a: "1" } },
        { index: 1, ok: false, reason: "row has 2 fields, expected 1" },
      ],
    });
  });
});
