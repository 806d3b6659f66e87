import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SUSTAIN_MS } from "./limits.ts";
import { decideScale, type ScaleInput, type ScalePolicy } from "./scaling.ts";

const policy = (over: Partial<ScalePolicy> = {}): ScalePolicy => ({ min: 1, max: 10, scale: { on: "in_flight", target: 2, cooldownMs: 10_000 }, ...over });
const input = (over: Partial<ScaleInput> = {}): ScaleInput => ({
  now: 100_000,
  policy: policy(),
  active: 2,
  figure: 1,
  unserved: false,
  aboveSince: null,
  belowSince: null,
  lastScaleAt: null,
  ...over,
});

describe("decideScale", () => {
  it("grows only once the figure has stayed above the target for SUSTAIN_MS", () => {
    const first = decideScale(input({ figure: 5 }));
    expect(first).toMatchObject({ desired: 2, aboveSince: 100_000 });
    const early = decideScale(input({ figure: 5, aboveSince: 100_000, now: 100_000 + SUSTAIN_MS - 1 }));
    expect(early.desired).toBe(2);
    const sustained = decideScale(input({ figure: 5, aboveSince: 100_000, now: 100_000 + SUSTAIN_MS }));
    // 2 members at 5 in flight each, target 2: 10 / 2 = 5 members.
    expect(sustained.desired).toBe(5);
    expect(sustained.reason).toContain("above target 2");
    expect(sustained.aboveSince).toBeNull();
  });

  it("a dip below the target restarts the sustain period", () => {
    const dip = decideScale(input({ figure: 2, aboveSince: 100_000, now: 100_000 + SUSTAIN_MS }));
    expect(dip).toMatchObject({ desired: 2, aboveSince: null });
  });

  it("shrinks by one when one member fewer would stay under the target, sustained", () => {
    const low = input({ active: 4, figure: 0.5, belowSince: 100_000, now: 100_000 + SUSTAIN_MS });
    expect(decideScale(low).desired).toBe(3);
    // 3 members at 1.5 each: 4.5 over 2 members is 2.25, above the target: hold.
    expect(decideScale({ ...low, active: 3, figure: 1.5 }).desired).toBe(3);
  });

  it("waits for the cooldown after the last scaling", () => {
    const hot = input({ figure: 9, aboveSince: 0, now: 100_000, lastScaleAt: 95_000 });
    expect(decideScale(hot).desired).toBe(2);
    expect(decideScale({ ...hot, lastScaleAt: 90_000 }).desired).toBeGreaterThan(2);
  });

  it("restores min and max at once, whatever the cooldown", () => {
    expect(decideScale(input({ active: 0, policy: policy({ min: 3 }), lastScaleAt: 100_000 })).desired).toBe(3);
    expect(decideScale(input({ active: 12, lastScaleAt: 100_000 })).desired).toBe(10);
  });

  it("starts one member of an empty group when calls found none", () => {
    const empty = input({ active: 0, figure: null, policy: policy({ min: 0 }) });
    expect(decideScale(empty).desired).toBe(0);
    expect(decideScale({ ...empty, unserved: true }).desired).toBe(1);
  });

  it("compares an error rate as it is", () => {
    const errors = policy({ scale: { on: "error_rate", target: 0.2, cooldownMs: 1_000 } });
    expect(decideScale(input({ policy: errors, figure: 0.5, aboveSince: 0 })).desired).toBe(3);
    expect(decideScale(input({ policy: errors, figure: 0.1, belowSince: 0 })).desired).toBe(1);
  });

  const arbitraryInput = fc.record({
    now: fc.integer({ min: 0, max: 1e9 }),
    min: fc.integer({ min: 0, max: 100 }),
    span: fc.integer({ min: 0, max: 100 }),
    active: fc.integer({ min: 0, max: 120 }),
    figure: fc.option(fc.double({ min: 0, max: 1000, noNaN: true })),
    target: fc.double({ min: 0.01, max: 100, noNaN: true }),
    on: fc.constantFrom("in_flight" as const, "queue" as const, "error_rate" as const),
    cooldownMs: fc.integer({ min: 1_000, max: 100_000 }),
    aboveAgo: fc.option(fc.integer({ min: 0, max: 100_000 })),
    belowAgo: fc.option(fc.integer({ min: 0, max: 100_000 })),
    scaledAgo: fc.option(fc.integer({ min: 0, max: 200_000 })),
    unserved: fc.boolean(),
  });
  type Drawn = typeof arbitraryInput extends fc.Arbitrary<infer T> ? T : never;
  const build = (a: Drawn): ScaleInput => ({
    now: a.now,
    policy: { min: a.min, max: Math.max(1, Math.min(100, a.min + a.span)), scale: { on: a.on, target: a.target, cooldownMs: a.cooldownMs } },
    active: a.active,
    figure: a.figure,
    unserved: a.unserved,
    aboveSince: a.aboveAgo === null ? null : a.now - a.aboveAgo,
    belowSince: a.belowAgo === null ? null : a.now - a.belowAgo,
    lastScaleAt: a.scaledAgo === null ? null : a.now - a.scaledAgo,
  });

  it("always answers a size within [min, max]", () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        const i = build(a);
        const d = decideScale(i);
        expect(d.desired).toBeGreaterThanOrEqual(Math.min(i.policy.min, i.policy.max));
        expect(d.desired).toBeLessThanOrEqual(i.policy.max);
      }),
    );
  });

  it("within [min, max], never changes the size inside the cooldown, nor without a sustained figure", () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        const i = build(a);
        if (i.active < i.policy.min || i.active > i.policy.max || i.active === 0) return;
        const d = decideScale(i);
        if (d.desired === i.active) return;
        expect(i.lastScaleAt === null || i.now - i.lastScaleAt >= i.policy.scale.cooldownMs).toBe(true);
        const since = d.desired > i.active ? i.aboveSince : i.belowSince;
        expect(since !== null && i.now - since >= SUSTAIN_MS).toBe(true);
        if (d.desired > i.active) expect(i.figure as number).toBeGreaterThan(i.policy.scale.target);
        else expect(d.desired).toBe(i.active - 1);
      }),
    );
  });
});
