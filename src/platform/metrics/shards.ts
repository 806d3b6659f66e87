// Where a source's metric deltas go: each tenant's metrics are spread over N
// aggregator objects (`metrics/<tenant>/<k>`) by a hash of the source, so no single
// object takes every flush of a busy tenant; a scrape reads all N and merges them.
// N comes from JIDO_METRICS_SHARDS. Sizing: one shard receives about
// (active sources) / (flush interval x N) batches per second; at 8 shards and 5 s,
// 10,000 busy agents send one shard 250 batches/s, well under an object's ~1,000 req/s.
// Changing N moves sources to other shards: counters already stored on a shard beyond
// the new N stop being read (Prometheus sees a counter reset, which rate() absorbs).
import { shardOf } from "../shard-hash.ts";
export const DEFAULT_METRICS_SHARDS = 8;
export const MAX_METRICS_SHARDS = 64;
export const DEFAULT_FLUSH_MS = 5_000;
const MAX_FLUSH_MS = 60_000;

export const metricsShardCount = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= 1 && n <= MAX_METRICS_SHARDS ? n : DEFAULT_METRICS_SHARDS;
};

/** The flush interval (ms) from JIDO_METRICS_FLUSH_MS: 0-60,000, else the default. */
export const flushInterval = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= 0 && n <= MAX_FLUSH_MS ? n : DEFAULT_FLUSH_MS;
};

/** Metrics are on unless JIDO_METRICS says "off" (the benchmark's comparison). */
export const metricsEnabled = (value: string | undefined): boolean => value?.trim().toLowerCase() !== "off";

export const metricsShardOf = (source: string, shards: number): number => shardOf(source, shards);

export const metricsShardName = (tenant: string, shard: number): string => `metrics/${tenant}/${shard}`;
