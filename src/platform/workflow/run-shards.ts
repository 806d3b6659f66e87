// Why: one tenant's runs must not all pass through one object. A run's index entry and
// its transition events go to shard k of N (`runs-index/<tenant>/<k>`, stream
// `workflow.<k>`), k a hash of the run id, so a tenant's run rate grows with N instead
// of stopping at one object's ~1,000 requests/s. N comes from the deployment
// (JIDO_RUN_INDEX_SHARDS). A run keeps the shard it started in (its state records it), so changing N
// never splits one run over two shards; listing asks shards 0..N-1, so N may grow but
// lowering it hides the runs indexed in the shards dropped (until they expire).
import { shardOf } from "../shard-hash.ts";

export const DEFAULT_RUN_INDEX_SHARDS = 8;
export const MAX_RUN_INDEX_SHARDS = 64;

/** The shard count from the deployment's var: an integer 1-64, else the default. */
export const runShardCount = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isInteger(n) && n >= 1 && n <= MAX_RUN_INDEX_SHARDS ? n : DEFAULT_RUN_INDEX_SHARDS;
};

/** The shard (0..shards-1) of a run: FNV-1a of its id, as the directory spreads agents. */
export const runShardOf = (runId: string, shards: number): number => shardOf(runId, shards);

export const runsIndexShardName = (tenant: string, shard: number): string => `runs-index/${tenant}/${shard}`;

/** Finished runs one shard keeps at most: the tenant's bound split evenly (rounded up, at least 1). */
export const shardIndexMax = (tenantMax: number, shards: number): number => Math.max(1, Math.ceil(tenantMax / shards));
