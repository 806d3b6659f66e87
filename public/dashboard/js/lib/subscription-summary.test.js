import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deadLetterStream as platformDeadLetterStream } from "../../../../src/platform/events/subscription.ts";
import { deadLetterStream, knownStreams, laggiest, subscriptionSummary } from "./subscription-summary.js";

const status = (over) => ({ stream: "order", cursor: 3, last: 5, lag: 2, delivered: 3, deadLetters: 0, attempts: 0, nextAttemptAt: null, lastError: null, skipped: [], ...over });
const view = {
  id: "count-orders", status: "paused", suspended: null, patterns: ["order.created"],
  target: { kind: "agent", agent: "orders", action: "increment" },
  streams: [
    status({ lastError: { at: "2026-11-28T10:00:00.000Z", message: "old", sequence: 2 } }),
    status({ stream: "billing", lag: 5, deadLetters: 2, lastError: { at: "2026-11-28T11:00:00.000Z", message: "agent answered 422", sequence: 9 } }),
  ],
};

describe("subscriptionSummary", () => {
  it("totals lag and dead letters over the streams and keeps the latest error with its stream", () => {
    const s = subscriptionSummary(view);
    expect(s).toMatchObject({ id: "count-orders", status: "paused", lag: 7, deadLetters: 2, delivered: 6, target: "agent orders . increment", deadLetterStream: "dlq.count-orders" });
    expect(s.lastError).toEqual({ at: "2026-11-28T11:00:00.000Z", message: "agent answered 422", sequence: 9, stream: "billing" });
  });

  it("reads a subscription on no stream yet as caught up with no error", () => {
    expect(subscriptionSummary({ id: "a", target: { kind: "webhook", url: "https://x.example/h" } })).toMatchObject({ lag: 0, deadLetters: 0, lastError: null, target: "webhook https://x.example/h" });
  });
});

describe("deadLetterStream", () => {
  it("names the stream the platform writes dead letters to, for any id", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/);
    fc.assert(fc.property(id, (s) => deadLetterStream(s) === platformDeadLetterStream(s)));
    expect(deadLetterStream("Orders:EU")).toBe(platformDeadLetterStream("Orders:EU"));
  });
});

describe("laggiest and knownStreams", () => {
  const summaries = [
    subscriptionSummary({ id: "b", streams: [status({ lag: 4 })] }),
    subscriptionSummary({ id: "a", streams: [status({ lag: 4, stream: "pay" })] }),
    subscriptionSummary({ id: "c", streams: [status({ lag: 0, deadLetters: 1 })] }),
  ];

  it("orders the lagging by lag, then id, and leaves out the caught-up", () => {
    expect(laggiest(summaries, 5).map((s) => s.id)).toEqual(["a", "b"]);
    expect(laggiest(summaries, 1).map((s) => s.id)).toEqual(["a"]);
  });

  it("lists the streams read, dead-letter streams with letters, and the extras, once each", () => {
    expect(knownStreams(summaries, ["audit", "order"])).toEqual(["audit", "dlq.c", "order", "pay"]);
  });
});
