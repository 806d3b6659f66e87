// ValidationAgent of the seed's order workflow: validates an order and counts what it
// validated (so tests can see each step's effect happened exactly once).
import { z } from "zod";
import { ActionError } from "../../platform/agent/action-error.ts";
import { defineAgent } from "../../platform/agent/define-agent.ts";

export const validationAgent = defineAgent({
  name: "validation_agent",
  version: "1.0.0",
  description: "Validates orders",
  capabilities: { validation: ["order"], region: "us" },
  state: { schema: z.strictObject({ validated: z.number().int() }), initial: { validated: 0 } },
  actions: (action) => ({
    validate: action({
      description: "Checks an order; refuses it with `validation_failed`.",
      input: z.strictObject({ order_id: z.string().min(1), amount: z.number(), items: z.number().int() }),
      output: z.strictObject({ valid: z.literal(true), order_id: z.string() }),
      run: ({ order_id, amount, items }, ctx) => {
        if (amount <= 0 || items <= 0) throw new ActionError("validation_failed", `Order ${order_id} needs a positive amount and items.`);
        return { result: { valid: true as const, order_id }, state: { validated: ctx.state.validated + 1 } };
      },
    }),
  }),
});
