import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { planFiring } from "./firing.ts";
import { SCHEDULE_LIMITS } from "./schedule.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const oneShot = (nextAt: number | null, missed: "skip" | "once") => ({ cron: null, timezone: null, missed, nextAt });
const everyMinute = (nextAt: number, missed: "skip" | "once") => ({ cron: "0 * * * * *", timezone: "UTC", missed, nextAt });

describe("planFiring", () => {
  it("does nothing before the due time or once a one-shot is done", () => {
    expect(planFiring(oneShot(NOW + 1, "once"), NOW)).toBeNull();
    expect(planFiring(oneShot(null, "once"), NOW)).toBeNull();
  });

  it("fires a one-shot on time under either policy, and it is done", () => {
    for (const missed of ["skip", "once"] as const) {
      expect(planFiring(oneShot(NOW - 50, missed), NOW)).toEqual({ fire: true, dueAt: NOW - 50, missed: false, nextAt: null });
    }
  });

  it("a firing later than the grace is missed: `once` runs it (keyed by its due time), `skip` drops it", () => {
    const late = NOW - SCHEDULE_LIMITS.missedAfterMs - 1;
    expect(planFiring(oneShot(late, "once"), NOW)).toEqual({ fire: true, dueAt: late, missed: true, nextAt: null });
    expect(planFiring(oneShot(late, "skip"), NOW)).toEqual({ fire: false, dueAt: late, missed: true, nextAt: null });
  });

  it("a cron schedule fires at most once per pass however many slots passed, then moves to its first slot after now", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 * 3_600_000 }), fc.constantFrom("skip" as const, "once" as const), (downMs, missed) => {
        const due = NOW - downMs;
        const plan = planFiring(everyMinute(due, missed), NOW)!;
        expect(plan.dueAt).toBe(due);
        expect(plan.fire).toBe(downMs <= SCHEDULE_LIMITS.missedAfterMs || missed === "once");
        expect(plan.nextAt).toBeGreaterThan(NOW);
        expect(plan.nextAt! - NOW).toBeLessThanOrEqual(60_000);
      }),
    );
  });
});
