import { describe, expect, it } from "vitest";
import { storageBounds } from "../storage-bounds.ts";
import { nextRetentionAt, platformRetention, RETENTION_EVERY_MS } from "./retention.ts";

const DAY = 86_400_000;
const bounds = storageBounds({ JIDO_AUDIT_RETENTION_DAYS: "90", JIDO_WORKFLOW_RETENTION_DAYS: "30", JIDO_DLQ_RETENTION_DAYS: "14" });

describe("platformRetention", () => {
  it("gives the platform's streams the deployment's age limit, and a tenant's own stream none", () => {
    expect(platformRetention("audit", bounds)).toEqual({ maxAgeMs: 90 * DAY, maxCount: null });
    expect(platformRetention("workflow", bounds)).toEqual({ maxAgeMs: 30 * DAY, maxCount: null });
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
