// Why: pins which records are accepted, the reasons for rejecting the rest, and the
// exact shape a record takes after normalisation.
import { describe, expect, it } from "vitest";
import { normaliseKey, transformRecord, validateRecord } from "./record.ts";

describe("validateRecord", () => {
  it("accepts a flat object of scalars", () => {
    expect(validateRecord({ a: "x", b: 1, c: false, d: null })).toEqual({
      ok: true,
      record: { a: "x", b: 1, c: false, d: null },
    });
  });

  it("rejects nested values, naming the field", () => {
    expect(validateRecord({ id: 1, address: { city: "Paris" } })).toEqual({
      ok: false,
      reason: 'field "address" holds an object; values must be strings, numbers, booleans or null',
    });
  });

  it("rejects non-objects, empty records and too many fields", () => {
    expect(validateRecord([1])).toEqual({ ok: false, reason: "record must be an object, got an array" });
    expect(validateRecord(new Date(0))).toEqual({ ok: false, reason: "record must be an object, got an object" });
    expect(validateRecord({})).toEqual({ ok: false, reason: "record has no fields" });
    const wide = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`f${i}`, i]));
    expect(validateRecord(wide)).toEqual({ ok: false, reason: "record has 201 fields, at most 200 are allowed" });
    expect(validateRecord({ ...Object.fromEntries(Object.entries(wide).slice(0, 200)) }).ok).toBe(true);
  });

  it("rejects empty and over-long keys, and non-finite numbers", () => {
    expect(validateRecord({ " ": 1 })).toEqual({ ok: false, reason: "record has a field with an empty name" });
    expect(validateRecord({ ["k".repeat(128)]: 1 }).ok).toBe(true);
    expect(validateRecord({ ["k".repeat(129)]: 1 })).toEqual({
      ok: false,
      reason: `field name "${"k".repeat(32)}..." is longer than 128 characters`,
    });
    expect(validateRecord({ n: Number.NaN })).toMatchObject({ ok: false, reason: expect.stringContaining('"n"') });
  });
});

describe("transformRecord", () => {
  it("normalises keys to snake_case", () => {
    expect(["First Name", "orderId", " Price ($) ", "userID", "HTTPServer", "Prénom", "%%"].map(normaliseKey)).toEqual([
      "first_name",
      "order_id",
      "price",
      "user_id",
      "http_server",
      "prénom",
      "field",
    ]);
  });

  it("keeps the first of colliding keys and suffixes the rest", () => {
    expect(transformRecord({ firstName: 1, "first name": 2, FIRST_NAME: 3, first_name_2: 4 }, "json")).toEqual({
      first_name: 1,
      first_name_2: 2,
      first_name_3: 3,
      first_name_2_2: 4,
    });
  });

  it("trims strings for both sources but coerces only CSV text", () => {
    const record = { n: " 42 ", flag: "True", blank: "", kept: 5 };
    expect(transformRecord(record, "json")).toEqual({ n: "42", flag: "True", blank: "", kept: 5 });
    expect(transformRecord(record, "csv")).toEqual({ n: 42, flag: true, blank: null, kept: 5 });
  });

  it("keeps a __proto__ field as data", () => {
    const record = validateRecord(JSON.parse('{"__proto__": "x"}'));
    expect(record.ok && transformRecord(record.record, "json")).toEqual({ proto: "x" });
  });
});
