// Why: the capabilities that guard pools, named once for the routes, agents and tests.
export const POOLS_ADMIN = "pools:admin";
export const POOLS_READ = "pools:read";
/** Acquire from the pool, and renew or release one's own leases of it. */
export const poolAcquireCapability = (pool: string): string => `pools:acquire:${pool}`;
export const poolResource = (pool: string): string => `pool/${pool}`;
