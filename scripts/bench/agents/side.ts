// One system under test in the agent benchmark (the platform's `counter` agent, or the
// bare counter object): its server, a client, and how it spells spawn and increment;
// and how their replies count as outcomes.
import { type Client, describe, type Reply } from "../lib/http.ts";
import type { BenchServer } from "../lib/servers.ts";
import { type SideName, sideClient } from "../lib/sides.ts";
import type { Outcome } from "../lib/stats.ts";

export type Side = {
  name: SideName;
  server: BenchServer;
  client: Client;
  spawn(id: string): Promise<Reply>;
  increment(id: string, by: number): Promise<Reply>;
};

export const makeSide = async (name: SideName, server: BenchServer): Promise<Side> => {
  const side: Side = {
    name,
    server,
    client: await sideClient(name, server, 64),
    spawn: (id) =>
      name === "platform" ? side.client.post("/v1/agents", { type: "counter", id }) : side.client.post("/counters", { id }),
    increment: (id, by) =>
      side.client.post(name === "platform" ? `/v1/agents/${encodeURIComponent(id)}/actions/increment` : `/counters/${encodeURIComponent(id)}/increment`, { by }),
  };
  return side;
};

/** After a restart: pooled sockets point at the dead process. */
export const renewClient = async (side: Side): Promise<void> => {
  side.client.close();
  side.client = await sideClient(side.name, side.server, 64);
};

export const spawnOutcome = (reply: Reply): Outcome =>
  reply.status >= 200 && reply.status < 300 ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: describe(reply) };

/** The value an increment answered, or undefined if the reply is not a 200 {value: integer}. */
export const valueOf = (reply: Reply): number | undefined => {
  if (reply.status !== 200) return undefined;
  try {
    const body = JSON.parse(reply.body) as { value?: unknown };
    return typeof body.value === "number" && Number.isInteger(body.value) ? body.value : undefined;
  } catch {
    return undefined;
  }
};

export const incrementOutcome = (reply: Reply): Outcome =>
  valueOf(reply) !== undefined ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: describe(reply) };
