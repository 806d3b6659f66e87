// The start-a-run form of a workflow, generated from its definition: one field per input
// the definition requires (`input.required`), typed by what the steps do with it. A step
// input written `$.input.<field>` hands the field to an action whose JSON Schema
// (GET /v1/agent-types) says its type, so `amount` becomes a number field and `payment`
// a choice of its enum. A field no typed action reads is free JSON-or-text. Pure, so it
// is tested without a browser.

/**
 * @typedef {{ name: string, kind: "string" | "number" | "integer" | "boolean" | "enum" | "json",
 *   options: string[], description: string }} InputField
 */

const INPUT_REF = /^\$\.input\.([A-Za-z0-9_-]+)$/;

/**
 * Every step of a flow (inside parallel branches and conditional cases too), plus the
 * workflow's `on_timeout` action, as { role, action, input }.
 * @param {any} definition
 */
const stepsOf = (definition) => {
  /** @type {{ role: string, action: string, input: Record<string, unknown> }[]} */
  const found = [];
  /** @param {unknown} node */
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = /** @type {Record<string, any>} */ (node);
    if (typeof n.step === "string" && typeof n.role === "string" && typeof n.action === "string") {
      found.push({ role: n.role, action: n.action, input: n.input && typeof n.input === "object" ? n.input : {} });
    }
    if (Array.isArray(n.parallel)) walk(n.parallel);
    if (n.conditional && typeof n.conditional === "object") {
      for (const c of n.conditional.cases ?? []) walk(c?.flow);
      walk(n.conditional.default);
    }
  };
  walk(definition?.flow);
  const onTimeout = definition?.error_handling?.on_timeout;
  if (onTimeout && typeof onTimeout.role === "string") found.push({ role: onTimeout.role, action: onTimeout.action, input: onTimeout.input ?? {} });
  return found;
};

/**
 * The JSON Schema (a property of an action's input) that a typed action gives `field`.
 * @param {any} definition
 * @param {any[]} agentTypes the items of GET /v1/agent-types
 * @param {string} field
 */
const schemaFor = (definition, agentTypes, field) => {
  for (const step of stepsOf(definition)) {
    const typeName = definition?.participants?.[step.role]?.type;
    const type = agentTypes.find((t) => t?.name === typeName);
    const properties = type?.actions?.[step.action]?.input?.properties;
    if (!properties) continue;
    for (const [key, value] of Object.entries(step.input)) {
      const match = typeof value === "string" ? INPUT_REF.exec(value) : null;
      if (match && match[1] === field && properties[key]) return properties[key];
    }
  }
  return null;
};

/**
 * The form's fields for `definition` (an item of GET /v1/workflows).
 * @param {any} definition
 * @param {any[]} [agentTypes]
 * @returns {InputField[]}
 */
export const workflowInputFields = (definition, agentTypes = []) => {
  const required = Array.isArray(definition?.input?.required) ? definition.input.required : [];
  return required.map((name) => {
    const schema = schemaFor(definition, agentTypes, name);
    const description = typeof schema?.description === "string" ? schema.description : "";
    if (Array.isArray(schema?.enum) && schema.enum.every((v) => typeof v === "string")) return { name, kind: "enum", options: schema.enum, description };
    const kind = ["string", "number", "integer", "boolean"].includes(schema?.type) ? schema.type : "json";
    return { name, kind, options: [], description };
  });
};

/**
 * The run input from the form's text values, or the fields that are wrong (as the API
 * names them: `errors: [{path, message}]`). A json field takes JSON, or else its text.
 * @param {InputField[]} fields
 * @param {Record<string, string>} values
 * @returns {{ ok: true, input: Record<string, unknown> } | { ok: false, errors: { path: string, message: string }[] }}
 */
export const parseRunInput = (fields, values) => {
  /** @type {Record<string, unknown>} */
  const input = {};
  const errors = [];
  for (const field of fields) {
    const text = (values[field.name] ?? "").trim();
    const path = `input.${field.name}`;
    if (text === "") {
      errors.push({ path, message: "is required" });
      continue;
    }
    if (field.kind === "number" || field.kind === "integer") {
      const n = Number(text);
      if (!Number.isFinite(n)) errors.push({ path, message: "must be a number" });
      else if (field.kind === "integer" && !Number.isInteger(n)) errors.push({ path, message: "must be an integer" });
      else input[field.name] = n;
    } else if (field.kind === "boolean") {
      if (text !== "true" && text !== "false") errors.push({ path, message: "must be true or false" });
      else input[field.name] = text === "true";
    } else if (field.kind === "enum") {
      if (!field.options.includes(text)) errors.push({ path, message: `must be one of ${field.options.join(", ")}` });
      else input[field.name] = text;
    } else if (field.kind === "json") {
      try {
        input[field.name] = JSON.parse(text);
      } catch {
        input[field.name] = text;
      }
    } else {
      input[field.name] = text;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, input };
};
