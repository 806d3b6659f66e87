// The agent's side of tenant quotas: at spawn (and restore, and start after a stop) an
// agent whose type declares resources reserves them from its tenant's quota shard, and
// returns them when it stops or is deleted. A type that declares none, or a tenant whose
// quotas do not limit what it declares, reserves nothing: no object is called on that
// spawn. `quota.held` names the shard holding the reservation, so the release goes there
// even after the shard count changed; the shard keys reservations by agent id, so a
// retried reservation or release has its effect once.
import { callDurable } from "../../src/platform/durable-call.ts";
import { demandOf, limited, limitsOf, quotaShardOf, shardLimits } from "../../src/platform/quotas/quotas.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";
import type { QuotaShard } from "../quotas/index.ts";
import type { AgentCore, AgentQuota } from "./core.ts";

const HELD = "quota.held";

export const createAgentQuota = (core: AgentCore, storage: DurableObjectStorage, quotas: Env["QUOTAS"], telemetry: Telemetry): AgentQuota => {
  const shard = (name: string) => typedStub<QuotaShard>(quotas.get(quotas.idFromName(name)));
  return {
    async reserve(address, definition) {
      const demand = demandOf(definition.resources);
      if (demand === null || !core.deps.readConfig || storage.kv.get(HELD) !== undefined) return;
      const { shards, ...quota } = (await core.deps.readConfig(address.tenant)).config.infrastructure.quotas;
      const limits = limitsOf({ ...quota, shards });
      if (!limited(demand, limits)) return;
      const name = quotaShardOf(address.tenant, address.id, shards);
      await callDurable(
        "quota.reserve",
        () => shard(name).reserve({ tenant: address.tenant, agentId: address.id, demand, limits: shardLimits(limits, shards), shards }),
        telemetry,
      );
      storage.kv.put(HELD, name);
    },
    async release(address) {
      const name = storage.kv.get<string>(HELD);
      if (name === undefined) return;
      await callDurable("quota.release", () => shard(name).release({ tenant: address.tenant, agentId: address.id }), telemetry);
      // Not for an agent deleted meanwhile: that would write storage back.
      if (core.meta) storage.kv.delete(HELD);
    },
  };
};
