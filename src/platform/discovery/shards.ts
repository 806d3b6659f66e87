// Which directory shard holds an agent's entry: a tenant's entries are spread over N
// shard objects (`directory/<tenant>/<k>`) by a hash of the agent id, so no one object
// takes every registration and listing of a large tenant. N comes from the deployment
// (`JIDO_DIRECTORY_SHARDS`); changing it re-homes entries within one refresh period
// (agents re-register every 10 minutes), and the old shard's copies expire.
import { shardOf } from "../shard-hash.ts";
export const DEFAULT_DIRECTORY_SHARDS = 8;

/** How often an agent refreshes its entry (and its load figures) when nothing changes. */
export const DIRECTORY_REFRESH_MS = 10 * 60_000;
/**
 * When an agent refreshes next: the period, spread by +/-20% so that agents started
 * together (a burst of spawns, a restart) do not all wake together.
 */
export const refreshDelay = (random: () => number): number => Math.round(DIRECTORY_REFRESH_MS * (0.8 + 0.4 * random()));
/** How soon an agent's alarm retries a registration no shard acknowledged. */
export const DIRECTORY_RETRY_MS = 5_000;
/** An entry nobody refreshed for three periods is dropped by its shard. */
export const ENTRY_EXPIRY_MS = 3 * DIRECTORY_REFRESH_MS;
export const MAX_DIRECTORY_SHARDS = 64;

/** The shard count from the deployment's var: an integer 1-64, else the default. */
export const shardCount = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_DIRECTORY_SHARDS ? n : DEFAULT_DIRECTORY_SHARDS;
};

export { shardOf };

export const directoryShardName = (tenant: string, shard: number): string => `directory/${tenant}/${shard}`;
