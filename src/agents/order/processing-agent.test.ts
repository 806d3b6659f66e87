import { describe, expect, it } from "vitest";
import { OPEN_CHARGES_KEPT, processingAgent, withCharge } from "./processing-agent.ts";


describe("processing agent's open charges", () => {
  it("keeps the newest OPEN_CHARGES_KEPT charges, so a long-lived agent's state stays bounded and valid", () => {
    let open: string[] = [];
    for (let i = 0; i < OPEN_CHARGES_KEPT + 20; i++) open = withCharge(open, `o-${i}`);
    expect(open).toHaveLength(OPEN_CHARGES_KEPT);
    expect(open[0]).toBe("o-20");
    expect(open.at(-1)).toBe(`o-${OPEN_CHARGES_KEPT + 19}`);
  });

  it("an older state holding more shrinks to the bound at its next charge", () => {
    const older = Array.from({ length: 10_000 }, (_, i) => `old-${i}`);
    const open = withCharge(older, "new");
    expect(open).toHaveLength(OPEN_CHARGES_KEPT);
    expect(open.at(-1)).toBe("new");
  });

  it("takes payments past 10,000 (the state schema's bound) and still refunds a recent one", async () => {
    const { process_payment: pay, refund_payment: refund } = processingAgent.actions;
    let state = processingAgent.initialState;
    for (let i = 0; i < 10_050; i++) {
      const outcome = (await pay.run({ order_id: `o-${i}`, amount: 1, payment: "succeed" }, { state } as never)) as { state: typeof state };
      state = outcome.state;
    }
    expect(state.charged).toBe(10_050);
    expect(processingAgent.stateSchema.safeParse(state).success).toBe(true);
    const refunded = (await refund.run({ step: "process_payment", output: null, input: { order_id: "o-10049" } }, { state } as never)) as { result: { refunded: boolean }; state: typeof state };
    expect(refunded.result).toEqual({ refunded: true });
    expect(refunded.state.open_charges).not.toContain("o-10049");
  });
});
