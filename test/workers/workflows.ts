// Helpers of the workflow tests: a client acting as one tenant (each test takes a fresh
// tenant, so its workflows, runs, agents and streams are its own), starting runs,
// reading them, waiting (bounded) for a run to reach a status, the state of the agents
// a run bound, seeding the agents runs discover, and the run's Coordinator stub (to fire its alarm).
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { eventually as poll } from "./eventually.ts";
import { expect } from "vitest";
import { runObjectName } from "../../src/platform/workflow/naming.ts";
import { runShardCount, runShardOf, runsIndexShardName } from "../../src/platform/workflow/run-shards.ts";
import { workflowShardStream } from "../../src/platform/events/reserved-streams.ts";
import { type Body, type Reply, toReply } from "./http.ts";
import { adminOf, newTenant } from "./tokens.ts";

export type Client = { tenant: string; send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> };

export const FINAL = ["completed", "failed", "compensated", "cancelled", "timed_out"];

/** A client with an admin token of a fresh tenant (or of `tenant`). */
export const clientOf = async (tenant = newTenant("wf")): Promise<Client> => {
  const auth = await adminOf(tenant);
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    toReply(
      await SELF.fetch(`http://localhost${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { tenant, send };
};

/** An order for the built-in workflow; `payment` decides how the payment goes. */
export const order = (payment: "succeed" | "decline" | "fail" | "hang", extra: Record<string, unknown> = {}) => ({
  order_id: `o-${crypto.randomUUID().slice(0, 8)}`,
  amount: 42,
  items: 2,
  payment,
  ...extra,
});

/** Starts a run of `name` and asserts 202; answers the run. */
export const startRun = async (client: Client, name: string, input: unknown, headers?: Record<string, string>): Promise<Body> => {
  const reply = await client.send("POST", `/v1/workflows/${name}/runs`, input, headers);
  expect(reply.status, reply.text).toBe(202);
  return reply.body;
};

/** Registers a definition and asserts 201. */
export const register = async (client: Client, definition: unknown): Promise<Body> => {
  const reply = await client.send("POST", "/v1/workflows", definition);
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

export const runOf = async (client: Client, id: string): Promise<Body> => {
  const reply = await client.send("GET", `/v1/runs/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};

/** Polls `read` until `check` holds (at most `tries` times, 20 ms apart); fails showing the last value. */
export const eventually = <T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, tries = 1_000): Promise<T> =>
  poll(what, read, check, tries, 20);

/** Waits until the run is final and answers it. */
export const finished = (client: Client, id: string): Promise<Body> => eventually(`run ${id} to finish`, () => runOf(client, id), (run) => FINAL.includes(run.status));

/** Waits until one of the run's steps has `status`. */
export const stepReaches = (client: Client, id: string, step: string, status: string): Promise<Body> =>
  eventually(`step ${step} of ${id} to be ${status}`, () => runOf(client, id), (run) => stepOf(run, step)?.status === status);

export const stepOf = (run: Body, name: string): Body => run.steps.find((s: Body) => s.name === name);

/** The state of an agent of the client's tenant. */
export const agentState = async (client: Client, id: string): Promise<Body> => {
  const reply = await client.send("GET", `/v1/agents/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.state;
};

/** The summed counters (numeric state fields) of every agent bound to `role` in the run. */
export const roleTotals = async (client: Client, run: Body, role: string): Promise<Record<string, number>> => {
  const totals: Record<string, number> = {};
  for (const id of run.bindings[role] as string[]) {
    for (const [key, value] of Object.entries(await agentState(client, id))) {
      if (typeof value === "number") totals[key] = (totals[key] ?? 0) + value;
    }
  }
  return totals;
};

/** The run's Coordinator object. */
export const runStub = (tenant: string, runId: string) => env.RUNS.get(env.RUNS.idFromName(runObjectName(tenant, runId)));

/** Fires the run's alarm now (deadlines past due are applied; nothing else is forced). */
export const fireAlarm = (tenant: string, runId: string): Promise<boolean> => runDurableObjectAlarm(runStub(tenant, runId));

/** The stream a run's transitions go to: `workflow.<k>`, k its shard (src/platform/workflow/run-shards.ts). */
export const workflowStreamOf = (runId: string): string => workflowShardStream(runShardOf(runId, runShardCount(env.JIDO_RUN_INDEX_SHARDS)));

/** The runs-index shard object a run is indexed in. */
export const indexShardStub = (tenant: string, runId: string) =>
  env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(tenant, runShardOf(runId, runShardCount(env.JIDO_RUN_INDEX_SHARDS)))));

/** Every event of the run's `workflow.<k>` stream about `runId`, in order. */
export const workflowEvents = async (client: Client, runId: string): Promise<Body[]> => {
  const events: Body[] = [];
  let from: number | null = 1;
  for (let page = 0; from !== null && page < 50; page++) {
    const reply = await client.send("GET", `/v1/streams/${workflowStreamOf(runId)}/events?from=${from}&limit=1000`);
    if (reply.status === 404) return [];
    expect(reply.status, reply.text).toBe(200);
    events.push(...reply.body.items);
    from = reply.body.next;
  }
  return events.filter((event) => event.subject === runId);
};

/**
 * Spawns `count` agents of `type` in the client's tenant (`<prefix>-1`...; an existing
 * one is kept) and waits until the directory lists them running: runs bind discovered
 * agents, and an agent registers a moment after its spawn is answered.
 */
export const seedAgents = async (client: Client, type: string, count: number, labels: Record<string, string> = {}, prefix: string = type): Promise<string[]> => {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  for (const id of ids) {
    const reply = await client.send("POST", "/v1/agents", { type, id, labels });
    expect([200, 201], reply.text).toContain(reply.status);
  }
  await eventually(
    `${ids.join(", ")} in the directory`,
    () => client.send("GET", `/v1/agents?type=${type}&status=running&limit=100`),
    (reply) => ids.every((id) => (reply.body.items ?? []).some((entry: Body) => entry.id === id)),
  );
  return ids;
};

/** What the built-in order_processing (and the approval examples) bind: a US validator, two US processors, a notifier. */
export const seedOrderAgents = async (client: Client): Promise<void> => {
  await seedAgents(client, "validation_agent", 1, { region: "us" });
  await seedAgents(client, "processing_agent", 2, { region: "us" });
  await seedAgents(client, "notification_agent", 1);
};

/** A client of a fresh tenant with the order workflow's agents seeded. */
export const orderClient = async (tenant?: string): Promise<Client> => {
  const client = await clientOf(tenant);
  await seedOrderAgents(client);
  return client;
};
