import { describe, expect, it } from "vitest";
import { runEvent, transitionEvents } from "./run-events.ts";

describe("a run's events", () => {
  it("name the workflow and run as source and the run as subject, stamped with the time given", () => {
    const event = runEvent("orders", "r1", "workflow.run.started", { run: "r1" }, Date.UTC(2026, 0, 2));
    expect(event).toEqual({ id: expect.any(String), source: "workflow/orders/r1", type: "workflow.run.started", subject: "r1", time: "2026-01-02T00:00:00.000Z", data: { run: "r1" } });
  });

  it("keep a transition's events in order, each with its own id", () => {
    const events = transitionEvents({ workflow: "orders", id: "r1" }, [{ type: "a", data: { n: 1 } }, { type: "b", data: { n: 2 } }], 0);
    expect(events.map((e) => [e.type, e.data, e.source])).toEqual([["a", { n: 1 }, "workflow/orders/r1"], ["b", { n: 2 }, "workflow/orders/r1"]]);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });
});
