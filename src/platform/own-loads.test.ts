import { describe, expect, it } from "vitest";
import { createOwnLoads } from "./own-loads.ts";

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
};
const instant = { waitMs: 0, sleep: () => Promise.resolve() };

describe("createOwnLoads", () => {
  it("runs one load per key at a time; a caller waiting takes the answer that settles meanwhile", async () => {
    const loads = createOwnLoads<number>({ ...instant, maxWaits: 1_000 });
    const first = deferred<number>();
    let calls = 0;
    const a = loads.load("k", () => (calls++, first.promise));
    const b = loads.load("k", async () => (calls++, 2));
    const other = await loads.load("other", async () => (calls++, 3));
    expect(other).toBe(3);
    first.resolve(1);
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(calls).toBe(2);
    expect(loads.inFlight("k")).toBe(0);
  });

  it("never hands a caller another caller's promise: after maxWaits it loads itself", async () => {
    const loads = createOwnLoads<number>({ ...instant, maxWaits: 3 });
    void loads.load("k", () => new Promise<number>(() => undefined)); // never answers
    expect(await loads.load("k", async () => 7)).toBe(7);
    expect(loads.inFlight("k")).toBe(1);
  });

  it("a caller waiting takes peek()'s answer, and loads itself after a failed load", async () => {
    const loads = createOwnLoads<number>({ ...instant, maxWaits: 1_000 });
    const failing = deferred<number>();
    const a = loads.load("k", () => failing.promise);
    let peeked: number | undefined;
    const b = loads.load("k", async () => 9, () => peeked);
    peeked = 4;
    expect(await b).toBe(4);
    const c = loads.load("k", async () => 9);
    failing.reject(new Error("down"));
    await expect(a).rejects.toThrow("down");
    expect(await c).toBe(9);
  });

  it("checks its options when built", () => {
    expect(() => createOwnLoads({ maxInFlight: 0 })).toThrow("maxInFlight");
    expect(() => createOwnLoads({ waitMs: -1 })).toThrow("waitMs");
  });
});
