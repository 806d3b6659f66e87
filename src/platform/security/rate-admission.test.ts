import { describe, expect, it } from "vitest";
import { createRateAdmission, type LeaseGrant } from "./rate-admission.ts";

/** A clock, timers the test releases by hand, and leases the test answers by hand. */
const harness = () => {
  let t = 0;
  const timers: Array<() => void> = [];
  const leases: Array<{ wanted: number; answer: (grant: LeaseGrant) => void }> = [];
  const admit = createRateAdmission({
    leaseMs: 1_000,
    maxKeys: 10,
    waitMs: 5,
    maxWaits: 40,
    now: () => t,
    sleep: () => new Promise<void>((resolve) => timers.push(resolve)),
  });
  const lease = (wanted: number) => new Promise<LeaseGrant>((answer) => leases.push({ wanted, answer }));
  const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  return {
    admit: (rate = 1_000_000) => admit("tenant/token", rate, lease),
    leases,
    set: (ms: number) => void (t = ms),
    fireTimers: () => timers.splice(0).forEach((fire) => fire()),
    settle,
  };
};

describe("rate admission", () => {
  it("admits from one batch, asking the token's object once for a tenth of a second's allowance", async () => {
    const h = harness();
    const first = h.admit();
    await h.settle();
    expect(h.leases.map((l) => l.wanted)).toEqual([100_000]);
    h.leases[0]!.answer({ granted: 100_000, retryAfterMs: 0 });
    expect(await first).toEqual({ admitted: true });
    expect(await h.admit()).toEqual({ admitted: true });
    expect(h.leases).toHaveLength(1);
  });

  it("refuses when the object grants nothing, with its retry time", async () => {
    const h = harness();
    const refused = h.admit(10);
    await h.settle();
    h.leases[0]!.answer({ granted: 0, retryAfterMs: 250 });
    expect(await refused).toEqual({ admitted: false, retryAfterMs: 250 });
  });

  it("a request whose timer fires after another's batch ran out renews, not refuses", async () => {
    const h = harness();
    const renewing = h.admit();
    const waiting = h.admit();
    await h.settle();
    expect(h.leases).toHaveLength(1); // the second waits on its own timer for the first's renewal
    h.leases[0]!.answer({ granted: 100_000, retryAfterMs: 0 });
    expect(await renewing).toEqual({ admitted: true });
    // The waiting request's 5 ms timer fires 1.5 s late, after that batch's lease ran out.
    h.set(1_500);
    h.fireTimers();
    await h.settle();
    expect(h.leases).toHaveLength(2);
    h.leases[1]!.answer({ granted: 100_000, retryAfterMs: 0 });
    expect(await waiting).toEqual({ admitted: true });
  });

  it("a waiting request spends from the batch another request's renewal brought", async () => {
    const h = harness();
    const renewing = h.admit();
    const waiting = h.admit();
    await h.settle();
    h.leases[0]!.answer({ granted: 2, retryAfterMs: 0 });
    await renewing;
    h.fireTimers();
    expect(await waiting).toEqual({ admitted: true });
    expect(h.leases).toHaveLength(1);
  });

  it("at the limit, a batch spent by others before a waiting request gets to it ends in a refusal once the object grants nothing", async () => {
    const h = harness();
    const renewing = h.admit(10);
    const waiting = h.admit(10);
    await h.settle();
    h.leases[0]!.answer({ granted: 1, retryAfterMs: 0 });
    expect(await renewing).toEqual({ admitted: true });
    h.fireTimers();
    await h.settle();
    expect(h.leases).toHaveLength(2);
    h.leases[1]!.answer({ granted: 0, retryAfterMs: 100 });
    expect(await waiting).toEqual({ admitted: false, retryAfterMs: 100 });
  });
});
