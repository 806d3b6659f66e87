import { describe, expect, it } from "vitest";
import { cacheStatus } from "./cache-status.ts";

describe("Cache-Status", () => {
  it("names the tier that answered (RFC 9211)", () => {
    expect(cacheStatus({ tier: "l1", ttl: 30 })).toBe("jido-l1; hit; ttl=30");
    expect(cacheStatus({ tier: "l3", ttl: 1 })).toBe("jido-l3; hit; ttl=1");
    expect(cacheStatus({ tier: "origin", fwd: "miss" })).toBe("jido-origin; fwd=miss");
    expect(cacheStatus({ tier: "origin", fwd: "bypass" })).toBe("jido-origin; fwd=bypass");
  });
});
