// How routes reach workflows: the tenant's registry (definitions, and the runs indexed
// before the runs index was sharded), its runs-index shards, the deployment's built-in
// workflows, and the coordinator of one run.
import type { Context } from "hono";
import { typedStub } from "../../objects/durable/index.ts";
import type { CoordinatorStub, RegistryAddress, RunAddress, RunQuery, WorkflowRegistryStub } from "../../objects/workflow/index.ts";
import { callDurable } from "../platform/durable-call.ts";
import { traceCarrier } from "../platform/telemetry/spans.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { WorkflowDefinition } from "../platform/workflow/definition.ts";
import { runObjectName, workflowRegistryName } from "../platform/workflow/naming.ts";
import type { Page } from "../platform/pagination.ts";
import { decodeMergedRunCursor, mergeRunPages } from "../platform/workflow/run-merge.ts";
import { encodeRunCursor } from "../platform/workflow/run-cursor.ts";
import { MAX_RUN_INDEX_SHARDS, runShardCount, runsIndexShardName } from "../platform/workflow/run-shards.ts";
import type { RunSummary } from "../platform/workflow/run-view.ts";
import type { AppEnv } from "../env.ts";

export const onRegistry = <T>(c: Context<AppEnv>, telemetry: Telemetry, operation: string, fn: (rpc: WorkflowRegistryStub, at: RegistryAddress) => Promise<Result<T>>): Promise<T> => {
  const tenant = c.get("tenant");
  const id = c.env.WORKFLOWS.idFromName(workflowRegistryName(tenant));
  return callDurable(`workflows.${operation}`, () => fn(typedStub(c.env.WORKFLOWS.get(id)), { tenant }), telemetry);
};

export const onRun = <T>(c: Context<AppEnv>, runId: string, telemetry: Telemetry, operation: string, fn: (rpc: CoordinatorStub, at: RunAddress) => Promise<Result<T>>): Promise<T> => {
  const tenant = c.get("tenant");
  const id = c.env.RUNS.idFromName(runObjectName(tenant, runId));
  return callDurable(`runs.${operation}`, () => fn(typedStub(c.env.RUNS.get(id)), { tenant, id: runId, trace: traceCarrier() }), telemetry);
};

/** Every version of `name` this tenant can run: built-in and registered. */
export const versionsOf = async (c: Context<AppEnv>, telemetry: Telemetry, builtins: readonly WorkflowDefinition[], name: string): Promise<WorkflowDefinition[]> => [
  ...builtins.filter((definition) => definition.name === name),
  ...(await onRegistry(c, telemetry, "versions", (rpc, at) => rpc.versions(at, name))),
];

/** The registry's place among the sources of a merged runs list: after every possible shard. */
const REGISTRY_SOURCE = MAX_RUN_INDEX_SHARDS;

/**
 * A page of the tenant's runs: every runs-index shard (and the registry, which still
 * holds the runs indexed before the shards existed until they expire) answers the same
 * query after the cursor's position, at once; the pages are merged (run-merge.ts).
 * Sources the cursor says are done are not asked.
 */
export const listRuns = async (c: Context<AppEnv>, telemetry: Telemetry, query: { workflow?: string | undefined; status?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<RunSummary>> => {
  const tenant = c.get("tenant");
  const at = query.cursor === undefined ? null : decodeMergedRunCursor(query.cursor);
  const shardQuery: RunQuery = {
    limit: query.limit,
    ...(query.workflow === undefined ? {} : { workflow: query.workflow }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(at === null ? {} : { cursor: encodeRunCursor(at.position) }),
  };
  const sources = [...Array.from({ length: runShardCount(c.env.JIDO_RUN_INDEX_SHARDS) }, (_, k) => k), REGISTRY_SOURCE].filter((n) => !at?.done.includes(n));
  const pages = await Promise.all(
    sources.map(async (n): Promise<[number, Page<RunSummary>]> => {
      if (n === REGISTRY_SOURCE) return [n, await onRegistry(c, telemetry, "runs", (rpc, address) => rpc.runs(address, shardQuery))];
      const stub = typedStub(c.env.RUNS_INDEX.get(c.env.RUNS_INDEX.idFromName(runsIndexShardName(tenant, n))));
      return [n, await callDurable("runs.list", () => stub.runs({ tenant, shard: n }, shardQuery), telemetry)];
    }),
  );
  return mergeRunPages(new Map(pages), query.limit, at?.done ?? []);
};
