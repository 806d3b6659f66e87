// Metric series and the deltas that travel between a source (the Worker, an object) and
// its aggregator. A series is a metric name with its label values in the order the
// catalog declares. Every table of series holds at most `cap` distinct label sets per
// metric: past that, new label sets fold into one `other` series (every label but
// `tenant` set to "other"), so a stream of unexpected values (subscription ids, action
// names) costs a bounded amount of memory, storage and scrape size, and still counts.
import { specOf } from "./catalog.ts";

export const OTHER = "other";
/** Distinct label sets one metric keeps before folding the rest into `other`. */
export const DEFAULT_SERIES_CAP = 200;

export type HistogramValue = {
  /** Observations per bucket, not cumulative: one per catalog bound, then +Inf. */
  counts: number[];
  sum: number;
  count: number;
};
export type Sample = [metric: string, labels: string[], value: number];
export type HistogramSample = [metric: string, labels: string[], value: HistogramValue];

/** What a source ships per tenant: plain data, so it crosses RPC and storage as is. */
export type MetricBatch = {
  /** Counter increments since the previous batch. */
  counters: Sample[];
  /** Histogram observations since the previous batch. */
  histograms: HistogramSample[];
  /** The source's gauges now; they replace whatever it reported before. Absent: none kept. */
  gauges?: Sample[];
};

export type Row<V> = { metric: string; labels: string[]; value: V };

export const keyOf = (metric: string, labels: readonly string[]): string => JSON.stringify([metric, ...labels]);

/** The label values with all but `tenant` folded into `other`. */
export const foldLabels = (metric: string, labels: readonly string[]): string[] => {
  const names = specOf(metric)?.labels ?? [];
  return labels.map((value, i) => (names[i] === "tenant" ? value : OTHER));
};

/**
 * The rows by metric, then by each label value in turn: finding a series is a few map
 * lookups, with no key string built per update (every recorded action updates two).
 */
type Node<V> = { next: Map<string, Node<V>> | undefined; row: Row<V> | undefined };
const node = <V>(): Node<V> => ({ next: undefined, row: undefined });

/** A capped map from series to a value (a counter's total, a histogram, a gauge). */
export class SeriesTable<V> {
  #index = new Map<string, Node<V>>();
  #rows: Row<V>[] = [];
  readonly #distinct = new Map<string, number>();
  readonly #cap: number;

  constructor(cap: number = DEFAULT_SERIES_CAP) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError("series cap must be an integer >= 1");
    this.#cap = cap;
  }

  /** The node of a series; made (with its path) when `create`, else undefined when absent. */
  #find(metric: string, labels: readonly string[], create: boolean): Node<V> | undefined {
    let at: Node<V> | undefined = this.#index.get(metric);
    if (!at) {
      if (!create) return undefined;
      this.#index.set(metric, (at = node<V>()));
    }
    for (const value of labels) {
      let next: Node<V> | undefined = at.next?.get(value);
      if (!next) {
        if (!create) return undefined;
        (at.next ??= new Map()).set(value, (next = node<V>()));
      }
      at = next;
    }
    return at;
  }

  /**
   * Updates the series' value with `fn` (given undefined when new), folding it into
   * `other` past the cap; answers the row it updated (the folded one, when folded).
   */
  update(metric: string, labels: readonly string[], fn: (previous: V | undefined) => V): Row<V> {
    let row = this.#find(metric, labels, false)?.row;
    if (!row) {
      const used = this.#distinct.get(metric) ?? 0;
      const folded = foldLabels(metric, labels);
      const isOther = folded.every((value, i) => value === labels[i]);
      if (used >= this.#cap && !isOther) {
        labels = folded;
        row = this.#find(metric, labels, false)?.row;
      } else if (!isOther) {
        this.#distinct.set(metric, used + 1);
      }
    }
    const value = fn(row?.value);
    if (row) row.value = value;
    else {
      row = { metric, labels: [...labels], value };
      this.#find(metric, labels, true)!.row = row;
      this.#rows.push(row);
    }
    return row;
  }

  get(metric: string, labels: readonly string[]): V | undefined {
    return this.#find(metric, labels, false)?.row?.value;
  }

  get size(): number {
    return this.#rows.length;
  }

  /** The rows in the order their series were first seen. */
  rows(): IterableIterator<Row<V>> {
    return this.#rows.values();
  }

  clear(): void {
    this.#index = new Map();
    this.#rows = [];
    this.#distinct.clear();
  }
}

export const emptyHistogram = (bounds: readonly number[]): HistogramValue => ({ counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 });

/** The bucket an observation falls in: the first bound it does not exceed (Prometheus' `le`), else +Inf. */
export const bucketOf = (bounds: readonly number[], value: number): number => {
  for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) return i;
  return bounds.length;
};

export const observe = (histogram: HistogramValue, bounds: readonly number[], value: number): HistogramValue => {
  histogram.counts[bucketOf(bounds, value)]! += 1;
  histogram.sum += value;
  histogram.count += 1;
  return histogram;
};

/** Adds `delta` into `into` (same bounds); a delta of another shape (a changed catalog) is ignored. */
export const mergeHistogram = (into: HistogramValue, delta: HistogramValue): HistogramValue => {
  if (delta.counts.length !== into.counts.length) return into;
  for (let i = 0; i < delta.counts.length; i++) into.counts[i]! += delta.counts[i]!;
  into.sum += delta.sum;
  into.count += delta.count;
  return into;
};

export const copyHistogram = (value: HistogramValue): HistogramValue => ({ counts: [...value.counts], sum: value.sum, count: value.count });

/** Adds a counter increment to a table. */
export const addCounter = (table: SeriesTable<number>, metric: string, labels: readonly string[], delta: number): Row<number> =>
  table.update(metric, labels, (previous) => (previous ?? 0) + delta);

/** Adds a histogram delta to a table. */
export const addHistogram = (table: SeriesTable<HistogramValue>, metric: string, labels: readonly string[], delta: HistogramValue): Row<HistogramValue> =>
  table.update(metric, labels, (previous) => (previous ? mergeHistogram(previous, delta) : copyHistogram(delta)));
