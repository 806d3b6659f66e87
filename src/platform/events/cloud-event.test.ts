import { CloudEvent as SdkEvent } from "cloudevents";
import { describe, expect, it } from "vitest";
import { fieldErrors } from "../zod-issues.ts";
import { eventInputSchema } from "./cloud-event.ts";

const base = { source: "shop", type: "order.created" };

describe("eventInputSchema: ids", () => {
  it("takes ids of the platform's alphabet, and the UUIDs a CloudEvents SDK generates", () => {
    for (const id of ["e1", "order:1.A-b_2", "x".repeat(128), new SdkEvent({ ...base }).id, crypto.randomUUID()]) {
      expect(eventInputSchema.safeParse({ ...base, id }).success, id).toBe(true);
    }
    expect(eventInputSchema.safeParse(base).success).toBe(true);
  });

  it("refuses an id no HTTP header could carry as it is, naming the field", () => {
    for (const id of ["", "a b", "a/b", "line\nbreak", "naïve", "emoji-\u{1F600}", ".", "..", "x".repeat(129), 7]) {
      const parsed = eventInputSchema.safeParse({ ...base, id });
      expect(parsed.success, String(id)).toBe(false);
      if (!parsed.success) expect(fieldErrors(parsed.error.issues).map((issue) => issue.path)).toEqual(["id"]);
    }
  });
});
