// Type tests: an action's `run` sees its input and the agent's state typed from the
// zod schemas, and must return a result of the output schema's type.
import { expectTypeOf, test } from "vitest";
import { z } from "zod";
import { defineAgent } from "./define-agent.ts";

test("run is typed from the schemas", () => {
  defineAgent({
    name: "typed",
    version: "1.0.0",
    state: { schema: z.object({ total: z.number() }), initial: { total: 0 } },
    actions: (action) => ({
      add: action({
        input: z.object({ amount: z.number() }),
        output: z.object({ total: z.number() }),
        run: (input, ctx) => {
          expectTypeOf(input).toEqualTypeOf<{ amount: number }>();
          expectTypeOf(ctx.state).toEqualTypeOf<{ total: number }>();
          return { result: { total: ctx.state.total + input.amount } };
        },
      }),
    }),
  });
});

test("a result of the wrong type does not compile", () => {
  defineAgent({
    name: "typed_wrong",
    version: "1.0.0",
    state: { schema: z.object({ total: z.number() }), initial: { total: 0 } },
    actions: (action) => ({
      add: action({
        input: z.object({ amount: z.number() }),
        output: z.object({ total: z.number() }),
        // @ts-expect-error `total` must be a number
        run: () => ({ result: { total: "many" } }),
      }),
    }),
  });
});
