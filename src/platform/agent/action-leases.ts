// Why: `ctx.acquire` takes pool leases for one attempt of an action, and the runtime, not
// the action, gives them back: every lease is released when the attempt ends, whether it
// succeeded, failed or timed out. An acquire that completes after the attempt ended (the
// action timed out while it waited) is released at once. A release that fails is logged
// and left to the lease's expiry, which returns its units all the same.
import { ActionError } from "./action-error.ts";
import type { AgentIdentity, PoolAcquireOptions, PoolLease, RuntimeDeps } from "./runtime-deps.ts";

export type ActionLeases = {
  acquire(pool: string, units?: number, options?: PoolAcquireOptions): Promise<PoolLease>;
  /** Releases every lease taken; later acquires are refused. */
  releaseAll(): Promise<void>;
};

export const actionLeases = (deps: RuntimeDeps, agent: AgentIdentity, idempotencyKey: string, attempt: number): ActionLeases => {
  const held: PoolLease[] = [];
  let ended = false;
  let count = 0;
  const release = async (lease: PoolLease): Promise<void> => {
    try {
      await deps.pools?.release(agent, lease);
    } catch (error) {
      deps.log.warn("releasing a lease failed; it returns at its expiry", { pool: lease.pool, lease: lease.id, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return {
    acquire: async (pool, units = 1, options = {}) => {
      const pools = deps.pools;
      if (!pools) throw new ActionError("unsupported", "This host has no resource pools.");
      if (ended) throw new ActionError("action-ended", "The attempt has ended; it can acquire nothing more.");
      const lease = await pools.acquire({ from: agent, pool, units, options, key: `${idempotencyKey}:${attempt}:${count++}` });
      if (ended) {
        await release(lease);
        throw new ActionError("action-ended", "The attempt ended while it waited for the lease.");
      }
      held.push(lease);
      return lease;
    },
    releaseAll: async () => {
      ended = true;
      await Promise.all(held.splice(0).map(release));
    },
  };
};
