// Sends a source's batches to their aggregator shards (one call per tenant), and, when
// the deployment binds a Workers Analytics Engine dataset as METRICS_AE (optional, off
// by default), writes the same counter deltas there as data points. No retries: a
// failed call loses that batch only (see flusher.ts), and the caller reports it.
import type { MetricBatch } from "../../src/platform/metrics/series.ts";
import { metricsShardCount, metricsShardName, metricsShardOf } from "../../src/platform/metrics/shards.ts";
import { unwrap } from "../../src/platform/result.ts";
import { typedStub } from "../durable/index.ts";
import type { MetricsAggregator } from "./metrics-aggregator.ts";

/** The optional Analytics Engine binding (not in wrangler.toml by default, so not in `Env`). */
type AnalyticsEnv = { METRICS_AE?: { writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void } };

/**
 * Shard ids by name, per namespace: `idFromName` hashes the name (SHA-256) and every
 * flush asks for one. An id is plain data, safe to keep across requests (a stub is not).
 */
const shardIds = new WeakMap<Env["METRICS"], Map<string, DurableObjectId>>();
const MAX_CACHED_IDS = 10_000;

const shardId = (namespace: Env["METRICS"], name: string): DurableObjectId => {
  let ids = shardIds.get(namespace);
  if (!ids) shardIds.set(namespace, (ids = new Map()));
  let id = ids.get(name);
  if (!id) {
    if (ids.size >= MAX_CACHED_IDS) ids.clear();
    ids.set(name, (id = namespace.idFromName(name)));
  }
  return id;
};

export const aggregatorStub = (env: Env, tenant: string, shard: number) => typedStub<MetricsAggregator>(env.METRICS.get(shardId(env.METRICS, metricsShardName(tenant, shard))));

export const shipBatches = async (env: Env, source: string, batches: Map<string, MetricBatch>): Promise<void> => {
  const shard = metricsShardOf(source, metricsShardCount(env.JIDO_METRICS_SHARDS));
  const analytics = (env as Env & AnalyticsEnv).METRICS_AE;
  const calls = [...batches].map(async ([tenant, batch]) => {
    if (analytics) {
      for (const [metric, labels, value] of batch.counters) analytics.writeDataPoint({ indexes: [tenant], blobs: [metric, ...labels], doubles: [value] });
      for (const [metric, labels, h] of batch.histograms) analytics.writeDataPoint({ indexes: [tenant], blobs: [metric, ...labels], doubles: [h.count, h.sum] });
    }
    unwrap(await aggregatorStub(env, tenant, shard).ingest({ tenant, shard }, source, batch));
  });
  const failures = (await Promise.allSettled(calls)).filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failures.length > 0) throw failures[0]!.reason;
};
