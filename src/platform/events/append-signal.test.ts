import { afterEach, describe, expect, it, vi } from "vitest";
import { createAppendSignal } from "./append-signal.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("createAppendSignal", () => {
  it("wakes every waiting reader at the next append", async () => {
    const signal = createAppendSignal();
    const waits = [signal.next(60_000), signal.next(60_000)];
    signal.notify();
    expect(await Promise.all(waits)).toEqual([true, true]);
  });

  it("answers false when nothing is appended in time, and forgets the reader", async () => {
    vi.useFakeTimers();
    const signal = createAppendSignal();
    const wait = signal.next(1_000);
    vi.advanceTimersByTime(999);
    const early = await Promise.race([wait, Promise.resolve("pending")]);
    expect(early).toBe("pending");
    vi.advanceTimersByTime(1);
    expect(await wait).toBe(false);
    signal.notify();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not wake a reader that starts waiting after the append", async () => {
    vi.useFakeTimers();
    const signal = createAppendSignal();
    signal.notify();
    const wait = signal.next(500);
    vi.advanceTimersByTime(500);
    expect(await wait).toBe(false);
  });
});
