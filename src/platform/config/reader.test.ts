import { describe, expect, it } from "vitest";
import { createConfigReader, type LoadedConfig, type StoredConfig } from "./reader.ts";
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

/** A reader whose loads the test settles one by one (a load under way is another request's I/O). */
const controlled = () => {
  let clock = 1_000;
  const pending: { resolve: (stored: StoredConfig) => void; reject: (error: Error) => void }[] = [];
  const reader = createConfigReader({
    load: () => new Promise<StoredConfig>((resolve, reject) => pending.push({ resolve, reject })),
    defaults: () => configDefaults({}),
    now: () => clock,
    maxStalenessMs: 5_000,
    refreshGraceMs: 1_000,
    onError: () => undefined,
    firstLoads: { waitMs: 0, maxWaits: 3, sleep: () => Promise.resolve() },
  });
  return { reader, pending, advance: (ms: number) => (clock += ms) };
};

/** What `promise` settled to by the time the microtasks ran out, or "still waiting". */
const settledNow = async <T>(promise: Promise<T>): Promise<T | "still waiting"> => {
  const waiting = new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 20));
  return Promise.race([promise, waiting]);
};

describe("createConfigReader across requests (no reader awaits another's load)", () => {
  it("answers the held copy at once while one reader refreshes it past the bound", async () => {
    const t = controlled();
    const first = t.reader.read("a");
    t.pending[0]!.resolve(rps(2, 1));
    expect((await first).version).toBe(1);
    t.advance(5_000);
    const refresher = t.reader.read("a"); // refreshes in its own context
    expect(t.pending).toHaveLength(2);
    const other = await settledNow(t.reader.read("a"));
    expect(other).not.toBe("still waiting");
    expect((other as { version: number }).version).toBe(1);
    expect(t.pending).toHaveLength(2); // no second load
    t.pending[1]!.resolve(rps(3, 2));
    expect((await refresher).version).toBe(2);
    expect((await t.reader.read("a")).version).toBe(2);
  });

  it("refreshes again once a refresh has been under way longer than the grace", async () => {
    const t = controlled();
    const first = t.reader.read("a");
    t.pending[0]!.resolve(rps(2, 1));
    await first;
    t.advance(5_000);
    void t.reader.read("a"); // a refresh that never answers
    t.advance(999);
    expect((await settledNow(t.reader.read("a"))) as { version: number }).toMatchObject({ version: 1 });
    expect(t.pending).toHaveLength(2);
    t.advance(1);
    const own = t.reader.read("a");
    expect(t.pending).toHaveLength(3);
    t.pending[2]!.resolve(rps(4, 3));
    expect((await own).version).toBe(3);
  });

  it("a reader with no copy loads itself when the one load under way does not answer", async () => {
    const t = controlled();
    void t.reader.read("a"); // its load never answers
    const second = t.reader.read("a");
    await settledNow(Promise.resolve());
    expect(t.pending).toHaveLength(2); // the second reader's own load
    t.pending[1]!.resolve(rps(5, 1));
    expect((await settledNow(second)) as { version: number }).toMatchObject({ version: 1 });
  });

  it("a reader with no copy takes the answer of the load under way when it comes in time", async () => {
    const t = controlled();
    const first = t.reader.read("a");
    const second = t.reader.read("a");
    t.pending[0]!.resolve(rps(6, 1));
    expect((await second).version).toBe(1);
    expect((await first).version).toBe(1);
    expect(t.pending).toHaveLength(1);
  });
});

describe("createConfigReader with a cache below it", () => {
  it("counts a copy's age from when the store confirmed it, so the cache's age and its own do not add up", async () => {
    let clock = 10_000;
    let answer: LoadedConfig = { stored: rps(2, 1), asOf: 6_000 };
    let loads = 0;
    const reader = createConfigReader({ load: async () => (loads++, answer), defaults: () => configDefaults({}), now: () => clock, maxStalenessMs: 5_000 });
    const first = await reader.read("a");
    expect(first.version).toBe(1);
    clock = 10_999; // 4,999 ms after the store confirmed it: still within the bound
    await reader.read("a");
    expect(loads).toBe(1);
    clock = 11_000; // 5 s: loaded again
    answer = { stored: rps(2, 1), asOf: 10_900 };
    const again = await reader.read("a");
    expect(loads).toBe(2);
    expect(again).toBe(first); // the same version keeps its decoded view
    clock = 15_899;
    await reader.read("a");
    expect(loads).toBe(2);
  });
});
