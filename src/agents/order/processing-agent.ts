// ProcessingAgent of the seed's order workflow: inventory, payment (the run input says
// whether it succeeds, is declined, fails or hangs past the step's timeout), refunds,
// fulfilment, cancellation.
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
  /** Orders charged and not refunded (the latest OPEN_CHARGES_KEPT): a refund decides from this, not from the step's output. */
  open_charges: z.array(z.string()).max(10_000),
});

/**
 * How many charges an agent remembers for refunds, the newest: a run's compensation comes
 * within its run (seconds to minutes after the charge), so an agent would have to take more
 * than this many charges in that time to forget one. Unbounded, the list grew with every
 * payment: each call read, checked and wrote it whole, and the 10,001st charge broke the
 * state's schema, failing every later payment of a long-lived agent.
 */
export const OPEN_CHARGES_KEPT = 1_000;

/** `open` with `orderId` charged: the newest OPEN_CHARGES_KEPT (an older state may hold more until its next charge). */
export const withCharge = (open: readonly string[], orderId: string): string[] => [...open.slice(-(OPEN_CHARGES_KEPT - 1)), orderId];
type Counts = z.output<typeof counts>;
type Counter = Exclude<keyof Counts, "open_charges">;

const order = z.strictObject({ order_id: z.string().min(1) });
const compensationInput = z.strictObject({ step: z.string(), output: z.unknown(), input: z.unknown() });
const bump = (state: Counts, key: Counter): Counts => ({ ...state, [key]: state[key] + 1 });
const orderOf = (input: unknown): string | null => {
  const id = (input as { order_id?: unknown } | null)?.order_id;
  return typeof id === "string" ? id : null;
};

/**
 * How long a `hang` payment takes by default: past order_processing's 30 s step timeout,
 * so its run shows the step timing out, `on_timeout` and the refund of the late charge.
 * A definition may pass `hang_ms` (tests do, with a shorter step timeout of their own).
 */
export const HANG_MS = 35_000;
const MAX_HANG_MS = 60_000;

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
      description: "payment: succeed, decline (success false), fail (payment_failed) or hang (then succeed after hang_ms, default 35 s)",
      input: order.extend({
        amount: z.number().positive(),
        payment: z.enum(["succeed", "decline", "fail", "hang"]),
        hang_ms: z.number().int().min(0).max(MAX_HANG_MS).optional(),
      }),
      output: z.strictObject({ success: z.boolean(), charge_id: z.string().nullable() }),
      // Longer than any hang: the charge goes through late, as a slow provider's would.
      timeout: MAX_HANG_MS + 5_000,
      run: async ({ order_id, payment, hang_ms }, ctx) => {
        if (payment === "fail") throw new ActionError("payment_failed", `The payment for ${order_id} failed.`);
        if (payment === "hang") await new Promise((resolve) => setTimeout(resolve, hang_ms ?? HANG_MS));
        if (payment === "decline") return { result: { success: false, charge_id: null } };
        const charged = bump(ctx.state, "charged");
        return { result: { success: true, charge_id: `ch_${order_id}` }, state: { ...charged, open_charges: withCharge(charged.open_charges, order_id) } };
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
