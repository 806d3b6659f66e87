// MetricsAggregator: one of a tenant's N metric shards (`metrics/<tenant>/<k>`). Sources
// (the Worker's isolates, agents, streams, coordinators) send it batches of deltas; it
// adds them to its totals in memory and in SQLite in one transaction per batch (a
// source's gauges restated unchanged are rewritten only every few minutes; expired
// sources are looked for once a minute and at every scrape), and answers its snapshot
// to a scrape. The decisions (what a batch may hold, how values
// merge, the cardinality cap, gauge expiry) are in src/platform/metrics/aggregate.ts.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Aggregate, type Applied, GAUGE_EXPIRY_CHECK_MS, GaugeWrites, type MetricsSnapshot, metricBatchSchema } from "../../src/platform/metrics/aggregate.ts";
import type { HistogramValue, MetricBatch } from "../../src/platform/metrics/series.ts";
import { keyOf } from "../../src/platform/metrics/series.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const addressSchema = z.strictObject({ tenant: idSchema, shard: z.number().int().min(0).max(63) });
export type MetricsAddress = z.input<typeof addressSchema>;
const sourceSchema = z.string().min(1).max(256);

export class MetricsAggregator extends DurableObject<Env> {
  readonly #aggregate = new Aggregate();
  readonly #gaugeWrites = new GaugeWrites();
  #expiryCheckedAt = -Infinity;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS series (key TEXT PRIMARY KEY, kind TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL, value TEXT NOT NULL)");
      sql.exec("CREATE TABLE IF NOT EXISTS gauges (source TEXT PRIMARY KEY, at INTEGER NOT NULL, samples TEXT NOT NULL)");
      for (const row of sql.exec<{ kind: string; metric: string; labels: string; value: string }>("SELECT kind, metric, labels, value FROM series")) {
        const labels = JSON.parse(row.labels) as string[];
        if (row.kind === "counter") this.#aggregate.counters.update(row.metric, labels, () => Number(row.value));
        else this.#aggregate.histograms.update(row.metric, labels, () => JSON.parse(row.value) as HistogramValue);
      }
      for (const row of sql.exec<{ source: string; at: number; samples: string }>("SELECT source, at, samples FROM gauges")) {
        this.#aggregate.gauges.set(row.source, { source: row.source, at: row.at, samples: JSON.parse(row.samples) });
      }
    });
  }

  /** Adds a source's batch; `source` keys its gauges (their last values replace its previous ones). */
  ingest(at: MetricsAddress, source: string, batch: MetricBatch): Promise<Result<null>> {
    return asResult(() => {
      parseOrProblem(addressSchema, at, "address");
      const from = parseOrProblem(sourceSchema, source, "source");
      const parsed = parseOrProblem(metricBatchSchema, batch, "batch");
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.#persist(this.#aggregate.apply(from, parsed, now));
        if (now - this.#expiryCheckedAt >= GAUGE_EXPIRY_CHECK_MS) this.#expire(now);
      });
      return null;
    });
  }

  collect(at: MetricsAddress): Promise<Result<MetricsSnapshot>> {
    return asResult(() => {
      parseOrProblem(addressSchema, at, "address");
      const now = Date.now();
      this.#expire(now);
      return this.#aggregate.snapshot(now);
    });
  }

  #persist(applied: Applied): void {
    const sql = this.ctx.storage.sql;
    const upsert = "INSERT INTO series (key, kind, metric, labels, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    for (const row of applied.counters) sql.exec(upsert, keyOf(row.metric, row.labels), "counter", row.metric, JSON.stringify(row.labels), String(row.value));
    for (const row of applied.histograms) sql.exec(upsert, keyOf(row.metric, row.labels), "histogram", row.metric, JSON.stringify(row.labels), JSON.stringify(row.value));
    const g = applied.gauges;
    const samples = g ? this.#gaugeWrites.due(g) : null;
    if (g && samples !== null) sql.exec("INSERT INTO gauges (source, at, samples) VALUES (?, ?, ?) ON CONFLICT(source) DO UPDATE SET at = excluded.at, samples = excluded.samples", g.source, g.at, samples);
  }

  #expire(now: number): void {
    this.#expiryCheckedAt = now;
    for (const source of this.#aggregate.expire(now)) {
      this.#gaugeWrites.forget(source);
      this.ctx.storage.sql.exec("DELETE FROM gauges WHERE source = ?", source);
    }
  }
}
