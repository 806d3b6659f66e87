import { describe, expect, it } from "vitest";
import { barGeometry, formatDuration, isFinalRunStatus, timelineRows, timelineSpanMs } from "./run-timeline.js";

const t0 = Date.parse("2026-11-28T13:14:17.800Z");
const at = (ms) => new Date(t0 + ms).toISOString();
const step = (over) => ({
  name: "s", kind: "step", status: "pending", attempts: 0, agent: null, selection: null, startedAt: null, finishedAt: null,
  durationMs: null, deadline: null, retryAt: null, output: null, error: null, compensation: null, ...over,
});

const run = {
  id: "run_1", workflow: "order_processing", status: "compensated", createdAt: at(0), updatedAt: at(60),
  rebinds: [{ step: "process_payment", role: "processor", from: "p1", to: "p2", reason: "circuit_open", attempt: 2, at: at(30) }],
  steps: [
    step({ name: "check_inventory", status: "completed", attempts: 1, agent: "p2", selection: { id: "p2", how: "discovered", score: 0.9 },
      startedAt: at(16), finishedAt: at(36), durationMs: 20, compensation: { status: "completed", attempts: 1, error: null } }),
    step({ name: "process_payment", status: "failed", attempts: 2, agent: "p2", startedAt: at(36), finishedAt: at(44), durationMs: 8,
      error: { type: "payment_failed", status: 422, detail: "The payment for o-1 failed." } }),
    step({ name: "fulfill_order", status: "skipped" }),
  ],
};

describe("timelineRows", () => {
  it("gives each step its offset from the run's start, duration, attempts, agent and score, in order", () => {
    const rows = timelineRows(run);
    expect(rows.map((r) => r.name)).toEqual(["check_inventory", "process_payment", "fulfill_order"]);
    expect(rows[0]).toMatchObject({ status: "completed", attempts: 1, agent: "p2", how: "discovered", score: 0.9, offsetMs: 16, durationMs: 20, running: false });
    expect(rows[0].compensation).toEqual({ status: "completed", attempts: 1, error: null });
    expect(rows[1]).toMatchObject({ attempts: 2, offsetMs: 36, durationMs: 8, error: "payment_failed: The payment for o-1 failed.", score: null });
    expect(rows[2]).toMatchObject({ status: "skipped", offsetMs: null, durationMs: null, agent: null, compensation: null });
  });

  it("puts each rebind on the step it moved", () => {
    const rows = timelineRows(run);
    expect(rows[1].rebinds).toEqual([{ from: "p1", to: "p2", reason: "circuit_open", attempt: 2 }]);
    expect(rows[0].rebinds).toEqual([]);
  });

  it("sizes a step still running up to now", () => {
    const rows = timelineRows({ ...run, steps: [step({ name: "pay", status: "running", attempts: 1, startedAt: at(10) })] }, t0 + 510);
    expect(rows[0]).toMatchObject({ running: true, offsetMs: 10, durationMs: 500 });
  });

  it("takes a run with no steps or no fields without failing", () => {
    expect(timelineRows({})).toEqual([]);
    expect(timelineRows(null)).toEqual([]);
  });
});

describe("timeline bars", () => {
  it("spans the run to its last known moment and places bars as percentages of it", () => {
    const rows = timelineRows(run);
    expect(timelineSpanMs(rows)).toBe(44);
    expect(barGeometry(rows[0], 44)).toEqual({ left: (16 / 44) * 100, width: (20 / 44) * 100 });
    expect(barGeometry(rows[2], 44)).toBeNull();
  });

  it("keeps a very short step visible and every bar inside the span", () => {
    const bar = barGeometry({ offsetMs: 1000, durationMs: 0 }, 1000);
    expect(bar.width).toBeGreaterThan(0);
    expect(bar.left + bar.width).toBeLessThanOrEqual(100);
  });
});

describe("formatDuration and isFinalRunStatus", () => {
  it("reads as people read durations", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(2400)).toBe("2.4 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(null)).toBe("");
  });

  it("knows the final statuses", () => {
    expect(["completed", "failed", "compensated", "cancelled", "timed_out"].every(isFinalRunStatus)).toBe(true);
    expect(["running", "compensating", "cancelling"].some(isFinalRunStatus)).toBe(false);
  });
});
