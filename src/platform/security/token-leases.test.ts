import { describe, expect, it } from "vitest";
import { createTokenLeases } from "./token-leases.ts";

describe("token leases", () => {
  it("spends what was granted, then nothing", () => {
    const leases = createTokenLeases({ leaseMs: 1_000, maxKeys: 10 });
    leases.add("t", 2, 0);
    expect([leases.spend("t", 1), leases.spend("t", 2), leases.spend("t", 3)]).toEqual([true, true, false]);
    expect(leases.holds("t", 3)).toBe(false);
  });

  it("keeps what is left of a batch when another renewal lands (concurrent renewals waste nothing)", () => {
    const leases = createTokenLeases({ leaseMs: 1_000, maxKeys: 10 });
    leases.add("t", 3, 0);
    leases.spend("t", 1);
    leases.add("t", 3, 5);
    let spent = 0;
    while (leases.spend("t", 10)) spent++;
    expect(spent).toBe(5);
  });

  it("a renewal that granted nothing leaves the tokens held, and an empty one holds nothing", () => {
    const leases = createTokenLeases({ leaseMs: 1_000, maxKeys: 10 });
    leases.add("t", 1, 0);
    leases.add("t", 0, 1);
    expect(leases.spend("t", 2)).toBe(true);
    leases.add("u", 0, 0);
    expect(leases.holds("u", 0)).toBe(false);
  });

  it("an expired lease holds nothing, and a new batch does not revive it", () => {
    const leases = createTokenLeases({ leaseMs: 1_000, maxKeys: 10 });
    leases.add("t", 5, 0);
    expect(leases.holds("t", 999)).toBe(true);
    expect(leases.holds("t", 1_000)).toBe(false);
    leases.add("t", 1, 1_000);
    expect(leases.spend("t", 1_001)).toBe(true);
    expect(leases.spend("t", 1_002)).toBe(false);
  });

  it("keeps at most maxKeys tokens' leases, dropping the oldest", () => {
    const leases = createTokenLeases({ leaseMs: 1_000, maxKeys: 2 });
    leases.add("a", 1, 0);
    leases.add("b", 1, 0);
    leases.add("c", 1, 0);
    expect([leases.holds("a", 1), leases.holds("b", 1), leases.holds("c", 1)]).toEqual([false, true, true]);
  });
});
