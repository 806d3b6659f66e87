import { describe, expect, it } from "vitest";
import { STREAM_PATTERN } from "./cloud-event.ts";
import { deadLetterStream, passesFilter, targetSchema } from "./subscription.ts";

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

describe("a webhook target's URL", () => {
  const messages = (url: string) => targetSchema.safeParse({ kind: "webhook", url }).error?.issues.map((issue) => issue.message);

  it("says which schemes are accepted when it has another one", () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "ws://example.com/"]) {
      expect(messages(url), url).toEqual(["only https URLs are accepted (http only where the deployment allows it)"]);
    }
  });

  it("is an absolute http(s) URL (the deployment's policy decides the rest)", () => {
    expect(messages("not a url")).toEqual(["Invalid URL"]);
    expect(messages("https://hooks.example.com/x")).toBeUndefined();
    expect(messages("http://hooks.example.com/x")).toBeUndefined();
  });
});
