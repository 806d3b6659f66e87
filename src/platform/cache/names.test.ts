import { describe, expect, it } from "vitest";
import { assertValueFits, MAX_VALUE_BYTES, nextVersion, utf8Bytes } from "./entry.ts";
import { cacheShardCount, DEFAULT_CACHE_SHARDS, entryName, internalNamespaceSchema, keySchema, namespaceSchema, originName } from "./names.ts";
import { capabilityNameSchema } from "../security/capability-name.ts";
import { ProblemError } from "../problem.ts";

describe("cache names", () => {
  it("takes namespaces that are capability segments, and refuses the platform's and odd ones", () => {
    for (const ok of ["sessions", "a.b-c_d", "X1"]) {
      expect(namespaceSchema.safeParse(ok).success).toBe(true);
      expect(capabilityNameSchema.safeParse(`cache:read:${ok}`).success).toBe(true);
    }
    for (const bad of ["", "_jido", "a..b", "a/b", ".a", "a.", "x".repeat(65), "a b"]) expect(namespaceSchema.safeParse(bad).success, bad).toBe(false);
    expect(internalNamespaceSchema.safeParse("_jido.agent-types").success).toBe(true);
  });

  it("takes keys of a closed alphabet up to 256 characters", () => {
    for (const ok of ["user:42", "a=b,c@d~e+f", "x".repeat(256)]) expect(keySchema.safeParse(ok).success).toBe(true);
    for (const bad of ["", ".", "..", "a/b", "a b", "x".repeat(257), "é"]) expect(keySchema.safeParse(bad).success, bad).toBe(false);
  });

  it("scopes every name by tenant and spreads keys over the shards", () => {
    expect(entryName("t1", "ns", "k")).toBe("t1/ns/k");
    const names = new Set(Array.from({ length: 200 }, (_, i) => originName("t1", "ns", `k${i}`, 16)));
    expect(names.size).toBe(16);
    for (const name of names) expect(name).toMatch(/^cache\/t1\/\d+$/);
    expect(cacheShardCount(undefined)).toBe(DEFAULT_CACHE_SHARDS);
    expect(cacheShardCount("4")).toBe(4);
    expect(cacheShardCount("0")).toBe(DEFAULT_CACHE_SHARDS);
    expect(cacheShardCount("1000")).toBe(DEFAULT_CACHE_SHARDS);
  });
});

describe("cache entries", () => {
  it("counts UTF-8 bytes and refuses a value past the limit with 413", () => {
    expect(utf8Bytes('"é"')).toBe(4);
    expect(utf8Bytes("x".repeat(10))).toBe(10);
    expect(() => assertValueFits(`"${"x".repeat(MAX_VALUE_BYTES - 2)}"`)).not.toThrow();
    let status = 0;
    try {
      assertValueFits(`"${"é".repeat(MAX_VALUE_BYTES / 2)}"`);
    } catch (error) {
      status = error instanceof ProblemError ? error.status : -1;
    }
    expect(status).toBe(413);
  });

  it("versions rise with every write and stay above the time", () => {
    expect(nextVersion(null, 1_000)).toBe(1_000);
    expect(nextVersion(1_000, 1_000)).toBe(1_001);
    expect(nextVersion(5, 1_000)).toBe(1_000);
  });
});
