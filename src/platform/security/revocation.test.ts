import { describe, expect, it } from "vitest";
import { zodProblem } from "../zod-issues.ts";
import {
  createRevocationCache,
  describeRevocation,
  keyOfRequest,
  keysOf,
  keyString,
  type RevocationKey,
  revocationOf,
  revocationRequestSchema,
} from "./revocation.ts";

const T = 1_800_000_000_000;
const revokedAtOf =
  (entries: Record<string, number>) =>
  (key: RevocationKey): number | null =>
    entries[keyString(key)] ?? null;

describe("revocationOf", () => {
  const token = { subject: "alice", jti: "j-1", issuedAt: T };

  it("revokes a token by its jti, whenever it was issued", () => {
    expect(revocationOf(token, revokedAtOf({ "jti:j-1": T - 10_000 }))).toEqual({ by: "jti" });
    expect(revocationOf(token, revokedAtOf({ "jti:j-2": T }))).toBeNull();
  });

  it("revokes a subject's tokens issued up to the revocation (same millisecond included), not later ones", () => {
    expect(revocationOf(token, revokedAtOf({ "sub:alice": T }))).toEqual({ by: "sub", revokedAt: T });
    expect(revocationOf(token, revokedAtOf({ "sub:alice": T + 500 }))).toEqual({ by: "sub", revokedAt: T + 500 });
    expect(revocationOf(token, revokedAtOf({ "sub:alice": T - 1 }))).toBeNull();
    expect(revocationOf(token, revokedAtOf({ "sub:bob": T + 1 }))).toBeNull();
  });

  it("revokes a token without jti only by subject", () => {
    const bare = { subject: "alice", jti: null, issuedAt: T };
    expect(keysOf(bare)).toEqual([{ kind: "sub", value: "alice" }]);
    expect(revocationOf(bare, revokedAtOf({ "sub:alice": T + 1 }))).toEqual({ by: "sub", revokedAt: T + 1 });
    expect(revocationOf(bare, revokedAtOf({}))).toBeNull();
  });

  it("says how, for a problem's detail", () => {
    expect(describeRevocation({ by: "jti" })).toBe("revoked by its id (jti)");
    expect(describeRevocation({ by: "sub", revokedAt: T })).toBe(`revoked with every token of its subject issued up to ${new Date(T).toISOString()}`);
  });
});

describe("revocation requests", () => {
  const errors = (body: unknown) => {
    const parsed = revocationRequestSchema.safeParse(body);
    return parsed.success ? [] : (zodProblem(parsed.error).problem.errors ?? []);
  };

  it("take exactly one of jti and sub", () => {
    expect(keyOfRequest(revocationRequestSchema.parse({ jti: "j-1" }))).toEqual({ kind: "jti", value: "j-1" });
    expect(keyOfRequest(revocationRequestSchema.parse({ sub: "alice" }))).toEqual({ kind: "sub", value: "alice" });
    expect(errors({ jti: "j", sub: "alice" })).toEqual([{ path: "sub", message: "give either jti or sub, not both" }]);
    expect(errors({})).toEqual([{ path: "jti", message: expect.stringContaining("sub") }]);
    expect(errors({ jti: "j", extra: 1 })).toEqual([{ path: "extra", message: "unknown field" }]);
    expect(errors({ sub: "" }).map((e) => e.path)).toEqual(["sub"]);
  });
});

describe("createRevocationCache", () => {
  const key: RevocationKey = { kind: "sub", value: "alice" };

  it("answers what it was told while fresh, per tenant, and nothing once stale", () => {
    const cache = createRevocationCache(10_000);
    expect(cache.get("t1", key, T)).toBeUndefined();
    cache.set("t1", key, null, T);
    cache.set("t2", key, T - 5, T);
    expect(cache.get("t1", key, T + 9_999)).toBeNull();
    expect(cache.get("t2", key, T + 9_999)).toBe(T - 5);
    expect(cache.get("t1", key, T + 10_000)).toBeUndefined();
    expect(cache.get("t1", { kind: "jti", value: "alice" }, T)).toBeUndefined();
  });

  it("starts over when full rather than growing", () => {
    const cache = createRevocationCache(10_000, 2);
    cache.set("t", { kind: "jti", value: "a" }, null, T);
    cache.set("t", { kind: "jti", value: "b" }, null, T);
    cache.set("t", { kind: "jti", value: "c" }, null, T);
    expect(cache.get("t", { kind: "jti", value: "a" }, T)).toBeUndefined();
    expect(cache.get("t", { kind: "jti", value: "c" }, T)).toBeNull();
  });
});
