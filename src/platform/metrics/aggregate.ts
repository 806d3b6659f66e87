// What one aggregator shard holds for a tenant, as pure data: counter totals and
// histograms summed over every batch it was sent (monotonic, as Prometheus expects),
// and gauges kept per source with last-value semantics: a source's batch replaces what
// it said before, and a source silent for GAUGE_TTL_MS is forgotten (an evicted object
// cannot say goodbye). Batches are parsed here, at the RPC boundary, and entries that do
// not match the catalog (a deploy in progress) are dropped rather than stored.
import { z } from "zod";
import { type MetricKind, specOf } from "./catalog.ts";
import {
  addCounter,
  addHistogram,
  DEFAULT_SERIES_CAP,
  type HistogramSample,
  type HistogramValue,
  type MetricBatch,
  type Row,
  type Sample,
  SeriesTable,
} from "./series.ts";

/** Gauges of a source not heard from for this long are dropped (three agent refresh periods). */
export const GAUGE_TTL_MS = 30 * 60_000;
/** A source restates unchanged gauges at least this often, so a live one never expires (objects/metrics/watch.ts). */
export const GAUGE_RESTATE_MS = GAUGE_TTL_MS / 6;
/**
 * A source's gauges restated unchanged are written to storage again only this often: the
 * stored `at` only matters after the aggregator restarts, when such a source may then
 * expire this much earlier than GAUGE_TTL_MS. (Busy agents restate theirs with every
 * flush; writing each one was a third of an aggregator's SQL.)
 */
export const GAUGE_REWRITE_MS = 5 * 60_000;
/** How often an aggregator looks for expired gauge sources while ingesting (a scrape always does). */
export const GAUGE_EXPIRY_CHECK_MS = 60_000;
/** Entries one batch may carry. */
export const MAX_BATCH_ENTRIES = 10_000;

const labels = z.array(z.string().max(256)).max(16);
const finite = z.number().finite();
const histogram = z.strictObject({ counts: z.array(z.number().int().nonnegative()).max(64), sum: finite, count: z.number().int().nonnegative() });
export const metricBatchSchema = z.strictObject({
  counters: z.array(z.tuple([z.string(), labels, finite.nonnegative()])).max(MAX_BATCH_ENTRIES),
  histograms: z.array(z.tuple([z.string(), labels, histogram])).max(MAX_BATCH_ENTRIES),
  gauges: z.array(z.tuple([z.string(), labels, finite])).max(MAX_BATCH_ENTRIES).optional(),
});

const fits = (metric: string, kind: MetricKind, values: readonly string[]): boolean => {
  const spec = specOf(metric);
  return spec !== undefined && spec.kind === kind && spec.labels.length === values.length;
};
const fitsHistogram = (metric: string, values: readonly string[], value: HistogramValue): boolean =>
  fits(metric, "histogram", values) && value.counts.length === (specOf(metric)!.buckets?.length ?? 0) + 1;

/** Only the entries the catalog knows, with the kind and label count it declares. */
export const conforming = (batch: MetricBatch): MetricBatch => ({
  counters: batch.counters.filter(([metric, values]) => fits(metric, "counter", values)),
  histograms: batch.histograms.filter(([metric, values, value]) => fitsHistogram(metric, values, value)),
  ...(batch.gauges ? { gauges: batch.gauges.filter(([metric, values]) => fits(metric, "gauge", values)) } : {}),
});

export type GaugeSource = { source: string; at: number; samples: Sample[] };

/** A tenant's metrics as rendered: gauges already summed over live sources. */
export type MetricsSnapshot = { counters: Sample[]; histograms: HistogramSample[]; gauges: Sample[] };

/** What an applied batch changed, for the object to persist. */
export type Applied = { counters: Row<number>[]; histograms: Row<HistogramValue>[]; gauges: GaugeSource | null };

export class Aggregate {
  readonly counters: SeriesTable<number>;
  readonly histograms: SeriesTable<HistogramValue>;
  readonly gauges = new Map<string, GaugeSource>();

  constructor(readonly cap: number = DEFAULT_SERIES_CAP) {
    this.counters = new SeriesTable(cap);
    this.histograms = new SeriesTable(cap);
  }

  apply(source: string, batch: MetricBatch, now: number): Applied {
    const valid = conforming(batch);
    const counters = valid.counters.map(([metric, values, delta]) => addCounter(this.counters, metric, values, delta));
    const histograms = valid.histograms.map(([metric, values, delta]) => addHistogram(this.histograms, metric, values, delta));
    let gauges: GaugeSource | null = null;
    if (valid.gauges) {
      gauges = { source, at: now, samples: valid.gauges };
      this.gauges.set(source, gauges);
    }
    return { counters: [...new Set(counters)], histograms: [...new Set(histograms)], gauges };
  }

  /** Forgets sources silent past the TTL; answers their ids (for storage). */
  expire(now: number, ttlMs: number = GAUGE_TTL_MS): string[] {
    const gone = [...this.gauges.values()].filter((g) => now - g.at > ttlMs).map((g) => g.source);
    for (const source of gone) this.gauges.delete(source);
    return gone;
  }

  snapshot(now: number, ttlMs: number = GAUGE_TTL_MS): MetricsSnapshot {
    const gauges = new SeriesTable<number>(this.cap);
    for (const g of this.gauges.values()) {
      if (now - g.at > ttlMs) continue;
      for (const [metric, values, value] of g.samples) gauges.update(metric, values, (previous) => (previous ?? 0) + value);
    }
    return {
      counters: [...this.counters.rows()].map((r) => [r.metric, r.labels, r.value]),
      histograms: [...this.histograms.rows()].map((r) => [r.metric, r.labels, r.value]),
      gauges: [...gauges.rows()].map((r) => [r.metric, r.labels, r.value]),
    };
  }
}

/** Which gauge writes an aggregator may skip (GAUGE_REWRITE_MS): per source, what storage holds and when it was written. */
export class GaugeWrites {
  readonly #stored = new Map<string, { json: string; at: number }>();

  /** The samples' JSON when they must be written, else null (storage holds them, written recently). */
  due(gauges: GaugeSource): string | null {
    const json = JSON.stringify(gauges.samples);
    const stored = this.#stored.get(gauges.source);
    if (stored && stored.json === json && gauges.at - stored.at < GAUGE_REWRITE_MS) return null;
    this.#stored.set(gauges.source, { json, at: gauges.at });
    return json;
  }

  forget(source: string): void {
    this.#stored.delete(source);
  }
}

/** The shards' snapshots as one: sums per series, the cap applied again over the union. */
export const mergeSnapshots = (snapshots: readonly MetricsSnapshot[], cap: number = DEFAULT_SERIES_CAP): MetricsSnapshot => {
  const counters = new SeriesTable<number>(cap);
  const histograms = new SeriesTable<HistogramValue>(cap);
  const gauges = new SeriesTable<number>(cap);
  for (const snapshot of snapshots) {
    for (const [metric, values, value] of snapshot.counters) addCounter(counters, metric, values, value);
    for (const [metric, values, value] of snapshot.histograms) addHistogram(histograms, metric, values, value);
    for (const [metric, values, value] of snapshot.gauges) addCounter(gauges, metric, values, value);
  }
  return {
    counters: [...counters.rows()].map((r) => [r.metric, r.labels, r.value]),
    histograms: [...histograms.rows()].map((r) => [r.metric, r.labels, r.value]),
    gauges: [...gauges.rows()].map((r) => [r.metric, r.labels, r.value]),
  };
};

export const EMPTY_SNAPSHOT: MetricsSnapshot = Object.freeze({ counters: [], histograms: [], gauges: [] });
