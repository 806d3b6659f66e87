import { describe, expect, it } from "vitest";
import { DRAIN_GRACE_MS, EVALUATION_MS, IDLE_AFTER_MS, IDLE_EVALUATION_MS } from "./limits.ts";
import { drainedReady, evaluationDelay, growthPlan, type MemberRow } from "./membership.ts";

const row = (seq: number, state: MemberRow["state"], draining_since: number | null = null): MemberRow => ({ id: `g.m${seq}`, seq, state, joined_at: 0, draining_since });

describe("growing a group", () => {
  it("takes back draining members first, then starts retired ones, then spawns new ones", () => {
    const rows = [row(0, "active"), row(1, "draining", 5), row(2, "retired"), row(3, "draining", 5)];
    const plan = growthPlan(rows, 1, 6, "g", 4, 100);
    expect(plan.reactivate.map((r) => r.id)).toEqual(["g.m1", "g.m3"]);
    expect(plan.steps).toEqual([
      { row: row(2, "retired"), fresh: false },
      { row: { id: "g.m4", seq: 4, state: "active", joined_at: 100, draining_since: null }, fresh: true },
      { row: { id: "g.m5", seq: 5, state: "active", joined_at: 100, draining_since: null }, fresh: true },
    ]);
    expect(plan.nextSeq).toBe(6);
  });

  it("takes back only as many draining members as it needs, and spawns none then", () => {
    const plan = growthPlan([row(0, "draining", 1), row(1, "draining", 1)], 0, 1, "g", 2, 0);
    expect(plan.reactivate.map((r) => r.id)).toEqual(["g.m0"]);
    expect(plan.steps).toEqual([]);
    expect(plan.nextSeq).toBe(2);
  });
});

describe("a draining member", () => {
  it("may be stopped once idle and without a call for the grace period", () => {
    const m = row(0, "draining", 1_000);
    const idle = { inFlight: 0, queueLength: 0, errorRate: 0 };
    expect(drainedReady(m, idle, undefined, 1_000 + DRAIN_GRACE_MS)).toBe(true);
    expect(drainedReady(m, idle, undefined, 1_000 + DRAIN_GRACE_MS - 1)).toBe(false);
    expect(drainedReady(m, idle, 2_000, 1_000 + DRAIN_GRACE_MS)).toBe(false);
    expect(drainedReady(m, { ...idle, queueLength: 1 }, undefined, 1_000 + DRAIN_GRACE_MS)).toBe(false);
    expect(drainedReady(m, null, undefined, 1_000 + DRAIN_GRACE_MS)).toBe(false);
    expect(drainedReady(m, undefined, undefined, 1_000 + DRAIN_GRACE_MS)).toBe(false);
  });
});

describe("the next evaluation", () => {
  const now = 1_000_000;
  it("comes at the idle pace only for a group at its minimum, draining nothing, with no recent call", () => {
    expect(evaluationDelay([row(0, "active")], 1, now - IDLE_AFTER_MS, now)).toBe(IDLE_EVALUATION_MS);
    expect(evaluationDelay([row(0, "active")], 1, now - IDLE_AFTER_MS + 1, now)).toBe(EVALUATION_MS);
    expect(evaluationDelay([row(0, "active"), row(1, "draining", 0)], 1, 0, now)).toBe(EVALUATION_MS);
    expect(evaluationDelay([row(0, "active"), row(1, "active")], 1, 0, now)).toBe(EVALUATION_MS);
  });
});
