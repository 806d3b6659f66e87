// How a route reaches one agent: the tenant-scoped object name, a fresh stub per
// attempt, and the transient-fault retry of `callDurable`.
import type { Context } from "hono";
import type { AgentObjectStub } from "../../objects/agent.ts";
import { agentObjectName } from "../platform/agent/naming.ts";
import type { AgentAddress } from "../platform/agent/rpc.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { callDurable } from "./durable.ts";

export type AgentAccess = {
  at: AgentAddress;
  invoke<T>(operation: string, fn: (stub: AgentObjectStub, at: AgentAddress) => Promise<Result<T>>): Promise<T>;
};

export const agentAccess = (c: Context<AppEnv>, id: string, telemetry: Telemetry): AgentAccess => {
  const at = { tenant: c.get("tenant"), id };
  const namespace = c.env.AGENTS;
  const objectId = namespace.idFromName(agentObjectName(at.tenant, id));
  return {
    at,
    invoke: (operation, fn) => callDurable(`agent.${operation}`, () => fn(namespace.get(objectId) as unknown as AgentObjectStub, at), telemetry),
  };
};
