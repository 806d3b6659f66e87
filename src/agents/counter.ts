// The `counter` demo agent: the smallest useful agent, and the one the benchmarks and
// the crash tests count with (an acknowledged increment must never be lost).
import { z } from "zod";
import { ActionError } from "../platform/agent/action-error.ts";
import { defineAgent } from "../platform/agent/define-agent.ts";

export const counterAgent = defineAgent({
  name: "counter",
  version: "1.0.0",
  description: "Keeps a running total.",
  capabilities: { counting: true },
  resources: { memory: "16MB", cpu: 0.1, storage: "1MB" },
  state: { schema: z.strictObject({ value: z.number().int() }), initial: { value: 0 } },
  actions: (action) => ({
    increment: action({
      description: "Adds `by` (an integer, may be negative) to the total and answers the new total.",
      input: z.strictObject({ by: z.number().int() }),
      output: z.strictObject({ value: z.number().int() }),
      run: ({ by }, ctx) => {
        const value = ctx.state.value + by;
        if (!Number.isSafeInteger(value)) {
          throw new ActionError("out_of_range", `The total would leave the safe integer range (${ctx.state.value} + ${by}).`);
        }
        return { result: { value }, state: { value } };
      },
    }),
  }),
});
