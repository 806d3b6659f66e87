// Worker entry: builds the app for this deployment's agent types and exports the
// Durable Object classes wrangler.toml binds. Nothing else lives here.
import { agentRegistry } from "./agents/index.ts";
import { createApp } from "./app.ts";
import { builtinWorkflows } from "./workflows/order-workflow.ts";
import { defineAgentObject } from "../objects/agent/index.ts";
import { defineCoordinator } from "../objects/workflow/index.ts";

export const AgentObject = defineAgentObject(agentRegistry);
export type AgentObject = InstanceType<typeof AgentObject>;
export const Coordinator = defineCoordinator(agentRegistry);
export type Coordinator = InstanceType<typeof Coordinator>;
export { EventBus, EventStream } from "../objects/events/index.ts";
export { RunsIndexShard, WorkflowRegistry } from "../objects/workflow/index.ts";
export { RateLimiter } from "../objects/limits/index.ts";
export { DirectoryShard } from "../objects/directory/index.ts";
export { Revocations } from "../objects/security/index.ts";
export { ConfigStore } from "../objects/config/index.ts";
export { CacheStore } from "../objects/cache/index.ts";
export { PoolIndex, ResourcePool } from "../objects/pools/index.ts";
export { MetricsAggregator } from "../objects/metrics/index.ts";
export { GroupController, GroupIndex } from "../objects/groups/index.ts";
export { QuotaShard } from "../objects/quotas/index.ts";

export default createApp({ registry: agentRegistry, workflows: builtinWorkflows });
