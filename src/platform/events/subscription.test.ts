import { describe, expect, it } from "vitest";
import { STREAM_PATTERN } from "./cloud-event.ts";
import type { Caller } from "../security/caller.ts";
import { deadLetterStream, mayAttach, passesFilter, subscriptionDelegator, subscriptionExpired, targetSchema } from "./subscription.ts";

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

describe("a subscription's delegation", () => {
  const alice: Caller = { kind: "principal", subject: "alice", tenant: "t", grants: [], token: { jti: "j-1", issuedAt: 5, expiresAt: 100 } };
  const record = { caller: alice, tenant: "t", createdAt: 10 };

  it("may be attached to by its creator (same subject and tenant) or an admin only", () => {
    expect(mayAttach({ ...alice, token: { jti: "j-2", issuedAt: 50, expiresAt: 500 } }, record, false)).toBe(true);
    expect(mayAttach({ ...alice, subject: "mallory" }, record, false)).toBe(false);
    expect(mayAttach({ ...alice, tenant: "other" }, record, false)).toBe(false);
    expect(mayAttach({ kind: "agent", id: "alice", type: "x", tenant: "t", grants: [] }, record, false)).toBe(false);
    expect(mayAttach({ ...alice, subject: "root" }, record, true)).toBe(true);
  });

  it("expires at its expiry, never without one", () => {
    expect(subscriptionExpired({ expiresAt: 100 }, 99)).toBe(false);
    expect(subscriptionExpired({ expiresAt: 100 }, 100)).toBe(true);
    expect(subscriptionExpired({ expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(subscriptionExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it("acts for its creator's token, or (stored without token facts) its creator as of its creation", () => {
    expect(subscriptionDelegator(record)).toEqual({ subject: "alice", jti: "j-1", issuedAt: 5 });
    expect(subscriptionDelegator({ ...record, caller: { kind: "principal", subject: "bob", tenant: "t", grants: [] } })).toEqual({ subject: "bob", jti: null, issuedAt: 10 });
  });
});
