import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrors } from "./zod-issues.ts";

describe("fieldErrors", () => {
  const schema = z.strictObject({ by: z.number(), items: z.array(z.strictObject({ name: z.string() })) });

  it("names nested fields with dotted paths under an optional root", () => {
    const result = schema.safeParse({ by: "x", items: [{ name: 1 }] });
    expect(result.success).toBe(false);
    expect(fieldErrors(result.error!.issues).map((e) => e.path)).toEqual(["by", "items.0.name"]);
    expect(fieldErrors(result.error!.issues, "state").map((e) => e.path)).toEqual(["state.by", "state.items.0.name"]);
  });

  it("names each unknown field", () => {
    const result = schema.safeParse({ by: 1, items: [], extra: 1, more: 2 });
    expect(fieldErrors(result.error!.issues)).toEqual([
      { path: "extra", message: "unknown field" },
      { path: "more", message: "unknown field" },
    ]);
  });

  it("names the whole value as (root) when there is no path", () => {
    const result = z.number().safeParse("x");
    expect(fieldErrors(result.error!.issues)[0]?.path).toBe("(root)");
  });
});
