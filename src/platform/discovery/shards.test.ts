import { describe, expect, it } from "vitest";
import { DEFAULT_DIRECTORY_SHARDS, DIRECTORY_REFRESH_MS, directoryShardName, refreshDelay, shardCount, shardOf } from "./shards.ts";
import { createLoadWindow } from "./load.ts";
import { hintFromCf } from "./placement.ts";

describe("directory shards", () => {
  it("reads the shard count from the var, falling back to the default for anything else", () => {
    expect(shardCount("4")).toBe(4);
    expect([shardCount(undefined), shardCount(""), shardCount("0"), shardCount("2.5"), shardCount("65")]).toEqual(Array(5).fill(DEFAULT_DIRECTORY_SHARDS));
  });

  it("puts an id in one stable shard and spreads ids over all of them", () => {
    const used = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const k = shardOf(`agent-${i}`, 8);
      expect(k).toBe(shardOf(`agent-${i}`, 8));
      expect(k >= 0 && k < 8).toBe(true);
      used.add(k);
    }
    expect(used.size).toBe(8);
    expect(directoryShardName("acme", 3)).toBe("directory/acme/3");
  });
});

describe("load window", () => {
  it("reports error rate and median latency of recent calls only", () => {
    const window = createLoadWindow(4, 1000);
    expect(window.figures(0, { inFlight: 0, queueLength: 0 })).toEqual({ inFlight: 0, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 });
    window.record(10, true, 0);
    window.record(30, false, 0);
    window.record(20, true, 500);
    expect(window.figures(600, { inFlight: 2, queueLength: 1 })).toEqual({ inFlight: 2, queueLength: 1, errorRate: 1 / 3, p50Ms: 20, windowCalls: 3 });
    // The first two are past the window's age now.
    expect(window.figures(1200, { inFlight: 0, queueLength: 0 })).toMatchObject({ errorRate: 0, p50Ms: 20, windowCalls: 1 });
    for (let i = 0; i < 4; i++) window.record(100, true, 1300);
    expect(window.figures(1300, { inFlight: 0, queueLength: 0 })).toMatchObject({ p50Ms: 100, windowCalls: 4 });
  });
});

describe("hintFromCf", () => {
  it("maps a request's continent and longitude to a location hint, or null", () => {
    expect(hintFromCf({ continent: "EU", longitude: "2.35" })).toBe("weur");
    expect(hintFromCf({ continent: "EU", longitude: "37.6" })).toBe("eeur");
    expect(hintFromCf({ continent: "NA", longitude: "-122.4" })).toBe("wnam");
    expect(hintFromCf({ continent: "NA" })).toBe("enam");
    expect(hintFromCf(undefined)).toBeNull();
  });
});

describe("refreshDelay", () => {
  it("spreads the refresh period by +/-20%, so agents started together wake apart", () => {
    expect(refreshDelay(() => 0)).toBe(0.8 * DIRECTORY_REFRESH_MS);
    expect(refreshDelay(() => 0.5)).toBe(DIRECTORY_REFRESH_MS);
    expect(refreshDelay(() => 0.999_999)).toBeLessThanOrEqual(1.2 * DIRECTORY_REFRESH_MS);
    const delays = new Set(Array.from({ length: 100 }, (_, i) => refreshDelay(() => i / 100)));
    expect(delays.size).toBe(100);
  });
});
