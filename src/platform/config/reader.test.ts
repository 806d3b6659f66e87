import { describe, expect, it } from "vitest";
import { createConfigReader, type StoredConfig } from "./reader.ts";
import { configDefaults } from "./schema.ts";

const setup = () => {
  let clock = 1_000;
  let stored: StoredConfig = { version: 0, settings: {}, updatedAt: null };
  let loads = 0;
  let failing = false;
  const reader = createConfigReader({
    load: async () => {
      loads++;
      if (failing) throw new Error("unreachable");
      return stored;
    },
    defaults: () => configDefaults({}),
    now: () => clock,
    maxStalenessMs: 5_000,
    onError: () => undefined,
  });
  return {
    reader,
    set: (next: StoredConfig) => (stored = next),
    advance: (ms: number) => (clock += ms),
    loads: () => loads,
    fail: (on: boolean) => (failing = on),
  };
};

const rps = (n: number, version: number): StoredConfig => ({ version, settings: { infrastructure: { rateLimit: { rps: n } } }, updatedAt: version });

describe("createConfigReader", () => {
  it("serves its copy within the bound and reloads after it", async () => {
    const t = setup();
    expect((await t.reader.read("a")).version).toBe(0);
    t.set(rps(3, 1));
    t.advance(4_999);
    expect((await t.reader.read("a")).version).toBe(0);
    t.advance(1);
    const view = await t.reader.read("a");
    expect(view.version).toBe(1);
    expect(view.config.infrastructure.rateLimit.rps).toBe(3);
    expect(view.etag).toBe('"v1"');
    expect(Object.isFrozen(view.config.infrastructure)).toBe(true);
  });

  it("loads once for concurrent readers, per tenant", async () => {
    const t = setup();
    await Promise.all([t.reader.read("a"), t.reader.read("a"), t.reader.read("b")]);
    expect(t.loads()).toBe(2);
  });

  it("takes a write made in the isolate at once, and never goes back to an older version", async () => {
    const t = setup();
    await t.reader.read("a");
    t.reader.put("a", rps(9, 2));
    expect((await t.reader.read("a")).config.infrastructure.rateLimit.rps).toBe(9);
    t.advance(6_000);
    expect((await t.reader.read("a")).version).toBe(2);
  });

  it("serves the last copy when a reload fails, and fails when it has none", async () => {
    const t = setup();
    t.set(rps(4, 1));
    await t.reader.read("a");
    t.fail(true);
    t.advance(6_000);
    expect((await t.reader.read("a")).version).toBe(1);
    await expect(t.reader.read("b")).rejects.toThrow("unreachable");
  });
});
