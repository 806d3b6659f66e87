// The pools family: one ResourcePool object per tenant and pool (leases, the waiting
// queue, expiry on alarms), one PoolIndex per tenant (its pools), and the calls the
// Worker and agents reach them with.
export { ResourcePool } from "./resource-pool.ts";
export { PoolIndex, type PoolIndexAddress } from "./pool-index.ts";
export { acquireLease, createPool, type HangUp, deletePool, type LeaseAction, listPools, onLease, type PoolBindings, viewPool } from "./access.ts";
