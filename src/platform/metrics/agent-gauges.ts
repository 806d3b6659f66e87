// An agent's gauges, read when its object flushes: one agent in its breaker's state,
// and its bulkhead's running and queued calls. Summed over the tenant's agents by the
// aggregators, they answer "how many agents of this type are open" and "how busy is
// this type", without an agent id ever becoming a label.
import { METRICS } from "./catalog.ts";
import type { GaugeReading } from "./collector.ts";

export type AgentGaugeInput = {
  tenant: string;
  type: string;
  breaker: string;
  bulkhead: { active: number; queued: number };
};

export const agentGauges = (agent: AgentGaugeInput | null): GaugeReading[] => {
  if (!agent) return [];
  const labels = { tenant: agent.tenant, type: agent.type };
  return [
    { metric: METRICS.breakers, labels: { ...labels, status: agent.breaker }, value: 1 },
    { metric: METRICS.bulkheadInFlight, labels, value: agent.bulkhead.active },
    { metric: METRICS.bulkheadQueued, labels, value: agent.bulkhead.queued },
  ];
};
