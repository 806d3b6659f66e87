// The workflow family: one Coordinator per run, a persisted state machine that calls
// the run's agents and keeps its timeouts on alarms; one WorkflowRegistry per tenant
// holding its definitions (and the runs indexed before the shards); and the tenant's
// runs-index shards.
export { type Coordinator, defineCoordinator } from "./coordinator.ts";
export type { RunAddress } from "./coordinator-contract.ts";
export { type RegistryAddress, WorkflowRegistry } from "./workflow-registry.ts";
export { RunsIndexShard, type RunsIndexShardAddress } from "./runs-index-shard.ts";
export type { RunQuery } from "./runs-index.ts";
import type { TypedStub } from "../durable/index.ts";
import type { Coordinator } from "./coordinator.ts";
import type { RunsIndexShard } from "./runs-index-shard.ts";
import type { WorkflowRegistry } from "./workflow-registry.ts";

/** A run's coordinator, the tenant's registry and its runs-index shards as the Worker calls them. */
export type CoordinatorStub = TypedStub<Coordinator>;
export type WorkflowRegistryStub = TypedStub<WorkflowRegistry>;
export type RunsIndexShardStub = TypedStub<RunsIndexShard>;
