// Forms from an action's input schema, and the input read back from them.
import { describe, expect, it } from "vitest";
import { fieldsOf, inputFrom } from "./schema-form.js";

const schema = {
  type: "object",
  properties: {
    by: { type: "integer", description: "how much" },
    ratio: { type: "number" },
    name: { type: "string" },
    urgent: { type: "boolean" },
    format: { type: "string", enum: ["csv", "json"] },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["by", "format"],
};

describe("fieldsOf", () => {
  it("gives one field per property with its kind and whether it is required", () => {
    expect(fieldsOf(schema)).toEqual([
      { name: "by", kind: "integer", required: true, description: "how much" },
      { name: "ratio", kind: "number", required: false },
      { name: "name", kind: "string", required: false },
      { name: "urgent", kind: "boolean", required: false },
      { name: "format", kind: "enum", required: true, options: ["csv", "json"] },
      { name: "tags", kind: "json", required: false },
    ]);
  });

  it("gives one JSON field for a schema that is not an object with properties", () => {
    expect(fieldsOf({ type: "array" })).toEqual([{ name: "", kind: "json", required: true }]);
    expect(fieldsOf(undefined)).toEqual([{ name: "", kind: "json", required: false }]);
  });
});

describe("inputFrom", () => {
  const fields = fieldsOf(schema);

  it("reads typed values, leaving out empty optional ones", () => {
    expect(inputFrom(fields, { by: "2", ratio: "", name: "x ", urgent: true, format: "json", tags: '["a"]' })).toEqual({
      ok: true,
      value: { by: 2, name: "x ", urgent: true, format: "json", tags: ["a"] },
    });
  });

  it("names each field in error", () => {
    expect(inputFrom(fields, { by: "1.5", format: "xml", tags: "[", ratio: "abc" })).toEqual({
      ok: false,
      errors: [
        { path: "input.by", message: "must be an integer" },
        { path: "input.ratio", message: "must be a number" },
        { path: "input.format", message: "must be one of csv, json" },
        { path: "input.tags", message: "must be JSON" },
      ],
    });
    expect(inputFrom(fields, {})).toMatchObject({ ok: false, errors: [{ path: "input.by", message: "is required" }, { path: "input.format", message: "is required" }] });
  });

  it("reads a whole-input JSON field", () => {
    expect(inputFrom(fieldsOf({ type: "array" }), { "": "[1,2]" })).toEqual({ ok: true, value: [1, 2] });
    expect(inputFrom(fieldsOf(undefined), {})).toEqual({ ok: true, value: undefined });
  });
});
