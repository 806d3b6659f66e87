// The metrics family: a tenant's MetricsAggregator shards, how sources ship batches to
// them, and the one-call wiring an object uses to record and flush its own metrics.
import type { TypedStub } from "../durable/index.ts";
import type { MetricsAggregator } from "./metrics-aggregator.ts";

export { MetricsAggregator, type MetricsAddress } from "./metrics-aggregator.ts";
export { aggregatorStub, shipBatches } from "./ship.ts";
export { watchMetrics } from "./watch.ts";
export type MetricsAggregatorStub = TypedStub<MetricsAggregator>;
