import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import { orderWorkflow } from "../../workflows/order-workflow.ts";
import { parseDefinition } from "./parsed-definitions.ts";

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
});
