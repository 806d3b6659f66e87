// Counting agents by type and status, runs by status, and the laggiest subscriptions.
import { describe, expect, it } from "vitest";
import { countAgents, countByStatus, laggiest } from "./counts.js";

describe("countAgents", () => {
  it("counts each type by status, types by name, known statuses first", () => {
    const counted = countAgents([
      { type: "counter", status: "running" },
      { type: "b_type", status: "odd" },
      { type: "counter", status: "paused" },
      { type: "counter", status: "running" },
      { type: "b_type", status: "running" },
    ]);
    expect(counted.total).toBe(5);
    expect(counted.statuses).toEqual(["running", "paused", "odd"]);
    expect(counted.types).toEqual([
      { type: "b_type", total: 2, byStatus: { odd: 1, running: 1 } },
      { type: "counter", total: 3, byStatus: { running: 2, paused: 1 } },
    ]);
  });

  it("is empty for no agents", () => {
    expect(countAgents([])).toEqual({ total: 0, statuses: [], types: [] });
  });
});

describe("countByStatus", () => {
  it("counts runs, in lifecycle order", () => {
    expect(countByStatus([{ status: "completed" }, { status: "running" }, { status: "completed" }, { status: "failed" }])).toEqual([
      { status: "running", count: 1 },
      { status: "completed", count: 2 },
      { status: "failed", count: 1 },
    ]);
  });
});

describe("laggiest", () => {
  it("ranks each subscription's streams by lag and keeps the first `limit`", () => {
    const rows = laggiest(
      [
        { id: "a", status: "active", streams: [{ stream: "x", lag: 3 }, { stream: "y", lag: 50, deadLetters: 2, lastError: "boom" }] },
        { id: "b", status: "paused", streams: [{ stream: "x", lag: 7 }] },
        { id: "c", status: "active" },
      ],
      2,
    );
    expect(rows).toEqual([
      { id: "a", status: "active", stream: "y", lag: 50, deadLetters: 2, lastError: "boom" },
      { id: "b", status: "paused", stream: "x", lag: 7, deadLetters: 0, lastError: null },
    ]);
  });
});
