import { describe, expect, it } from "vitest";
import type { CloudEvent } from "./cloud-event.ts";
import { delivered, failed, initialDelivery, skipped, startCursor, wants } from "./delivery.ts";
import { subscriptionRequestSchema } from "./subscription.ts";

const spec = subscriptionRequestSchema.parse({
  patterns: ["order.*"],
  filter: { data: { region: ["us", "eu"] } },
  target: { kind: "webhook", url: "https://example.com/hook" },
  delivery: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
});

const event = (type: string, data: unknown, stream = "order"): CloudEvent => ({
  specversion: "1.0", id: "e", source: "s", type, time: "2026-01-01T00:00:00Z", datacontenttype: "application/json", data, tenant: "t", stream, sequence: 1,
});

describe("delivery state", () => {
  it("starts where the subscription says", () => {
    expect(startCursor("earliest", 42)).toBe(0);
    expect(startCursor("latest", 42)).toBe(42);
    expect(startCursor({ sequence: 10 }, 42)).toBe(9);
  });

  it("wants events that match a pattern, the stream and the data filter", () => {
    expect(wants(spec, event("order.created", { region: "us" }))).toBe(true);
    expect(wants(spec, event("order.created", { region: "ap" }))).toBe(false);
    expect(wants(spec, event("order.line.added", { region: "us" }))).toBe(false);
    expect(wants({ ...spec, stream: "other" }, event("order.created", { region: "us" }))).toBe(false);
    expect(wants({ ...spec, filter: { data: { "customer.tier": "gold" } } }, event("order.created", { customer: { tier: "gold" } }))).toBe(true);
  });

  it("advances on success and skip, counting only deliveries", () => {
    const s = delivered(skipped(initialDelivery("sub", 0, 0), 1), 2, 5);
    expect(s).toMatchObject({ cursor: 2, delivered: 1, attempts: 0 });
  });

  it("backs off exponentially, then dead-letters and moves on after maxAttempts", () => {
    let state = initialDelivery("sub", 0, 0);
    const first = failed(state, 1, "503", spec.delivery, 1_000, () => 0.999);
    expect(first.deadLetter).toBe(false);
    expect(first.state).toMatchObject({ cursor: 0, attempts: 1, lastError: { message: "503", sequence: 1 } });
    expect(first.state.dueAt - 1_000).toBeGreaterThanOrEqual(50);
    expect(first.state.dueAt - 1_000).toBeLessThanOrEqual(100);
    state = failed(first.state, 1, "503", spec.delivery, 2_000, () => 0.999).state;
    expect(state.dueAt - 2_000).toBeLessThanOrEqual(200);
    expect(state.dueAt - 2_000).toBeGreaterThanOrEqual(100);
    const last = failed(state, 1, "503", spec.delivery, 3_000, () => 0);
    expect(last.deadLetter).toBe(true);
    expect(last.state).toMatchObject({ cursor: 1, attempts: 0, deadLetters: 1 });
  });
});
