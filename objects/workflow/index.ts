// The workflow family: one Coordinator per run, a persisted state machine that calls
// the run's agents and keeps its timeouts on alarms, and one WorkflowRegistry per
// tenant holding its definitions and the index of its runs.
export { type Coordinator, defineCoordinator, type RunAddress } from "./coordinator.ts";
export { type RegistryAddress, WorkflowRegistry } from "./workflow-registry.ts";
