// Reaching agent objects directly from the integration tests: the stub of an agent's
// Durable Object, eviction (a restart that keeps storage), code run inside the object,
// and the gates of the `flaky.block` action.
import { env, runInDurableObject } from "cloudflare:test";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { gates } from "./test-agents.ts";
import { createAgentStore } from "../../objects/agent/store.ts";

import { TENANT } from "./tokens.ts";

export { TENANT };

export const agentStub = (id: string) => env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(TENANT, id)));

/** Runs `fn` inside the agent's object, with its storage. */
export const inObject = <R>(id: string, fn: (state: DurableObjectState) => R | Promise<R>): Promise<R> =>
  runInDurableObject(agentStub(id), (_instance, state) => fn(state));

/** The agent's stored meta record, read as the object reads it. */
export const storedMeta = (state: DurableObjectState) => createAgentStore(state.storage).readMeta();

/**
 * Evicts the agent's object: its in-memory instance is thrown away and the next
 * request builds a new one from storage, as after a crash or a deploy.
 */
export const evict = async (id: string): Promise<void> => {
  await inObject(id, (state) => state.abort("evicted by test")).catch(() => undefined);
};

/** Polls `check` until it holds; gives up (throws) after `tries` polls. */
export const until = async (what: string, check: () => boolean | Promise<boolean>, tries = 1_000): Promise<void> => {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
};

/** Whether a `flaky.block` call on `gate` is running (and waiting for its gate). */
export const gateWaiting = (gate: string): boolean => gates.has(gate);

/**
 * Opens a gate of a running `block` call. The resolver belongs to the object's I/O
 * context, so it is called from inside the object.
 */
export const openGate = async (id: string, gate: string): Promise<void> => {
  await until(`gate ${gate}`, () => gates.has(gate));
  await inObject(id, () => {
    const open = gates.get(gate);
    gates.delete(gate);
    open?.();
  });
};
