// How a route reaches one agent: the tenant-scoped object name, a fresh stub per
// attempt, and the transient-fault retry of `callDurable`.
import type { Context } from "hono";
import type { AgentStub } from "../../objects/agent/index.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { agentObjectName } from "../platform/agent/naming.ts";
import type { AgentAddress } from "../platform/agent/rpc.ts";
import type { Caller } from "../platform/security/caller.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { callDurable } from "../platform/durable-call.ts";
import { traceCarrier } from "../platform/telemetry/spans.ts";

export type { AgentStub };

export type AgentAccess = {
  at: AgentAddress;
  invoke<T>(operation: string, fn: (stub: AgentStub, at: AgentAddress, caller: Caller, attempt: number) => Promise<Result<T>>): Promise<T>;
};

/** The request's principal as a caller objects can check capabilities against. */
export const principalCaller = (c: Context<AppEnv>): Caller => {
  const principal = c.get("principal");
  return { kind: "principal", subject: principal.subject, tenant: principal.tenant, grants: principal.grants, token: principal.token };
};

/**
 * `locationHint` is passed to the runtime with every stub; it only matters on the request
 * that creates the object (a spawn or restore), which is where routes give it.
 */
export const agentAccess = (c: Context<AppEnv>, id: string, telemetry: Telemetry, options: { locationHint?: DurableObjectLocationHint | undefined } = {}): AgentAccess => {
  const at = { tenant: c.get("tenant"), id };
  const namespace = c.env.AGENTS;
  const objectId = namespace.idFromName(agentObjectName(at.tenant, id));
  const caller = principalCaller(c);
  return {
    at,
    invoke: (operation, fn) =>
      callDurable(`agent.${operation}`, (attempt) => fn(typedStub(options.locationHint === undefined ? namespace.get(objectId) : namespace.get(objectId, { locationHint: options.locationHint })), { ...at, trace: traceCarrier() }, caller, attempt), telemetry),
  };
};
