// The one environment type that flows through the app, its routes and middleware:
// the Worker's bindings and the per-request variables middleware establishes.
import type { AgentObjectClass } from "../objects/agent.ts";

export type Bindings = {
  AGENTS: DurableObjectNamespace<InstanceType<AgentObjectClass>>;
};

export type Variables = {
  /** The tenant every storage name of this request is scoped to. */
  tenant: string;
  requestId: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
