import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import { orderWorkflow } from "../../workflows/order-workflow.ts";
import { definitionJson, parseDefinition } from "./parsed-definitions.ts";

describe("definitions parsed once per text", () => {
  it("answers the same parsed definition for the same text, and parses a changed one", () => {
    const raw = JSON.parse(JSON.stringify(orderWorkflow));
    const first = parseDefinition(raw);
    expect(first).toMatchObject({ name: "order_processing", version: "1.0.0" });
    expect(parseDefinition(JSON.parse(JSON.stringify(orderWorkflow)))).toBe(first);
    const changed = parseDefinition({ ...raw, description: "another" });
    expect(changed).not.toBe(first);
    expect(changed.description).toBe("another");
  });

  it("refuses a bad definition every time, naming the field under `definition`", () => {
    const bad = { ...JSON.parse(JSON.stringify(orderWorkflow)), flow: [] };
    for (let i = 0; i < 2; i++) {
      try {
        parseDefinition(bad);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ProblemError);
        expect(JSON.stringify((error as ProblemError).problem)).toContain("definition.flow");
      }
    }
  });

  it("keeps the parsed definition's JSON text, true because the definition is frozen throughout", () => {
    const definition = parseDefinition(JSON.parse(JSON.stringify({ ...orderWorkflow, description: "text kept" })));
    expect(definitionJson(definition)).toBe(JSON.stringify(definition));
    expect(Object.isFrozen(definition.flow[0])).toBe(true);
    expect(() => {
      (definition.participants as Record<string, unknown>)["extra"] = {};
    }).toThrow(TypeError);
    // A definition that did not come from parseDefinition is serialized as it is now.
    const other = { ...definition, description: "not kept" };
    expect(definitionJson(other)).toBe(JSON.stringify(other));
  });
});
