// An agent's entry in its tenant's directory (objects/directory): registered after each
// status change (spawn, restore, pause, resume, stop, start, fail), when the object
// starts, and on every alarm (at least every 10 minutes, with its load figures), and
// removed when the agent is deleted. Registration is off the critical path: it runs
// after the change has committed (waitUntil). Nothing is written for it: the committed
// meta is the durable record of what to report, and every start of the object reports
// it again, so whether a shard acknowledged the current status is kept in memory only
// (a restart makes it unknown, and the start's registration settles it). While it is
// unacknowledged the alarm retries within the retry period, else it is the refresh.
import type { DirectoryShard } from "../directory/index.ts";
import { typedStub } from "../durable/index.ts";
import { type DirectoryEntry, nextRevision } from "../../src/platform/discovery/entry.ts";
import { NO_PLACEMENT } from "../../src/platform/discovery/placement.ts";
import { directoryShardName, shardCount, shardOf } from "../../src/platform/discovery/shards.ts";

export { DIRECTORY_REFRESH_MS, DIRECTORY_RETRY_MS, refreshDelay } from "../../src/platform/discovery/shards.ts";
import { unwrap } from "../../src/platform/result.ts";
import type { AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import type { AgentCore } from "./core.ts";

export type AgentDirectory = {
  /** A status change committed (its meta is the durable record): report it; resolves once sent or failed. */
  changed(): Promise<void>;
  /** Sends the current entry (again); resolves once sent or failed, never rejects. */
  register(): Promise<void>;
  /** Whether a change is still unacknowledged. */
  pending(): boolean;
  /** Removes the agent's entry (after its storage was deleted); failures are left to the shard's expiry. */
  unregister(meta: AgentMeta): Promise<void>;
};

export const createAgentDirectory = (
  core: AgentCore,
  env: Pick<Env, "DIRECTORY" | "JIDO_DIRECTORY_SHARDS">,
): AgentDirectory => {
  /** The status a shard acknowledged last, since this instance started. */
  let acknowledged: string | null = null;
  let revision = 0;
  let sending: Promise<void> | null = null;
  let again = false;

  const shardFor = (tenant: string, id: string) => {
    const k = shardOf(id, shardCount(env.JIDO_DIRECTORY_SHARDS));
    return typedStub<DirectoryShard>(env.DIRECTORY.get(env.DIRECTORY.idFromName(directoryShardName(tenant, k))));
  };

  const entryOf = (meta: AgentMeta): DirectoryEntry => {
    const now = core.deps.now();
    revision = nextRevision(revision, now);
    const bulkhead = core.guards?.bulkhead.stats() ?? { active: 0, queued: 0 };
    return {
      id: meta.id,
      type: meta.type,
      version: meta.version,
      capabilities: core.guards?.definition.capabilities ?? {},
      labels: meta.labels ?? {},
      placement: meta.placement ?? NO_PLACEMENT,
      status: meta.status,
      breaker: core.guards?.breaker.snapshot().state ?? meta.breaker.state,
      load: core.load.figures(now, { inFlight: bulkhead.active, queueLength: bulkhead.queued }),
      createdAt: meta.createdAt,
      reportedAt: now,
      revision,
    };
  };

  const sendOnce = async (): Promise<void> => {
    const meta = core.meta;
    if (!meta) return;
    try {
      unwrap(await shardFor(meta.tenant, meta.id).register(entryOf(meta)));
      acknowledged = meta.status;
    } catch (error) {
      core.deps.log.warn("directory registration failed", { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const register = (): Promise<void> => {
    if (sending) {
      again = true;
      return sending;
    }
    sending = (async () => {
      do {
        again = false;
        await sendOnce();
      } while (again);
    })().finally(() => {
      sending = null;
    });
    return sending;
  };

  return {
    // Sent once the operation that committed the change has finished (the guards and a
    // settled status of a spawn are set after its commit), so a spawn sends one entry.
    changed: () => core.deps.sleep(0).then(register),
    register,
    pending: () => core.meta !== undefined && acknowledged !== core.meta.status,
    async unregister(meta) {
      revision = nextRevision(revision, core.deps.now());
      try {
        unwrap(await shardFor(meta.tenant, meta.id).unregister({ id: meta.id, revision }));
      } catch (error) {
        core.deps.log.warn("directory unregistration failed", { error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
};
