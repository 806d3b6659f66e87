// Worker entry: builds the app for this deployment's agent types and exports the
// Durable Object classes wrangler.toml binds. Nothing else lives here.
import { agentRegistry } from "./agents/index.ts";
import { createApp } from "./app.ts";
import { builtinWorkflows } from "./workflows/order-workflow.ts";
import { defineAgentObject } from "../objects/agent.ts";
import { defineCoordinator } from "../objects/coordinator.ts";

export const AgentObject = defineAgentObject(agentRegistry);
export const Coordinator = defineCoordinator(agentRegistry);
export { EventStream } from "../objects/event-stream.ts";
export { EventBus } from "../objects/event-bus.ts";
export { WorkflowRegistry } from "../objects/workflow-registry.ts";
export { RateLimiter } from "../objects/rate-limiter.ts";

export default createApp({ registry: agentRegistry, workflows: builtinWorkflows });
