// The exactly-once check of the workflow benchmark: each effect of a completed order run
// happened once, as the counters of the run's own agents show.
import { type Client, describe } from "../lib/http.ts";
import type { RunView } from "./runs.ts";

const agentState = async (client: Client, id: string): Promise<Record<string, number> | string> => {
  const reply = await client.get(`/v1/agents/${encodeURIComponent(id)}`);
  if (reply.status !== 200) return describe(reply);
  return (JSON.parse(reply.body) as { state: Record<string, number> }).state;
};

/** Each effect of a completed order run happened once: the run's own agents' counters. */
export const checkEffects = async (client: Client, run: RunView): Promise<string | null> => {
  const [validator] = run.bindings.validator ?? [];
  const [p1, p2] = run.bindings.processor ?? [];
  const [notifier] = run.bindings.notifier ?? [];
  if (!validator || !p1 || !p2 || !notifier) return `${run.id}: bindings ${JSON.stringify(run.bindings)}`;
  const expected: [string, Record<string, number>][] = [
    [validator, { validated: 1 }],
    [p1, { reserved: 1, fulfilled: 1, charged: 0, released: 0 }],
    [p2, { charged: 1, refunded: 0 }],
    [notifier, { confirmations: 1, failures: 0 }],
  ];
  for (const [agent, want] of expected) {
    const state = await agentState(client, agent);
    if (typeof state === "string") return `${agent}: ${state}`;
    for (const [key, value] of Object.entries(want)) if (state[key] !== value) return `${agent}: ${key} = ${state[key]}, expected ${value}`;
  }
  return null;
};
