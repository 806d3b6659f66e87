// Publishing a run: its transition events drained to its shard's `workflow.<k>` stream,
// then its status recorded in the runs index: in the runs-index shard it belongs to or,
// for a run indexed before the shards existed, in the tenant's workflow registry (where
// it was indexed, so that it is listed once). A failure is logged; the alarm retries.
import { callDurable } from "../../src/platform/durable-call.ts";
import { workflowShardStream } from "../../src/platform/events/reserved-streams.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import type { Logger } from "../../src/platform/telemetry/logger.ts";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";
import type { RunState } from "../../src/platform/workflow/run-state.ts";
import { runsIndexShardName } from "../../src/platform/workflow/run-shards.ts";
import { runHomeShard } from "../../src/platform/workflow/run-upkeep.ts";
import { runSummary } from "../../src/platform/workflow/run-view.ts";
import { drainOutbox, typedStub } from "../durable/index.ts";
import type { IndexHome, RunStore, StoredRun } from "./run-store.ts";

/** What publishing needs of its coordinator: the run as it is now (it may move on while publishing awaits), and a way to record it indexed. */
export type PublishingHost = {
  env: Env;
  store: RunStore;
  telemetry: Telemetry;
  log: Logger;
  current(): StoredRun | undefined;
  indexed(run: StoredRun): void;
};

/** The run's shard: the one it was indexed in, else the one it started with, else the hash of its id over the deployment's shard count. */
const shardOf = (env: Env, run: StoredRun): number => runHomeShard(run.indexedIn ?? run.state.shard, run.state.id, env.JIDO_RUN_INDEX_SHARDS);

const recordRunStatus = async (env: Env, state: RunState, home: IndexHome, telemetry: Telemetry): Promise<void> => {
  const summary = runSummary(state);
  if (home === "registry") {
    const registry = typedStub(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(state.tenant))));
    await callDurable("workflow.index", () => registry.recordRun({ tenant: state.tenant }, summary), telemetry);
  } else {
    const shard = typedStub(env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(state.tenant, home))));
    await callDurable("workflow.index", () => shard.recordRun({ tenant: state.tenant, shard: home }, summary), telemetry);
  }
};

/** Drains transition events to the run shard's `workflow.<k>` stream and keeps the runs index current. */
export const publishRun = async (host: PublishingHost, run: StoredRun): Promise<void> => {
  const { env, store, telemetry } = host;
  try {
    const stream = workflowShardStream(shardOf(env, run));
    await drainOutbox({ ...store.outbox, streamOf: () => stream }, { streams: env.STREAMS, tenant: run.state.tenant, telemetry });
    const current = host.current();
    const status = current?.state.status;
    if (current && status && current.indexedStatus !== status) {
      const { state } = current;
      // A run indexed before the shards existed is finished where it was indexed, so it is listed once.
      const home = current.indexedIn === "registry" ? "registry" : shardOf(env, current);
      await recordRunStatus(env, state, home, telemetry);
      // The run may have moved on meanwhile: its latest state is kept, and only the status indexed is recorded as indexed.
      const latest = host.current();
      if (latest) {
        store.setIndexed(latest.state, status, home);
        host.indexed({ ...latest, indexedStatus: status, indexedIn: home });
      }
    }
  } catch (error) {
    host.log.warn("publishing run transitions failed; the alarm retries", { run: run.state.id, error: String(error) });
  }
};
