// The agent types this deployment hosts. Add a definition here to make its type
// spawnable; the registry checks names are unique when the Worker loads.
import { createAgentRegistry } from "../platform/agent/registry.ts";
import { counterAgent } from "./counter.ts";
import { dataProcessorAgent } from "./data-processor/agent.ts";
import { notificationAgent } from "./order/notification-agent.ts";
import { processingAgent } from "./order/processing-agent.ts";
import { validationAgent } from "./order/validation-agent.ts";
import { warmupAgent } from "./warmup.ts";

export const demoAgents = [counterAgent, dataProcessorAgent, validationAgent, processingAgent, notificationAgent, warmupAgent] as const;

export const agentRegistry = createAgentRegistry(demoAgents);
