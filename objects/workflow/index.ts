// The workflow family: one Coordinator per run, a persisted state machine that calls
// the run's agents and keeps its timeouts on alarms, and one WorkflowRegistry per
// tenant holding its definitions and the index of its runs.
export { type Coordinator, defineCoordinator, type RunAddress } from "./coordinator.ts";
export { type RegistryAddress, WorkflowRegistry } from "./workflow-registry.ts";
import type { TypedStub } from "../durable/index.ts";
import type { Coordinator } from "./coordinator.ts";
import type { WorkflowRegistry } from "./workflow-registry.ts";

/** A run's coordinator and the tenant's registry as the Worker calls them. */
export type CoordinatorStub = TypedStub<Coordinator>;
export type WorkflowRegistryStub = TypedStub<WorkflowRegistry>;
