// Type tests: the client refuses, at compile time, an unknown action or a wrong input,
// and types each action's result from the agent's definition.
import { expectTypeOf, test } from "vitest";
import { counterAgent } from "../agents/counter.ts";
import { dataProcessorAgent } from "../agents/data-processor/agent.ts";
import type { CloudEvent } from "../platform/events/cloud-event.ts";
import { createClient } from "./index.ts";

const client = createClient({ baseUrl: "http://127.0.0.1:8787" });

test("an action's input and result are typed by its definition", () => {
  const counter = client.agent(counterAgent, "c1");
  expectTypeOf(counter.call("increment", { by: 1 })).resolves.toEqualTypeOf<{ value: number }>();
  expectTypeOf(client.agent(dataProcessorAgent, "p1").call).parameter(0).toEqualTypeOf<"process_stream">();
});

test("a wrong input type does not compile", () => {
  const counter = client.agent(counterAgent, "c1");
  // @ts-expect-error `by` must be a number
  void counter.call("increment", { by: "1" });
  // @ts-expect-error `by` is required
  void counter.call("increment", {});
  // @ts-expect-error there is no action `decrement`
  void counter.call("decrement", { by: 1 });
});

test("spawn takes the type's state", () => {
  expectTypeOf(client.spawn).toBeFunction();
  // @ts-expect-error the counter's state has no `count`
  void client.spawn(counterAgent, { state: { count: 1 } });
});

test("the API by name is typed by the platform's views", () => {
  expectTypeOf(client.runs.get("run_1")).resolves.toHaveProperty("steps");
  expectTypeOf(client.agents.get("c1")).resolves.toHaveProperty("counters");
  expectTypeOf(client.events.tail("order")).toEqualTypeOf<AsyncGenerator<CloudEvent>>();
  expectTypeOf(client.runs.watch("run_1")).toEqualTypeOf<AsyncGenerator<CloudEvent>>();
  // @ts-expect-error a run's status is one of the platform's
  void client.runs.list({ status: "done" });
});
