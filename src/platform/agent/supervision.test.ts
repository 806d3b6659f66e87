import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { backoffFor, NO_SUPERVISION, onFailure, restartBegun, type SupervisionRecord, supervisionSchema } from "./supervision.ts";

const reason = (at: number) => ({ at, type: "https://jido.dev/problems/agent-start-failed", status: 500, detail: "boom" });
const policy = (over: Record<string, unknown> = {}) => supervisionSchema.parse({ restart: "permanent", maxRestarts: 3, withinMs: 10_000, backoffMs: 100, maxBackoffMs: 1_000, ...over });

describe("onFailure", () => {
  it("temporary (the default) gives up at once: no restart, no escalation", () => {
    expect(supervisionSchema.parse(undefined).restart).toBe("temporary");
    expect(onFailure(supervisionSchema.parse({}), undefined, reason(0), 0)).toMatchObject({ kind: "give-up", record: { lastReason: reason(0) } });
  });

  it("restarts with doubling backoff, and escalates on the failure past maxRestarts within the window", () => {
    const p = policy();
    let record: SupervisionRecord = NO_SUPERVISION;
    const kinds: string[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const decision = onFailure(p, record, reason(i), i);
      kinds.push(decision.kind);
      if (decision.kind === "restart") delays.push(decision.at - i);
      record = decision.kind === "restart" ? restartBegun(decision.record, i) : decision.record;
    }
    expect(kinds).toEqual(["restart", "restart", "restart", "escalate"]);
    expect(delays).toEqual([100, 200, 400]);
    expect(record).toMatchObject({ restarts: 3, escalated: true, nextRestartAt: null });
  });

  it("failures older than the window do not count (property: escalation iff more than maxRestarts in any window ending at a failure)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 5 }), (gaps, maxRestarts) => {
        const p = policy({ maxRestarts, withinMs: 3_000 });
        let record: SupervisionRecord = NO_SUPERVISION;
        let now = 0;
        const times: number[] = [];
        for (const gap of gaps) {
          now += gap;
          times.push(now);
          const decision = onFailure(p, record, reason(now), now);
          const inWindow = times.filter((t) => t > now - 3_000).length;
          expect(decision.kind).toBe(inWindow > maxRestarts ? "escalate" : "restart");
          if (decision.kind === "escalate") return;
          record = restartBegun(decision.record, now);
        }
      }),
    );
  });

  it("caps the backoff", () => {
    expect(backoffFor(policy(), 1)).toBe(100);
    expect(backoffFor(policy(), 20)).toBe(1_000);
  });

  it("refuses a backoff cap below the backoff, naming the field", () => {
    const parsed = supervisionSchema.safeParse({ backoffMs: 500, maxBackoffMs: 100 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["maxBackoffMs"]);
  });
});
