import { describe, expect, it } from "vitest";
import { percentile, summarize } from "./bench-stats.ts";

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("summarize", () => {
  it("counts answers by status and measures throughput over the wall time", () => {
    const samples = [
      { ms: 10, status: "200" },
      { ms: 30, status: "200" },
      { ms: 20, status: "429" },
      { ms: 40, status: "error" },
    ];
    expect(summarize(samples, 2_000)).toEqual({
      requests: 4,
      ok: 2,
      failed: 2,
      statuses: { "200": 2, "429": 1, error: 1 },
      seconds: 2,
      rps: 2,
      p50Ms: 20,
      p99Ms: 40,
      maxMs: 40,
    });
  });
});
