import { describe, expect, it } from "vitest";
import { HangUps } from "./hang-ups.ts";

describe("HangUps", () => {
  it("answers the lease granted to an attempt once, and not to another attempt of the same key", () => {
    const hangUps = new HangUps({ keepMs: 1_000, maxEntries: 10 });
    hangUps.granted("sub:a\nk", 100, "p.1", 150);
    expect(hangUps.takeGrant("sub:a\nk", 200, 160)).toBeNull();
    expect(hangUps.takeGrant("sub:a\nk", 100, 160)).toBe("p.1");
    expect(hangUps.takeGrant("sub:a\nk", 100, 170)).toBeNull();
  });

  it("remembers an attempt cancelled before it arrived, only that attempt", () => {
    const hangUps = new HangUps({ keepMs: 1_000, maxEntries: 10 });
    hangUps.cancelled("sub:a\nk", 100, 150);
    expect(hangUps.wasCancelled("sub:a\nk", 100, 160)).toBe(true);
    expect(hangUps.wasCancelled("sub:a\nk", 101, 160)).toBe(false);
    expect(hangUps.wasCancelled("sub:b\nk", 100, 160)).toBe(false);
  });

  it("forgets entries after keepMs and beyond maxEntries, oldest first", () => {
    const hangUps = new HangUps({ keepMs: 1_000, maxEntries: 2 });
    hangUps.cancelled("w1", 0, 0);
    expect(hangUps.wasCancelled("w1", 0, 1_000)).toBe(false);
    for (const n of [1, 2, 3]) hangUps.granted(`w${n}`, 0, `p.${n}`, 10 * n);
    expect(hangUps.takeGrant("w1", 0, 40)).toBeNull();
    expect(hangUps.takeGrant("w2", 0, 40)).toBe("p.2");
    expect(hangUps.takeGrant("w3", 0, 40)).toBe("p.3");
  });
});
