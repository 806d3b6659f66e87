import { describe, expect, it } from "vitest";
import { createExportSchedule } from "./export-schedule.ts";
import { fakeClock as clock } from "../fake-clock.ts";

describe("export schedule", () => {
  it("exports at once after a quiet period", async () => {
    const c = clock();
    let runs = 0;
    const schedule = createExportSchedule({ run: async () => void runs++, intervalMs: 1_000, now: c.now, sleep: c.sleep });
    await schedule.request();
    expect(runs).toBe(1);
    expect(c.sleeps).toEqual([]);
  });

  it("answers null while an export is armed: the armed one takes every span ended meanwhile", async () => {
    const c = clock();
    let runs = 0;
    let release: () => void = () => {};
    const schedule = createExportSchedule({ run: async () => void runs++, intervalMs: 1_000, now: c.now, sleep: () => new Promise<void>((resolve) => (release = resolve)) });
    await schedule.request(); // the first export, at once
    c.advance(100);
    const armed = schedule.request();
    expect(armed).not.toBeNull();
    expect(schedule.request()).toBeNull();
    expect(schedule.request()).toBeNull();
    release();
    await armed;
    expect(runs).toBe(2);
  });

  it("keeps exports at least an interval apart under steady load", async () => {
    const c = clock();
    const at: number[] = [];
    const schedule = createExportSchedule({ run: async () => void at.push(c.now()), intervalMs: 1_000, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 5; i++) {
      await schedule.request();
      c.advance(10);
    }
    expect(at).toHaveLength(5);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1_000);
  });

  it("arms again once the armed export has started", async () => {
    const c = clock();
    const pending: (() => void)[] = [];
    const schedule = createExportSchedule({ run: () => new Promise<void>((resolve) => void pending.push(resolve)), intervalMs: 0, now: c.now, sleep: c.sleep });
    const first = schedule.request();
    await Promise.resolve();
    await Promise.resolve();
    expect(pending).toHaveLength(1);
    const second = schedule.request();
    expect(second).not.toBeNull();
    await Promise.resolve();
    await Promise.resolve();
    expect(pending).toHaveLength(2);
    for (const resolve of pending) resolve();
    await Promise.all([first, second]);
  });

  it("refuses a negative interval when built", () => {
    expect(() => createExportSchedule({ run: async () => {}, intervalMs: -1 })).toThrow(/intervalMs/);
  });
});
