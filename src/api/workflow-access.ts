// How routes reach workflows: the tenant's registry (definitions and the runs index),
// the deployment's built-in workflows, and the coordinator of one run.
import type { Context } from "hono";
import { typedStub } from "../../objects/durable/index.ts";
import type { CoordinatorStub, RegistryAddress, RunAddress, WorkflowRegistryStub } from "../../objects/workflow/index.ts";
import { callDurable } from "../platform/durable-call.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { WorkflowDefinition } from "../platform/workflow/definition.ts";
import { runObjectName, workflowRegistryName } from "../platform/workflow/naming.ts";
import type { AppEnv } from "../env.ts";

export const onRegistry = <T>(c: Context<AppEnv>, telemetry: Telemetry, operation: string, fn: (rpc: WorkflowRegistryStub, at: RegistryAddress) => Promise<Result<T>>): Promise<T> => {
  const tenant = c.get("tenant");
  const id = c.env.WORKFLOWS.idFromName(workflowRegistryName(tenant));
  return callDurable(`workflows.${operation}`, () => fn(typedStub(c.env.WORKFLOWS.get(id)), { tenant }), telemetry);
};

export const onRun = <T>(c: Context<AppEnv>, runId: string, telemetry: Telemetry, operation: string, fn: (rpc: CoordinatorStub, at: RunAddress) => Promise<Result<T>>): Promise<T> => {
  const tenant = c.get("tenant");
  const id = c.env.RUNS.idFromName(runObjectName(tenant, runId));
  return callDurable(`runs.${operation}`, () => fn(typedStub(c.env.RUNS.get(id)), { tenant, id: runId }), telemetry);
};

/** Every version of `name` this tenant can run: built-in and registered. */
export const versionsOf = async (c: Context<AppEnv>, telemetry: Telemetry, builtins: readonly WorkflowDefinition[], name: string): Promise<WorkflowDefinition[]> => [
  ...builtins.filter((definition) => definition.name === name),
  ...(await onRegistry(c, telemetry, "versions", (rpc, at) => rpc.versions(at, name))),
];
