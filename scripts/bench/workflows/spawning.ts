// The workflow benchmark measures runs that spawn their own agents, as the built-in
// order_processing did before runs bound discovered agents: it registers
// order_processing@1.0.1, the built-in with `spawn: true` on every role, which runs then
// start (the latest version). The exactly-once check reads each run's own agents.
import { type Client, describe } from "../lib/http.ts";

export const registerSpawningOrder = async (client: Client): Promise<void> => {
  const reply = await client.get("/v1/workflows/order_processing");
  if (reply.status !== 200) throw new Error(`order_processing: ${describe(reply)}`);
  const builtin = (JSON.parse(reply.body) as { latest: { participants: Record<string, Record<string, unknown>> } }).latest;
  const participants = Object.fromEntries(Object.entries(builtin.participants).map(([role, participant]) => [role, { ...participant, spawn: true }]));
  const registered = await client.post("/v1/workflows", { ...builtin, version: "1.0.1", participants });
  if (registered.status !== 201 && registered.status !== 200) throw new Error(`registering order_processing@1.0.1: ${describe(registered)}`);
};
