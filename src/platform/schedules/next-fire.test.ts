import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cronError, isTimeZone, nextCronAfter } from "./next-fire.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe("nextCronAfter across DST", () => {
  it("America/New_York spring-forward: 02:30 does not exist on 2026-03-08 and runs at 03:00 EDT", () => {
    expect(iso(nextCronAfter("30 2 * * *", "America/New_York", at("2026-03-08T05:00:00Z")))).toBe("2026-03-08T07:00:00.000Z");
    expect(iso(nextCronAfter("30 2 * * *", "America/New_York", at("2026-03-08T07:00:00Z")))).toBe("2026-03-09T06:30:00.000Z");
  });

  it("America/New_York fall-back: a fixed time in the repeated hour runs once; an interval job runs in both", () => {
    expect(iso(nextCronAfter("30 1 * * *", "America/New_York", at("2026-11-01T04:00:00Z")))).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(nextCronAfter("30 1 * * *", "America/New_York", at("2026-11-01T05:30:00Z")))).toBe("2026-11-02T06:30:00.000Z");
    const runs: string[] = [];
    let from = at("2026-11-01T04:00:00Z");
    for (let i = 0; i < 4; i++) runs.push(iso((from = nextCronAfter("*/30 1 * * *", "America/New_York", from)!))!);
    expect(runs).toEqual(["2026-11-01T05:00:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T06:30:00.000Z"]);
  });

  it("Europe/Berlin: 09:00 local is 08:00Z in winter and 07:00Z in summer, either side of 2026-03-29", () => {
    expect(iso(nextCronAfter("0 9 * * *", "Europe/Berlin", at("2026-03-28T00:00:00Z")))).toBe("2026-03-28T08:00:00.000Z");
    expect(iso(nextCronAfter("0 9 * * *", "Europe/Berlin", at("2026-03-29T00:00:00Z")))).toBe("2026-03-29T07:00:00.000Z");
    expect(iso(nextCronAfter("0 9 * * *", "Europe/Berlin", at("2026-10-25T00:00:00Z")))).toBe("2026-10-25T08:00:00.000Z");
  });

  it("is strictly after the instant given, and never finer than a second", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (after) => {
        const next = nextCronAfter("* * * * * *", "UTC", after)!;
        expect(next).toBeGreaterThan(after);
        expect(next - after).toBeLessThanOrEqual(1_000);
        expect(next % 1_000).toBe(0);
      }),
    );
  });
});

describe("validation", () => {
  it("names what is wrong with a pattern; accepts 5 or 6 fields only", () => {
    expect(cronError("61 * * * *")).toMatch(/minute/);
    expect(cronError("* * * * * * *")).toMatch(/7 parts/);
    expect(cronError("*/5 * * * *")).toBeNull();
    expect(cronError("0 0 12 * * MON-FRI")).toBeNull();
  });

  it("knows IANA time zones", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("America/New_York")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });
});
