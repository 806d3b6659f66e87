import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storageBounds } from "../storage-bounds.ts";
import { nextRetentionAt, platformRetention, RETENTION_EVERY_MS, backlogCapFrom, DEFAULT_BACKLOG_CAP, gapsAt, retentionCutoff } from "./retention.ts";

const DAY = 86_400_000;
const bounds = storageBounds({ JIDO_AUDIT_RETENTION_DAYS: "90", JIDO_WORKFLOW_RETENTION_DAYS: "30", JIDO_DLQ_RETENTION_DAYS: "14" });

describe("platformRetention", () => {
  it("gives the platform's streams the deployment's age limit, and a tenant's own stream none", () => {
    expect(platformRetention("audit", bounds)).toEqual({ maxAgeMs: 90 * DAY, maxCount: null });
    expect(platformRetention("workflow", bounds)).toEqual({ maxAgeMs: 30 * DAY, maxCount: null });
    expect(platformRetention("workflow.7", bounds)).toEqual({ maxAgeMs: 30 * DAY, maxCount: null });
    expect(platformRetention("dlq.orders.k3", bounds)).toEqual({ maxAgeMs: 14 * DAY, maxCount: null });
    for (const stream of ["order", "audits", "workflows", "dlq"]) expect(platformRetention(stream, bounds), stream).toBeNull();
  });
});

describe("nextRetentionAt", () => {
  const now = 1_000_000_000;

  it("has nothing to do for an empty stream", () => {
    expect(nextRetentionAt({ maxAgeMs: DAY, maxCount: 5 }, null, now)).toBeNull();
  });

  it("checks a count limit every minute while events come", () => {
    expect(nextRetentionAt({ maxAgeMs: null, maxCount: 5 }, now - 10, now)).toBe(now + RETENTION_EVERY_MS);
  });

  it("wakes an age limit when the oldest event expires, not sooner than a minute from now", () => {
    expect(nextRetentionAt({ maxAgeMs: DAY, maxCount: null }, now - 1_000, now)).toBe(now - 1_000 + DAY);
    expect(nextRetentionAt({ maxAgeMs: DAY, maxCount: null }, now - 2 * DAY, now)).toBe(now + RETENTION_EVERY_MS);
  });

  it("has nothing to do without a limit", () => {
    expect(nextRetentionAt({ maxAgeMs: null, maxCount: null }, now, now)).toBeNull();
  });
});


describe("retentionCutoff", () => {
  it("deletes what the policy says when no subscription is active", () => {
    expect(retentionCutoff({ policy: 7, cap: 0, activeCursors: [] })).toBe(7);
  });

  it("holds behind the slowest active cursor", () => {
    expect(retentionCutoff({ policy: 7, cap: 0, activeCursors: [9, 3, 5] })).toBe(3);
    expect(retentionCutoff({ policy: 7, cap: 0, activeCursors: [0] })).toBe(0);
  });

  it("never deletes more than the policy, however far ahead the cursors are", () => {
    expect(retentionCutoff({ policy: 7, cap: 0, activeCursors: [20] })).toBe(7);
    expect(retentionCutoff({ policy: 7, cap: 9, activeCursors: [0] })).toBe(7);
  });

  it("stops holding at the cap", () => {
    expect(retentionCutoff({ policy: 22, cap: 5, activeCursors: [0, 10] })).toBe(5);
  });

  it("is at most the policy and at least what neither the cursors nor the cap hold", () => {
    fc.assert(
      fc.property(fc.nat(1_000), fc.nat(1_000), fc.array(fc.nat(1_000), { maxLength: 5 }), (policy, cap, cursors) => {
        const cutoff = retentionCutoff({ policy, cap, activeCursors: cursors });
        expect(cutoff).toBeLessThanOrEqual(policy);
        expect(cutoff).toBeGreaterThanOrEqual(Math.min(policy, cap));
        // Below the cap, nothing an active subscription has not handled is deleted.
        if (cutoff > cap) for (const cursor of cursors) expect(cutoff).toBeLessThanOrEqual(cursor);
      }),
    );
  });
});

describe("gapsAt", () => {
  it("names the range each lagging subscription loses, from what is still stored", () => {
    const cursors = [
      { subscriptionId: "a", cursor: 0 },
      { subscriptionId: "b", cursor: 5 },
      { subscriptionId: "c", cursor: 4 },
    ];
    expect(gapsAt(5, 3, cursors)).toEqual([
      { subscriptionId: "a", from: 3, to: 5 },
      { subscriptionId: "c", from: 5, to: 5 },
    ]);
  });

  it("is empty when nothing stored is deleted", () => {
    expect(gapsAt(5, null, [{ subscriptionId: "a", cursor: 0 }])).toEqual([]);
    expect(gapsAt(5, 6, [{ subscriptionId: "a", cursor: 0 }])).toEqual([]);
    expect(gapsAt(0, 1, [{ subscriptionId: "a", cursor: 0 }])).toEqual([]);
  });
});

describe("backlogCapFrom", () => {
  it("reads the variables, defaults when they are empty or missing", () => {
    expect(backlogCapFrom({})).toEqual({ cap: DEFAULT_BACKLOG_CAP, invalid: [] });
    expect(backlogCapFrom({ JIDO_SUBSCRIPTION_MAX_BACKLOG: "", JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS: " " })).toEqual({ cap: DEFAULT_BACKLOG_CAP, invalid: [] });
    expect(backlogCapFrom({ JIDO_SUBSCRIPTION_MAX_BACKLOG: "20", JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS: "60000" })).toEqual({
      cap: { maxEvents: 20, maxAgeMs: 60_000 },
      invalid: [],
    });
  });

  it("names a malformed variable and holds with the default instead", () => {
    expect(backlogCapFrom({ JIDO_SUBSCRIPTION_MAX_BACKLOG: "lots", JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS: "0" })).toEqual({
      cap: DEFAULT_BACKLOG_CAP,
      invalid: ["JIDO_SUBSCRIPTION_MAX_BACKLOG", "JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS"],
    });
  });
});
