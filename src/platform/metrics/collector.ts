// The in-memory side of metrics at a source (the Worker's isolate, one object): a
// telemetry subscriber turns events into deltas kept per tenant, and `take` hands them
// over as one batch per tenant, to be flushed off the request path. Recording is a few
// map updates per event; nothing here does I/O. A batch lost in flight loses exactly the
// deltas it carried: the next batch starts from zero, never from the lost one.
// `kinds` splits the work between two collectors: an isolate-wide one for counters and
// histograms (many objects' series merge into one row before they ship) and each
// object's own for its gauges, whose meaning is per source (objects/metrics/watch.ts).
import type { TelemetryEvent } from "../telemetry/emitter.ts";
import { agentRecords, type MetricSpec } from "./catalog.ts";
import { MAPPED_EVENTS, type MetricOp, metricOps } from "./event-map.ts";
import { DEFAULT_SERIES_CAP, emptyHistogram, type HistogramSample, type HistogramValue, type MetricBatch, observe, type Sample, SeriesTable } from "./series.ts";

export type GaugeReading = { metric: MetricSpec; labels: Record<string, string>; value: number };

export type CollectorOptions = {
  /** The tenant of events that carry none: an object's own, the request's in the Worker. */
  tenant?: () => string | null | undefined;
  /** An agent type's `observability.metrics` (empty or undefined: all agent metrics). */
  agentMetrics?: (type: string) => readonly string[] | undefined;
  /** Gauges read when a batch is taken (an agent's bulkhead and breaker). */
  sample?: () => GaugeReading[];
  cap?: number;
  /** Which ops this collector records: counters and histograms ("deltas"), gauges, or all. */
  kinds?: "deltas" | "gauges" | "all";
};

/** Who recorded an event, for a collector shared by many objects: overrides the collector's own options. */
export type RecordScope = Pick<CollectorOptions, "tenant" | "agentMetrics">;

export type MetricsCollector = {
  /** Records an event's deltas; answers whether it recorded any. */
  record(event: TelemetryEvent, scope?: RecordScope): boolean;
  /** Whether a batch has anything to ship. */
  pending(): boolean;
  /** Hands over the deltas so far (one batch per tenant) and starts again from zero. */
  take(): Map<string, MetricBatch>;
};

/** Tenants one source buffers between flushes; events of more are dropped until the next flush. */
export const MAX_TENANTS_PER_BATCH = 1_000;
const MAX_LABEL_LENGTH = 128;

/**
 * A tenant's deltas. Its tables outlive a batch: `take` hands over the rows touched since
 * the last one and resets them to null (untouched), so a source finds its series again
 * instead of building them anew after every flush; a tenant with nothing in a batch is
 * dropped, so only the tenants active in the last interval are kept.
 */
type Buffer = { counters: SeriesTable<number | null>; histograms: SeriesTable<HistogramValue | null>; gauges: SeriesTable<number> };

/** The label values in the catalog's order (a missing one is empty, a long one clipped). */
export const labelValues = (metric: MetricSpec, labels: Record<string, string>): string[] =>
  metric.labels.map((name) => (labels[name] ?? "").slice(0, MAX_LABEL_LENGTH));

export const createMetricsCollector = (options: CollectorOptions = {}): MetricsCollector => {
  const cap = options.cap ?? DEFAULT_SERIES_CAP;
  let buffers = new Map<string, Buffer>();
  // Event-set gauges are last values, kept across batches: every batch restates them.
  const gauges = new Map<string, SeriesTable<number>>();
  let dirty = false;

  const bufferOf = (tenant: string): Buffer | undefined => {
    let buffer = buffers.get(tenant);
    if (!buffer) {
      if (buffers.size >= MAX_TENANTS_PER_BATCH) return undefined;
      let kept = gauges.get(tenant);
      if (!kept) gauges.set(tenant, (kept = new SeriesTable<number>(cap)));
      buffer = { counters: new SeriesTable(cap), histograms: new SeriesTable(cap), gauges: kept };
      buffers.set(tenant, buffer);
    }
    return buffer;
  };

  const kinds = options.kinds ?? "all";
  const apply = (op: MetricOp, agentMetrics: CollectorOptions["agentMetrics"]): boolean => {
    const tenant = op.labels.tenant;
    if (!tenant) return false;
    if (kinds !== "all" && (op.kind === "set") !== (kinds === "gauges")) return false;
    if (agentMetrics && op.labels.type !== undefined && !agentRecords(agentMetrics(op.labels.type), op.metric.name)) return false;
    const buffer = bufferOf(tenant);
    if (!buffer) return false;
    const labels = labelValues(op.metric, op.labels);
    if (op.kind === "inc") buffer.counters.update(op.metric.name, labels, (previous) => (previous ?? 0) + op.value);
    else if (op.kind === "set") buffer.gauges.update(op.metric.name, labels, () => op.value);
    else {
      const bounds = op.metric.buckets ?? [];
      buffer.histograms.update(op.metric.name, labels, (previous) => observe(previous ?? emptyHistogram(bounds), bounds, op.value));
    }
    return true;
  };

  return {
    record(event, scope) {
      if (!MAPPED_EVENTS.has(event.name)) return false;
      const attributed = event.attributes.tenant;
      const tenant = typeof attributed === "string" && attributed !== "" ? attributed : (scope?.tenant ?? options.tenant)?.();
      if (!tenant) return false;
      const agentMetrics = scope?.agentMetrics ?? options.agentMetrics;
      let recorded = false;
      for (const op of metricOps(event, tenant)) recorded = apply(op, agentMetrics) || recorded;
      dirty ||= recorded;
      return recorded;
    },
    pending: () => dirty,
    take() {
      const taken = new Map<string, { counters: Sample[]; histograms: HistogramSample[] }>();
      for (const [tenant, buffer] of buffers) {
        const counters: Sample[] = [];
        for (const row of buffer.counters.rows()) {
          if (row.value === null) continue;
          counters.push([row.metric, row.labels, row.value]);
          row.value = null;
        }
        const histograms: HistogramSample[] = [];
        for (const row of buffer.histograms.rows()) {
          if (row.value === null) continue;
          histograms.push([row.metric, row.labels, row.value]);
          row.value = null;
        }
        if (counters.length === 0 && histograms.length === 0) buffers.delete(tenant);
        else taken.set(tenant, { counters, histograms });
      }
      dirty = false;
      const sampled = new Map<string, Sample[]>();
      for (const reading of options.sample?.() ?? []) {
        const tenant = reading.labels.tenant;
        if (!tenant || (options.agentMetrics && reading.labels.type !== undefined && !agentRecords(options.agentMetrics(reading.labels.type), reading.metric.name))) continue;
        const list = sampled.get(tenant) ?? [];
        list.push([reading.metric.name, labelValues(reading.metric, reading.labels), reading.value]);
        sampled.set(tenant, list);
      }
      const batches = new Map<string, MetricBatch>();
      const gauged = [...gauges].filter(([, table]) => table.size > 0).map(([tenant]) => tenant);
      for (const tenant of new Set([...taken.keys(), ...sampled.keys(), ...gauged])) {
        const buffer = taken.get(tenant);
        const kept = [...(gauges.get(tenant)?.rows() ?? [])].map((row): Sample => [row.metric, row.labels, row.value]);
        const batch: MetricBatch = { counters: buffer?.counters ?? [], histograms: buffer?.histograms ?? [] };
        const gaugeSamples = [...kept, ...(sampled.get(tenant) ?? [])];
        if (gaugeSamples.length > 0 || options.sample) batch.gauges = gaugeSamples;
        batches.set(tenant, batch);
      }
      return batches;
    },
  };
};
