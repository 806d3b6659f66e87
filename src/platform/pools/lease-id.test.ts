import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newLeaseId, poolOfLease } from "./lease-id.ts";

describe("lease ids", () => {
  it("carry their pool, dots and all", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/).filter((s) => s !== "." && s !== ".."), (pool) => {
        expect(poolOfLease(newLeaseId(pool))).toBe(pool);
      }),
    );
  });

  it("refuse what no pool issued", () => {
    for (const id of ["abc", ".0123456789abcdef0123456789abcdef", "p.xyz", "p.0123456789ABCDEF0123456789ABCDEF", `${"p".repeat(65)}.${"0".repeat(32)}`, `../.${"0".repeat(32)}`]) {
      expect(poolOfLease(id), id).toBeNull();
    }
  });
});
