import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, demandOf, exceeded, limited, type Limits, shardLimits, ZERO } from "./quotas.ts";

const unlimited: Limits = { memory: null, cpu: null, storage: null };

describe("quota accounting", () => {
  it("takes a type's declared resources as its demand, in MiB and cores", () => {
    expect(demandOf({ memoryBytes: 16 * 1024 ** 2, memory: "16MB", cpuCores: 0.1, storageBytes: 1024 ** 2, storage: "1MB" })).toEqual({ memory: 16, cpu: 0.1, storage: 1 });
    expect(demandOf(undefined)).toBeNull();
    expect(demandOf({ memoryBytes: null, memory: null, cpuCores: null, storageBytes: null, storage: null })).toBeNull();
  });

  it("names the first resource a demand would take past its limit", () => {
    const demand = { memory: 16, cpu: 0.1, storage: 1 };
    expect(exceeded({ memory: 16, cpu: 0, storage: 0 }, demand, { ...unlimited, memory: 32 })).toBeNull();
    expect(exceeded({ memory: 17, cpu: 0, storage: 0 }, demand, { ...unlimited, memory: 32 })).toBe("memory");
    expect(exceeded({ memory: 0, cpu: 0.2, storage: 0 }, demand, { memory: 100, cpu: 0.3, storage: null })).toBeNull();
    expect(exceeded({ memory: 0, cpu: 0.3, storage: 0 }, demand, { memory: 100, cpu: 0.3, storage: null })).toBe("cpu");
    expect(limited(demand, unlimited)).toBe(false);
    expect(limited({ ...ZERO, cpu: 1 }, { ...unlimited, memory: 1 })).toBe(false);
  });

  it("splits the budget evenly over the shards", () => {
    expect(shardLimits({ memory: 100, cpu: null, storage: 8 }, 4)).toEqual({ memory: 25, cpu: null, storage: 2 });
  });

  it("never admits past a limit, and reserving then returning leaves the usage as it was", () => {
    const amounts = fc.record({ memory: fc.nat(1000), cpu: fc.nat(16), storage: fc.nat(1000) });
    fc.assert(
      fc.property(fc.array(amounts, { maxLength: 30 }), amounts, (demands, limits) => {
        let usage = ZERO;
        const admitted = [];
        for (const d of demands) {
          if (exceeded(usage, d, limits) !== null) continue;
          usage = add(usage, d);
          admitted.push(d);
        }
        for (const r of ["memory", "cpu", "storage"] as const) expect(usage[r]).toBeLessThanOrEqual(limits[r] + 1e-9);
        for (const d of admitted) usage = add(usage, d, -1);
        expect(usage).toEqual(ZERO);
      }),
    );
  });
});
