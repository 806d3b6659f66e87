// Why: pins the concurrency limit, FIFO hand-off, load shedding and drain behaviour.
import { describe, expect, it } from "vitest";
import { BulkheadFullError, createBulkhead, type Bulkhead } from "./bulkhead.ts";

type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void };

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Starts a task whose completion the test controls, recording when it actually starts. */
function startTask(bulkhead: Bulkhead, label: string, started: string[]) {
  const gate = deferred<string>();
  const result = bulkhead.run(() => {
    started.push(label);
    return gate.promise;
  });
  return { gate, result };
}

describe("bulkhead", () => {
  it("runs at most maxConcurrent at once and queues up to maxQueue", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 2, maxQueue: 2 });
    const started: string[] = [];
    const a = startTask(bulkhead, "a", started);
    const b = startTask(bulkhead, "b", started);
    const c = startTask(bulkhead, "c", started);
    const d = startTask(bulkhead, "d", started);
    await flush();
    expect(started).toEqual(["a", "b"]);
    expect(bulkhead.stats()).toEqual({ active: 2, queued: 2, maxConcurrent: 2, maxQueue: 2 });

    a.gate.resolve("A");
    await expect(a.result).resolves.toBe("A");
    await flush();
    expect(started).toEqual(["a", "b", "c"]);
    expect(bulkhead.stats()).toMatchObject({ active: 2, queued: 1 });

    b.gate.resolve("B");
    c.gate.resolve("C");
    d.gate.resolve("D");
    await expect(Promise.all([b.result, c.result, d.result])).resolves.toEqual(["B", "C", "D"]);
    expect(bulkhead.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it("starts queued work in FIFO order", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 5 });
    const started: string[] = [];
    const tasks = ["first", "q1", "q2", "q3"].map((label) => startTask(bulkhead, label, started));
    for (const task of tasks) {
      await flush();
      task.gate.resolve("done");
      await task.result;
    }
    expect(started).toEqual(["first", "q1", "q2", "q3"]);
  });

  it("hands a freed slot to the waiter, not to a newcomer", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const started: string[] = [];
    const first = startTask(bulkhead, "first", started);
    const waiter = startTask(bulkhead, "waiter", started);
    first.gate.resolve("x");
    await first.result;
    const late = startTask(bulkhead, "late", started);
    expect(bulkhead.stats()).toMatchObject({ active: 1, queued: 1 });
    await flush();
    expect(started).toEqual(["first", "waiter"]);
    waiter.gate.resolve("w");
    await waiter.result;
    await flush();
    expect(started).toEqual(["first", "waiter", "late"]);
    late.gate.resolve("l");
    await expect(late.result).resolves.toBe("l");
  });

  it("rejects immediately with BulkheadFullError when running and queue are full", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 0 });
    const started: string[] = [];
    startTask(bulkhead, "a", started);
    let called = false;
    const rejected = bulkhead.run(async () => {
      called = true;
    });
    await expect(rejected).rejects.toMatchObject({ name: "BulkheadFullError", maxConcurrent: 1, maxQueue: 0 });
    await expect(rejected).rejects.toBeInstanceOf(Error);
    expect(called).toBe(false);
    expect(bulkhead.stats()).toMatchObject({ active: 1, queued: 0 });
  });

  it("releases the slot when fn rejects or throws synchronously", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const started: string[] = [];
    const failing = startTask(bulkhead, "failing", started);
    const next = startTask(bulkhead, "next", started);
    failing.gate.reject(new Error("boom"));
    await expect(failing.result).rejects.toThrow("boom");
    await flush();
    expect(started).toEqual(["failing", "next"]);
    next.gate.resolve("ok");
    await expect(next.result).resolves.toBe("ok");

    const throwing = bulkhead.run((): Promise<never> => {
      throw new Error("sync boom");
    });
    await expect(throwing).rejects.toThrow("sync boom");
    expect(bulkhead.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it("idle() resolves at once when idle and only after draining otherwise", async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 1 });
    await expect(bulkhead.idle()).resolves.toBeUndefined();

    const started: string[] = [];
    const a = startTask(bulkhead, "a", started);
    const b = startTask(bulkhead, "b", started);
    let drained = false;
    const idle = bulkhead.idle().then(() => {
      drained = true;
    });

    a.gate.resolve("A");
    await a.result;
    await flush();
    expect(drained).toBe(false);
    b.gate.reject(new Error("B failed"));
    await expect(b.result).rejects.toThrow("B failed");
    await idle;
    expect(drained).toBe(true);
    expect(bulkhead.stats()).toMatchObject({ active: 0, queued: 0 });
  });

  it.each([
    [{ maxConcurrent: 0, maxQueue: 0 }, "bulkhead.maxConcurrent must be an integer >= 1"],
    [{ maxConcurrent: 1.5, maxQueue: 0 }, "bulkhead.maxConcurrent"],
    [{ maxConcurrent: 1, maxQueue: -1 }, "bulkhead.maxQueue must be an integer >= 0"],
    [{ maxConcurrent: 1, maxQueue: Number.NaN }, "bulkhead.maxQueue"],
  ])("rejects options %o", (bad, message) => {
    expect(() => createBulkhead(bad)).toThrow(RangeError);
    expect(() => createBulkhead(bad)).toThrow(message);
  });
});
