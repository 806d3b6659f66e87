// How the Worker and agents reach a tenant's pools: the tenant-scoped object names, a
// fresh stub per attempt, and the transient-fault retry of `callDurable`. An acquire is
// retried with its key and arrival time unchanged, so a retry finds the lease a lost
// answer carried, or takes the waiter's place in line again. An acquire given its HTTP
// request's signal tells the pool when the client hangs up (`cancelWaiter`).
import { callDurable } from "../../src/platform/durable-call.ts";
import { poolOfLease } from "../../src/platform/pools/lease-id.ts";
import { poolIndexName, poolObjectName } from "../../src/platform/pools/naming.ts";
import type { AcquireRequest, CreatePool, LeaseView, PoolConfig, PoolView } from "../../src/platform/pools/schemas.ts";
import type { PaginationQuery, Page } from "../../src/platform/pagination.ts";
import { notFound } from "../../src/platform/problem.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";

export type PoolBindings = { POOLS: Env["POOLS"]; POOL_INDEX: Env["POOL_INDEX"] };

const poolStub = (env: PoolBindings, tenant: string, pool: string) => typedStub(env.POOLS.get(env.POOLS.idFromName(poolObjectName(tenant, pool))));
const indexStub = (env: PoolBindings, tenant: string) => typedStub(env.POOL_INDEX.get(env.POOL_INDEX.idFromName(poolIndexName(tenant))));

/** Records the pool in the tenant's index (bounded there), then configures its object. */
export const createPool = async (env: PoolBindings, telemetry: Telemetry, tenant: string, request: CreatePool): Promise<{ created: boolean; pool: PoolView }> => {
  const { config } = await callDurable("pools.index_add", () => indexStub(env, tenant).add({ tenant }, request), telemetry);
  const outcome = await callDurable("pools.configure", () => poolStub(env, tenant, config.name).configure({ tenant, pool: config.name }, config), telemetry);
  return outcome;
};

export const listPools = (env: PoolBindings, telemetry: Telemetry, tenant: string, query: PaginationQuery): Promise<Page<PoolConfig>> =>
  callDurable("pools.list", () => indexStub(env, tenant).list({ tenant }, query), telemetry);

export const viewPool = (env: PoolBindings, telemetry: Telemetry, tenant: string, pool: string): Promise<PoolView> =>
  callDurable("pools.view", () => poolStub(env, tenant, pool).view({ tenant, pool }), telemetry);

/** Deletes the pool's object, then its index entry; 404 when neither knew it. */
export const deletePool = async (env: PoolBindings, telemetry: Telemetry, tenant: string, pool: string): Promise<void> => {
  const object = await callDurable("pools.destroy", () => poolStub(env, tenant, pool).destroy({ tenant, pool }), telemetry);
  const entry = await callDurable("pools.index_remove", () => indexStub(env, tenant).remove({ tenant }, pool), telemetry);
  if (!object.existed && !entry.existed) throw notFound("Pool", pool);
};

const log = createLogger({ base: { component: "pools" } });

/** The client's hang-up: its request's signal, and how to keep the Worker alive for the pool's cancel call. */
export type HangUp = { signal: AbortSignal; waitUntil: (promise: Promise<unknown>) => void };

/**
 * Acquires a lease (waiting in the pool's queue if need be). With `hangUp`, the client's
 * hang-up while the acquire is under way cancels it in the pool: its waiter leaves the
 * queue, or a lease granted to it meanwhile is released.
 */
export const acquireLease = async (
  env: PoolBindings,
  telemetry: Telemetry,
  tenant: string,
  pool: string,
  request: AcquireRequest,
  hangUp?: HangUp,
): Promise<LeaseView> => {
  const acquire = () => callDurable("pools.acquire", () => poolStub(env, tenant, pool).acquire({ tenant, pool }, request), telemetry);
  if (!hangUp) return acquire();
  const cancel = () => {
    const attempt = { requester: request.requester, key: request.key, since: request.since };
    hangUp.waitUntil(
      callDurable("pools.cancel_waiter", () => poolStub(env, tenant, pool).cancelWaiter({ tenant, pool }, attempt), telemetry).catch((error: unknown) => {
        // The waiter then waits out its deadline; a grant to it returns at the lease's expiry.
        log.warn("cancelling a hung-up acquire failed", { pool, error: error instanceof Error ? error.message : String(error) });
      }),
    );
  };
  if (hangUp.signal.aborted) cancel();
  hangUp.signal.addEventListener("abort", cancel, { once: true });
  try {
    return await acquire();
  } finally {
    hangUp.signal.removeEventListener("abort", cancel);
  }
};

export type LeaseAction = { requester: string; anyRequester: boolean; leaseMs?: number | undefined };

/** Renews or releases a lease in the pool its id names (404 for an id no pool issued). */
export const onLease = (
  env: PoolBindings,
  telemetry: Telemetry,
  tenant: string,
  verb: "renew" | "release",
  leaseId: string,
  action: LeaseAction,
): Promise<LeaseView> => {
  const pool = poolOfLease(leaseId);
  if (pool === null) throw notFound("Lease", leaseId);
  const request = { leaseId, ...action };
  return callDurable(`pools.${verb}`, () => {
    const stub = poolStub(env, tenant, pool);
    return verb === "renew" ? stub.renew({ tenant, pool }, request) : stub.release({ tenant, pool }, request);
  }, telemetry);
};
