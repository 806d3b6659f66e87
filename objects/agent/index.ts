// The agent family: one Durable Object per agent, hosting every agent type of the
// deployment. The Worker builds the class for its registry and reaches agents through
// `DurableObjectStub<AgentObject>`, derived from the class.
export { type AgentLoad, type AgentObject, defineAgentObject } from "./agent-object.ts";
import type { TypedStub } from "../durable/index.ts";
import type { AgentObject } from "./agent-object.ts";

/** An agent as the Worker and other objects call it: `typedStub(env.AGENTS.get(id))`. */
export type AgentStub = TypedStub<AgentObject>;
