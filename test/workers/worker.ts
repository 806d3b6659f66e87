// The Worker the integration tests run: the production app and object class, with the
// demo agent types plus the test-only ones.
import { demoAgents } from "../../src/agents/index.ts";
import { createApp } from "../../src/app.ts";
import { builtinWorkflows } from "../../src/workflows/order-workflow.ts";
import { createAgentRegistry } from "../../src/platform/agent/registry.ts";
import { defineAgentObject } from "../../objects/agent/index.ts";
import { defineCoordinator } from "../../objects/workflow/index.ts";
import { bulkyAgent, configuredAgent, flakyAgent, hookedAgent, pooledAgent, relayAgent, sinkAgent, supervisedAgent } from "./test-agents.ts";
import { cacheUserAgent } from "./cache-agent.ts";

const registry = createAgentRegistry([...demoAgents, bulkyAgent, flakyAgent, hookedAgent, pooledAgent, relayAgent, sinkAgent, configuredAgent, cacheUserAgent, supervisedAgent]);

export const AgentObject = defineAgentObject(registry);
export const Coordinator = defineCoordinator(registry);
export { EventBus, EventStream } from "../../objects/events/index.ts";
export { RunsIndexShard, WorkflowRegistry } from "../../objects/workflow/index.ts";
export { RateLimiter } from "../../objects/limits/index.ts";
export { DirectoryShard } from "../../objects/directory/index.ts";
export { Revocations } from "../../objects/security/index.ts";
export { ConfigStore } from "../../objects/config/index.ts";
export { CacheStore } from "../../objects/cache/index.ts";
export { PoolIndex, ResourcePool } from "../../objects/pools/index.ts";
export { MetricsAggregator } from "../../objects/metrics/index.ts";
export { GroupController, GroupIndex } from "../../objects/groups/index.ts";
export { QuotaShard } from "../../objects/quotas/index.ts";

export default createApp({ registry, workflows: builtinWorkflows });
