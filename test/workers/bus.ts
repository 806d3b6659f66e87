// Helpers of the event-bus tests: a client acting as one tenant (each test takes a
// fresh tenant, so its streams and subscriptions are its own), publishing, reading a
// stream back whole, subscriptions, bounded polling, and holding a stream object
// (its input gate closed) so appends to it wait until the test releases it.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { streamObjectName } from "../../src/platform/events/naming.ts";
import { type Body, type Reply, toReply } from "./http.ts";
import { adminOf, newTenant } from "./tokens.ts";
import { eventually } from "./eventually.ts";

export type Bus = {
  tenant: string;
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
};

/** A client with an admin token of a fresh tenant (or of `tenant`). */
export const busClient = async (tenant = newTenant("bus")): Promise<Bus> => {
  const auth = await adminOf(tenant);
  const fetch = (path: string, init: RequestInit = {}) =>
    SELF.fetch(`http://localhost${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    toReply(
      await fetch(path, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    );
  return { tenant, send, fetch };
};

/** Publishes one event or a batch and asserts 201; answers the items. */
export const publish = async (bus: Bus, events: unknown): Promise<{ id: string; stream: string; sequence: number; duplicate: boolean }[]> => {
  const reply = await bus.send("POST", "/v1/events", events);
  expect(reply.status, reply.text).toBe(201);
  return reply.body.items;
};

/** An event of `type` with `data`, from the tests. */
export const event = (type: string, data: unknown = {}, extra: Record<string, unknown> = {}) => ({ source: "test/bus", type, data, ...extra });

/** Every event of a stream, read page by page through `next`. */
export const readAll = async (bus: Bus, stream: string): Promise<Body[]> => {
  const events: Body[] = [];
  let from: number | null = 1;
  for (let page = 0; from !== null && page < 100; page++) {
    const reply = await bus.send("GET", `/v1/streams/${stream}/events?from=${from}&limit=1000`);
    expect(reply.status, reply.text).toBe(200);
    events.push(...reply.body.items);
    from = reply.body.next;
  }
  return events;
};

export const info = async (bus: Bus, stream: string): Promise<Body> => {
  const reply = await bus.send("GET", `/v1/streams/${stream}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};

/** Creates a subscription and asserts 201; answers it. */
export const subscribe = async (bus: Bus, spec: Record<string, unknown>): Promise<Body> => {
  const reply = await bus.send("POST", "/v1/subscriptions", spec);
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

export const subscription = async (bus: Bus, id: string): Promise<Body> => {
  const reply = await bus.send("GET", `/v1/subscriptions/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};

/** Spawns an agent of the bus's tenant and asserts 201. */
export const spawnIn = async (bus: Bus, type: string, id: string, state?: unknown): Promise<Body> => {
  const reply = await bus.send("POST", "/v1/agents", state === undefined ? { type, id } : { type, id, state });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

export const agentOf = async (bus: Bus, id: string): Promise<Body> => {
  const reply = await bus.send("GET", `/v1/agents/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};

export { eventually };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stub of a tenant's stream object. */
export const streamStub = (tenant: string, stream: string) => env.STREAMS.get(env.STREAMS.idFromName(streamObjectName(tenant, stream)));

const holds = new Set<string>();
const holding = new Set<string>();

/**
 * Closes the input gate of a tenant's stream object until the answered function is
 * called (or about 20 s pass): appends to it wait meanwhile, so events an agent emits
 * stay in its outbox, deterministically. Releasing answers once the object is open again.
 */
export const holdStream = (tenant: string, stream: string): Promise<() => Promise<void>> => holdObject(streamStub(tenant, stream), `stream ${stream}`);

/** Closes the input gate of any object, as holdStream does for a stream. */
export const holdObject = async (stub: DurableObjectStub, what: string): Promise<() => Promise<void>> => {
  const token = crypto.randomUUID();
  holds.add(token);
  const held = runInDurableObject(stub, (_instance, state) =>
    state.blockConcurrencyWhile(async () => {
      holding.add(token);
      for (let i = 0; i < 2_000 && holds.has(token); i++) await pause(10);
      holding.delete(token);
    }),
  );
  for (let i = 0; i < 500 && !holding.has(token); i++) await pause(10);
  expect(holding.has(token), `${what} held`).toBe(true);
  return async () => {
    holds.delete(token);
    await held;
  };
};

/** The events of `stream` an agent appended (source `agent/<type>/<id>`), in stream order. */
export const agentEvents = async (bus: Bus, stream: string, type: string, id: string): Promise<Body[]> =>
  (await readAll(bus, stream)).filter((e: Body) => e.source === `agent/${type}/${id}`);

/** Waits until the agent's outbox is empty, then answers its events on `stream`. */
export const drained = async (bus: Bus, stream: string, type: string, id: string, count: number): Promise<Body[]> => {
  await eventually(`agent ${id}'s outbox to drain`, () => agentOf(bus, id), (agent) => agent.outbox.pending === 0);
  return eventually(`${count} events of ${id} on ${stream}`, () => agentEvents(bus, stream, type, id), (events) => events.length >= count);
};

/**
 * Runs a delivery pass of a tenant's stream to its end, as its alarm does: answers once
 * every subscription and replay has delivered what it can (or is waiting for a retry).
 */
export const sweepNow = (tenant: string, stream: string): Promise<void> =>
  runInDurableObject(streamStub(tenant, stream), (instance) => (instance as unknown as { alarm(): Promise<void> }).alarm());
