// ProcessingAgent of the seed's order workflow: inventory, payment (the run input says
// whether it succeeds, is declined, fails or hangs), refunds, fulfilment, cancellation.
// Every effect is counted in its state.
import { z } from "zod";
import { ActionError } from "../../platform/agent/action-error.ts";
import { defineAgent } from "../../platform/agent/define-agent.ts";

const counts = z.strictObject({
  reserved: z.number().int(),
  released: z.number().int(),
  charged: z.number().int(),
  refunded: z.number().int(),
  fulfilled: z.number().int(),
  cancelled: z.number().int(),
  /** Orders charged and not refunded: a refund decides from this, not from the step's output. */
  open_charges: z.array(z.string()).max(10_000),
});
type Counts = z.output<typeof counts>;
type Counter = Exclude<keyof Counts, "open_charges">;

const order = z.strictObject({ order_id: z.string().min(1) });
const compensationInput = z.strictObject({ step: z.string(), output: z.unknown(), input: z.unknown() });
const bump = (state: Counts, key: Counter): Counts => ({ ...state, [key]: state[key] + 1 });
const orderOf = (input: unknown): string | null => {
  const id = (input as { order_id?: unknown } | null)?.order_id;
  return typeof id === "string" ? id : null;
};

/** How long a `hang` payment waits: longer than any sensible step timeout. */
const HANG_MS = 8_000;

export const processingAgent = defineAgent({
  name: "processing_agent",
  version: "1.0.0",
  description: "Reserves inventory, takes payments, fulfils and cancels orders",
  capabilities: { processing: ["orders", "payments"] },
  state: { schema: counts, initial: { reserved: 0, released: 0, charged: 0, refunded: 0, fulfilled: 0, cancelled: 0, open_charges: [] } },
  actions: (action) => ({
    check_inventory: action({
      input: order.extend({ items: z.number().int().min(1) }),
      output: z.strictObject({ reserved: z.number().int() }),
      run: ({ items }, ctx) => ({ result: { reserved: items }, state: bump(ctx.state, "reserved") }),
    }),
    release_inventory: action({
      input: compensationInput,
      output: z.strictObject({ released: z.literal(true) }),
      run: (_input, ctx) => ({ result: { released: true as const }, state: bump(ctx.state, "released") }),
    }),
    process_payment: action({
      description: "payment: succeed, decline (success false), fail (payment_failed) or hang",
      input: order.extend({ amount: z.number().positive(), payment: z.enum(["succeed", "decline", "fail", "hang"]) }),
      output: z.strictObject({ success: z.boolean(), charge_id: z.string().nullable() }),
      timeout: HANG_MS + 2_000,
      run: async ({ order_id, payment }, ctx) => {
        if (payment === "fail") throw new ActionError("payment_failed", `The payment for ${order_id} failed.`);
        if (payment === "hang") await new Promise((resolve) => setTimeout(resolve, HANG_MS));
        if (payment === "decline") return { result: { success: false, charge_id: null } };
        const charged = bump(ctx.state, "charged");
        return { result: { success: true, charge_id: `ch_${order_id}` }, state: { ...charged, open_charges: [...charged.open_charges, order_id] } };
      },
    }),
    refund_payment: action({
      description: "Refunds the order's charge if this agent holds one (a timed-out payment may have gone through).",
      input: compensationInput,
      output: z.strictObject({ refunded: z.boolean() }),
      run: (input, ctx) => {
        const order = orderOf(input.input);
        if (order === null || !ctx.state.open_charges.includes(order)) return { result: { refunded: false } };
        const refunded = bump(ctx.state, "refunded");
        return { result: { refunded: true }, state: { ...refunded, open_charges: refunded.open_charges.filter((id) => id !== order) } };
      },
    }),
    fulfill_order: action({
      input: order,
      output: z.strictObject({ fulfilled: z.literal(true) }),
      run: (_input, ctx) => ({ result: { fulfilled: true as const }, state: bump(ctx.state, "fulfilled") }),
    }),
    cancel_order: action({
      input: order,
      output: z.strictObject({ cancelled: z.literal(true) }),
      run: (_input, ctx) => ({ result: { cancelled: true as const }, state: bump(ctx.state, "cancelled") }),
    }),
  }),
});
