// The Worker the integration tests run: the production app and object class, with the
// demo agent types plus the test-only ones.
import { demoAgents } from "../../src/agents/index.ts";
import { createApp } from "../../src/app.ts";
import { builtinWorkflows } from "../../src/workflows/order-workflow.ts";
import { createAgentRegistry } from "../../src/platform/agent/registry.ts";
import { defineAgentObject } from "../../objects/agent.ts";
import { defineCoordinator } from "../../objects/coordinator.ts";
import { flakyAgent, hookedAgent, relayAgent, sinkAgent } from "./test-agents.ts";

const registry = createAgentRegistry([...demoAgents, flakyAgent, hookedAgent, relayAgent, sinkAgent]);

export const AgentObject = defineAgentObject(registry);
export const Coordinator = defineCoordinator(registry);
export { EventStream } from "../../objects/event-stream.ts";
export { EventBus } from "../../objects/event-bus.ts";
export { WorkflowRegistry } from "../../objects/workflow-registry.ts";
export { RateLimiter } from "../../objects/rate-limiter.ts";

export default createApp({ registry, workflows: builtinWorkflows });
