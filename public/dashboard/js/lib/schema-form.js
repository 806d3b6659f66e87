// @ts-check
// Forms generated from an action's input JSON Schema (the agent type's, GET
// /v1/agent-types/:type): one field per property of an object schema (integer, number,
// string, boolean, enum; anything else as JSON text), or one JSON field for a schema that
// is not an object with properties. `inputFrom` turns the form's raw values back into the
// input, naming the field of each mistake. Pure (schema-form.test.js); the page draws it.

/**
 * @typedef {{ name: string, kind: "integer" | "number" | "string" | "boolean" | "enum" | "json", required: boolean, description?: string, options?: unknown[], defaultValue?: unknown }} Field
 */

/** @param {any} schema @returns {Field["kind"]} */
const kindOf = (schema) => {
  if (Array.isArray(schema?.enum) && schema.enum.every((v) => ["string", "number", "boolean"].includes(typeof v))) return "enum";
  const type = Array.isArray(schema?.type) ? schema.type.filter((t) => t !== "null") : [schema?.type];
  if (type.length !== 1) return "json";
  return ["integer", "number", "string", "boolean"].includes(type[0]) ? type[0] : "json";
};

/**
 * The fields of a form for `schema`. An object schema with properties gives one field per
 * property; anything else (or none) gives one field named "" holding the whole input as JSON.
 * @param {any} schema
 * @returns {Field[]}
 */
export const fieldsOf = (schema) => {
  if (schema?.type !== "object" || !schema.properties || typeof schema.properties !== "object") {
    return [{ name: "", kind: "json", required: schema !== undefined && schema !== null && Object.keys(schema).length > 0, description: schema?.description }];
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(schema.properties).map(([name, property]) => {
    /** @type {Field} */
    const field = { name, kind: kindOf(property), required: required.has(name) };
    if (property?.description) field.description = property.description;
    if (field.kind === "enum") field.options = property.enum;
    if (property && "default" in property) field.defaultValue = property.default;
    return field;
  });
};

/**
 * The input the form's values describe. `values` maps a field's name to the text typed (or
 * true/false for a checkbox). Empty optional fields are left out.
 * @param {Field[]} fields
 * @param {Record<string, string | boolean | undefined>} values
 * @returns {{ ok: true, value: unknown } | { ok: false, errors: { path: string, message: string }[] }}
 */
export const inputFrom = (fields, values) => {
  /** @type {{ path: string, message: string }[]} */
  const errors = [];
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const field of fields) {
    const raw = values[field.name];
    const path = field.name === "" ? "input" : `input.${field.name}`;
    if (field.kind === "boolean") {
      out[field.name] = raw === true || raw === "true";
      continue;
    }
    const text = typeof raw === "string" ? raw.trim() : "";
    if (text === "") {
      if (field.required) errors.push({ path, message: "is required" });
      continue;
    }
    if (field.kind === "integer" || field.kind === "number") {
      const n = Number(text);
      if (!Number.isFinite(n) || (field.kind === "integer" && !Number.isInteger(n))) errors.push({ path, message: `must be ${field.kind === "integer" ? "an integer" : "a number"}` });
      else out[field.name] = n;
    } else if (field.kind === "enum") {
      const option = (field.options ?? []).find((o) => String(o) === text);
      if (option === undefined) errors.push({ path, message: `must be one of ${(field.options ?? []).map(String).join(", ")}` });
      else out[field.name] = option;
    } else if (field.kind === "json") {
      try {
        out[field.name] = JSON.parse(text);
      } catch {
        errors.push({ path, message: "must be JSON" });
      }
    } else {
      out[field.name] = typeof raw === "string" ? raw : "";
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (fields.length === 1 && fields[0]?.name === "") return { ok: true, value: out[""] };
  return { ok: true, value: out };
};
