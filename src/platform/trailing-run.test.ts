import { describe, expect, it } from "vitest";
import { createTrailingRun } from "./trailing-run.ts";
import { fakeClock as clock } from "./fake-clock.ts";

describe("trailing run", () => {
  it("without stretching, a busy source runs once per interval", async () => {
    const c = clock();
    const at: number[] = [];
    const trailing = createTrailingRun({ run: async () => void at.push(c.now()), intervalMs: 1_000, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 4; i++) {
      await trailing.request();
      c.advance(10);
    }
    expect(at).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it("stretches the interval of a source busy through each, up to maxStretch, and starts again at one after a quiet interval", async () => {
    const c = clock();
    const at: number[] = [];
    const trailing = createTrailingRun({ run: async () => void at.push(c.now()), intervalMs: 1_000, maxStretch: 3, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 5; i++) {
      await trailing.request();
      c.advance(10);
    }
    // At once, then 1, 2, 3, 3 intervals apart.
    expect(at).toEqual([1_000, 2_000, 4_000, 7_000, 10_000]);
    c.advance(5_000); // quiet for longer than the stretched interval
    await trailing.request();
    c.advance(10);
    await trailing.request();
    expect(at.slice(5)).toEqual([15_010, 16_010]);
  });

  it("runNow runs whatever the interval, and the interval counts from it", async () => {
    const c = clock();
    const at: number[] = [];
    const trailing = createTrailingRun({ run: async () => void at.push(c.now()), intervalMs: 1_000, now: c.now, sleep: c.sleep });
    await trailing.request();
    c.advance(100);
    await trailing.runNow();
    c.advance(100);
    await trailing.request();
    expect(at).toEqual([1_000, 1_100, 2_100]);
  });

  it("re-arms after an armed run was lost (its timer never fired), and the lost run does nothing if it wakes", async () => {
    let t = 1_000;
    const at: number[] = [];
    const timers: (() => void)[] = [];
    const trailing = createTrailingRun({ run: async () => void at.push(t), intervalMs: 1_000, now: () => t, sleep: () => new Promise<void>((resolve) => timers.push(resolve)) });
    await trailing.request(); // at once
    t += 10;
    const lost = trailing.request(); // armed for 2_000; its context goes away: the timer never fires
    expect(lost).not.toBeNull();
    t = 2_500;
    expect(trailing.request()).toBeNull(); // overdue by less than an interval: still armed
    t = 3_001;
    await trailing.request(); // overdue by more than an interval: taken for lost, and due at once
    expect(at).toEqual([1_000, 3_001]);
    t += 10;
    const next = trailing.request();
    expect(next).not.toBeNull();
    timers[0]!(); // the lost run wakes after all: it neither runs nor disarms the one armed since
    await lost;
    expect(at).toEqual([1_000, 3_001]);
    expect(trailing.request()).toBeNull();
    timers[1]!();
    await next;
    expect(at).toEqual([1_000, 3_001, 3_011]);
  });

  it("deferred: a run due at once still waits a timer tick", async () => {
    const c = clock();
    let ran = 0;
    const trailing = createTrailingRun({ run: async () => void ran++, intervalMs: 1_000, deferred: true, now: c.now, sleep: c.sleep });
    await trailing.request();
    expect(ran).toBe(1);
    expect(c.sleeps).toEqual([0]);
  });

  it("refuses a negative interval and a stretch below one when built", () => {
    expect(() => createTrailingRun({ run: async () => {}, intervalMs: -1 })).toThrow(/intervalMs/);
    expect(() => createTrailingRun({ run: async () => {}, intervalMs: 1, maxStretch: 0 })).toThrow(/maxStretch/);
  });
});
