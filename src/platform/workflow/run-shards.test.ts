import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_INDEX_SHARDS, MAX_RUN_INDEX_SHARDS, runShardCount, runShardOf, runsIndexShardName, shardIndexMax } from "./run-shards.ts";

describe("runShardCount", () => {
  it("takes an integer 1-64 and the default for anything else", () => {
    expect(runShardCount("1")).toBe(1);
    expect(runShardCount("64")).toBe(64);
    expect(runShardCount(" 16 ")).toBe(16);
    for (const bad of [undefined, "", " ", "0", "65", "-3", "2.5", "eight", "NaN"]) expect(runShardCount(bad), String(bad)).toBe(DEFAULT_RUN_INDEX_SHARDS);
  });
});

describe("runShardOf", () => {
  it("is stable and within 0..shards-1 for every id and count", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), fc.integer({ min: 1, max: MAX_RUN_INDEX_SHARDS }), (id, shards) => {
        const k = runShardOf(id, shards);
        expect(Number.isInteger(k) && k >= 0 && k < shards).toBe(true);
        expect(runShardOf(id, shards)).toBe(k);
      }),
    );
  });

  it("spreads the platform's run ids over every shard, none with more than twice its share", () => {
    const counts = new Array<number>(8).fill(0);
    for (let n = 0; n < 4_000; n++) counts[runShardOf(`run_${crypto.randomUUID().replaceAll("-", "")}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(250);
    for (const count of counts) expect(count).toBeLessThan(1_000);
  });

  it("names a shard by tenant and number", () => {
    expect(runsIndexShardName("acme", 3)).toBe("runs-index/acme/3");
  });
});

describe("shardIndexMax", () => {
  it("splits the tenant's bound so the shards together keep at least it, each at least one", () => {
    expect(shardIndexMax(100_000, 8)).toBe(12_500);
    expect(shardIndexMax(10, 8)).toBe(2);
    expect(shardIndexMax(1, 8)).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 64 }), (max, shards) => {
        const each = shardIndexMax(max, shards);
        expect(each * shards).toBeGreaterThanOrEqual(max);
        expect((each - 1) * shards).toBeLessThan(max);
      }),
    );
  });
});
