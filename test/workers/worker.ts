// The Worker the integration tests run: the production app and object class, with the
// demo agent types plus the test-only ones.
import { demoAgents } from "../../src/agents/index.ts";
import { createApp } from "../../src/app.ts";
import { createAgentRegistry } from "../../src/platform/agent/registry.ts";
import { defineAgentObject } from "../../objects/agent.ts";
import { flakyAgent, hookedAgent } from "./test-agents.ts";

const registry = createAgentRegistry([...demoAgents, flakyAgent, hookedAgent]);

export const AgentObject = defineAgentObject(registry);
export { EventStream } from "../../objects/event-stream.ts";
export { RateLimiter } from "../../objects/rate-limiter.ts";

export default createApp({ registry });
