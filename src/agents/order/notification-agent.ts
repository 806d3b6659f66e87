// NotificationAgent of the seed's order workflow: confirmations, failure notices and
// operator alerts, each counted.
import { z } from "zod";
import { defineAgent } from "../../platform/agent/define-agent.ts";

const sent = z.strictObject({ confirmations: z.number().int(), failures: z.number().int(), alerts: z.number().int() });
const message = z.strictObject({ order_id: z.string().min(1) });

export const notificationAgent = defineAgent({
  name: "notification_agent",
  version: "1.0.0",
  description: "Notifies customers and operators",
  capabilities: { notification: ["email", "pager"] },
  state: { schema: sent, initial: { confirmations: 0, failures: 0, alerts: 0 } },
  actions: (action) => ({
    send_confirmation: action({
      input: message,
      output: z.strictObject({ sent: z.literal(true) }),
      run: (_input, ctx) => {
        ctx.emit("notification.sent", { kind: "confirmation" });
        return { result: { sent: true as const }, state: { ...ctx.state, confirmations: ctx.state.confirmations + 1 } };
      },
    }),
    notify_failure: action({
      input: message,
      output: z.strictObject({ sent: z.literal(true) }),
      run: (_input, ctx) => ({ result: { sent: true as const }, state: { ...ctx.state, failures: ctx.state.failures + 1 } }),
    }),
    alert_operator: action({
      input: message,
      output: z.strictObject({ alerted: z.literal(true) }),
      run: (_input, ctx) => ({ result: { alerted: true as const }, state: { ...ctx.state, alerts: ctx.state.alerts + 1 } }),
    }),
  }),
});
