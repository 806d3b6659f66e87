import { describe, expect, it } from "vitest";
import { BOUND_SPECS, boundOf, storageBounds } from "./storage-bounds.ts";

const DAY = 86_400_000;

describe("boundOf", () => {
  it("reads a number, whole or with a fraction where the bound allows one", () => {
    expect(boundOf({ JIDO_RUN_RETENTION_DAYS: "14" }, "JIDO_RUN_RETENTION_DAYS")).toBe(14);
    expect(boundOf({ JIDO_RUN_RETENTION_DAYS: " 0.5 " }, "JIDO_RUN_RETENTION_DAYS")).toBe(0.5);
    expect(boundOf({ JIDO_RUNS_INDEX_MAX: "250.9" }, "JIDO_RUNS_INDEX_MAX")).toBe(250);
  });

  it("gives the default for a missing, empty or non-numeric value", () => {
    for (const value of [undefined, "", "  ", "seven", "NaN", "Infinity", "1e999"]) {
      expect(boundOf({ JIDO_AUDIT_RETENTION_DAYS: value }, "JIDO_AUDIT_RETENTION_DAYS"), String(value)).toBe(90);
    }
  });

  it("raises a value below its floor to the floor: platform streams keep a day, an index one run", () => {
    expect(boundOf({ JIDO_AUDIT_RETENTION_DAYS: "0" }, "JIDO_AUDIT_RETENTION_DAYS")).toBe(1);
    expect(boundOf({ JIDO_DLQ_RETENTION_DAYS: "-5" }, "JIDO_DLQ_RETENTION_DAYS")).toBe(1);
    expect(boundOf({ JIDO_RUNS_INDEX_MAX: "0" }, "JIDO_RUNS_INDEX_MAX")).toBe(1);
    expect(boundOf({ JIDO_MAX_STREAMS_PER_TENANT: "0.5" }, "JIDO_MAX_STREAMS_PER_TENANT")).toBe(1);
    // A finished run may be deleted as soon as it is published.
    expect(boundOf({ JIDO_RUN_RETENTION_DAYS: "0" }, "JIDO_RUN_RETENTION_DAYS")).toBe(0);
    expect(boundOf({ JIDO_RUN_RETENTION_DAYS: "-1" }, "JIDO_RUN_RETENTION_DAYS")).toBe(0);
  });
});

describe("storageBounds", () => {
  it("has the documented defaults without any variable", () => {
    expect(storageBounds({})).toEqual({
      runRetentionMs: 7 * DAY,
      runsIndexMax: 100_000,
      maxStreamsPerTenant: 10_000,
      auditRetentionMs: 90 * DAY,
      workflowRetentionMs: 30 * DAY,
      dlqRetentionMs: 30 * DAY,
    });
    expect(Object.keys(BOUND_SPECS).sort()).toEqual([
      "JIDO_AUDIT_RETENTION_DAYS", "JIDO_DLQ_RETENTION_DAYS", "JIDO_MAX_STREAMS_PER_TENANT", "JIDO_RUNS_INDEX_MAX", "JIDO_RUN_RETENTION_DAYS", "JIDO_WORKFLOW_RETENTION_DAYS",
    ]);
  });

  it("turns days into milliseconds", () => {
    const bounds = storageBounds({ JIDO_RUN_RETENTION_DAYS: "0.25", JIDO_WORKFLOW_RETENTION_DAYS: "2" });
    expect(bounds.runRetentionMs).toBe(DAY / 4);
    expect(bounds.workflowRetentionMs).toBe(2 * DAY);
  });
});
