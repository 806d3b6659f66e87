import { describe, expect, it } from "vitest";
import { STREAM_PATTERN } from "./cloud-event.ts";
import { deadLetterStream, passesFilter } from "./subscription.ts";

describe("deadLetterStream", () => {
  it("keeps ids that are already stream names", () => {
    expect(deadLetterStream("orders-to-billing")).toBe("dlq.orders-to-billing");
  });

  it("never gives two ids the same stream, and always a valid stream name", () => {
    const ids = ["A", "a", "sub:1", "sub-1", "Sub_1", "x".repeat(128), `${"x".repeat(127)}y`, `${"x".repeat(127)}Y`];
    const streams = ids.map(deadLetterStream);
    expect(new Set(streams).size).toBe(ids.length);
    for (const stream of streams) expect(stream).toMatch(STREAM_PATTERN);
  });
});

describe("passesFilter", () => {
  it("matches dotted paths by value or list", () => {
    expect(passesFilter({ data: { "customer.tier": ["gold", "silver"] } }, { customer: { tier: "gold" } })).toBe(true);
    expect(passesFilter({ data: { "customer.tier": "gold" } }, { customer: {} })).toBe(false);
    expect(passesFilter({ data: {} }, null)).toBe(true);
  });
});
