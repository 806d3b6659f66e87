// How the Worker and agents reach a tenant's pools: the tenant-scoped object names, a
// fresh stub per attempt, and the transient-fault retry of `callDurable`. An acquire is
// retried with its key and arrival time unchanged, so a retry finds the lease a lost
// answer carried, or takes the waiter's place in line again.
import { callDurable } from "../../src/platform/durable-call.ts";
import { poolOfLease } from "../../src/platform/pools/lease-id.ts";
import { poolIndexName, poolObjectName } from "../../src/platform/pools/naming.ts";
import type { AcquireRequest, CreatePool, LeaseView, PoolConfig, PoolView } from "../../src/platform/pools/schemas.ts";
import type { PaginationQuery, Page } from "../../src/platform/pagination.ts";
import { notFound } from "../../src/platform/problem.ts";
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

export const acquireLease = (env: PoolBindings, telemetry: Telemetry, tenant: string, pool: string, request: AcquireRequest): Promise<LeaseView> =>
  callDurable("pools.acquire", () => poolStub(env, tenant, pool).acquire({ tenant, pool }, request), telemetry);

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
