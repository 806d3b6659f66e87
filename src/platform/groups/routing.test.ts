import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupFigure, type MemberInfo, pickMember, pickRetiree } from "./routing.ts";

const member = (seq: number, inFlight: number, over: Partial<MemberInfo> = {}): MemberInfo => ({
  id: `g.m${seq}`,
  seq,
  state: "active",
  healthy: true,
  load: { inFlight, queueLength: 0, errorRate: 0 },
  routed: 0,
  ...over,
});

describe("group routing", () => {
  it("picks the least-loaded healthy active member, counting calls routed since the last poll", () => {
    const members = [member(0, 3), member(1, 1), member(2, 0, { healthy: false }), member(3, 0, { state: "draining" })];
    expect(pickMember(members)?.id).toBe("g.m1");
    expect(pickMember([member(0, 1), member(1, 0, { routed: 2 })])?.id).toBe("g.m0");
    expect(pickMember(members, new Set(["g.m1"]))?.id).toBe("g.m0");
    expect(pickMember([member(0, 0, { state: "retired" })])).toBeNull();
  });

  it("never picks a member another one is less loaded than", () => {
    const arb = fc.array(fc.record({ inFlight: fc.nat(20), routed: fc.nat(20), healthy: fc.boolean() }), { maxLength: 20 });
    fc.assert(
      fc.property(arb, (rows) => {
        const members = rows.map((r, seq) => member(seq, r.inFlight, { routed: r.routed, healthy: r.healthy }));
        const picked = pickMember(members);
        const healthy = members.filter((m) => m.healthy);
        if (healthy.length === 0) {
          expect(picked).toBeNull();
          return;
        }
        const load = (m: MemberInfo) => (m.load?.inFlight ?? 0) + m.routed;
        expect(picked).not.toBeNull();
        for (const m of healthy) expect(load(picked as MemberInfo)).toBeLessThanOrEqual(load(m));
      }),
    );
  });

  it("retires the least-loaded active member, the newest on a tie", () => {
    expect(pickRetiree([member(0, 0), member(1, 2), member(2, 0)])?.id).toBe("g.m2");
    expect(pickRetiree([member(0, 0, { state: "draining" })])).toBeNull();
  });

  it("averages the signal over the active members whose load was read", () => {
    const members = [member(0, 4), member(1, 2), member(2, 9, { state: "draining" }), member(3, 0, { load: null })];
    expect(groupFigure("in_flight", members)).toBe(3);
    expect(groupFigure("queue", members)).toBe(0);
    expect(groupFigure("in_flight", [member(0, 0, { load: null })])).toBeNull();
  });
});
