// Renders a tenant's metrics in the Prometheus text exposition format (0.0.4) or in
// OpenMetrics 1.0 (`# EOF`, counter families named without `_total`). Written here
// rather than taken from a library: the maintained JavaScript clients (prom-client)
// own their metric objects in a process-wide registry and need Node's APIs, while what
// we render is data merged from aggregator objects; the format is small, and this file
// is checked against `promtool check metrics` and an independent parser in the tests.
// Every catalog family is listed (HELP and TYPE) even before it has a sample, so a
// scrape always shows what may appear.
import { CATALOG, type MetricSpec } from "./catalog.ts";
import type { MetricsSnapshot } from "./aggregate.ts";
import type { HistogramValue, Sample } from "./series.ts";

export type ExpositionFormat = "prometheus" | "openmetrics";

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/** OpenMetrics when the scraper asks for it (Prometheus does, first, in its Accept header). */
export const formatFor = (accept: string | undefined): ExpositionFormat =>
  accept !== undefined && /application\/openmetrics-text/i.test(accept) ? "openmetrics" : "prometheus";

export const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const escapeHelp = (text: string, format: ExpositionFormat): string => {
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
};

/** Go's float formatting as Prometheus prints it: +Inf, -Inf, NaN, else the shortest decimal. */
export const formatNumber = (value: number): string => {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
};

/** A bucket bound in the canonical form clients use (`1.0`, `0.25`), as `le` values are compared as text. */
const formatBound = (bound: number): string => (Number.isInteger(bound) ? bound.toFixed(1) : formatNumber(bound));

const labelText = (names: readonly string[], values: readonly string[], extra?: [string, string]): string => {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
};

const familyName = (spec: MetricSpec, format: ExpositionFormat): string =>
  format === "openmetrics" && spec.kind === "counter" ? spec.name.replace(/_total$/, "") : spec.name;

const byLabels = <T>(a: [string, string[], T], b: [string, string[], T]): number => {
  const x = a[1].join("\u0000");
  const y = b[1].join("\u0000");
  return x < y ? -1 : x > y ? 1 : 0;
};

const histogramLines = (spec: MetricSpec, values: readonly string[], h: HistogramValue): string[] => {
  const bounds = spec.buckets ?? [];
  const lines: string[] = [];
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += h.counts[i] ?? 0;
    lines.push(`${spec.name}_bucket${labelText(spec.labels, values, ["le", formatBound(bounds[i]!)])} ${cumulative}`);
  }
  lines.push(`${spec.name}_bucket${labelText(spec.labels, values, ["le", "+Inf"])} ${h.count}`);
  lines.push(`${spec.name}_sum${labelText(spec.labels, values)} ${formatNumber(h.sum)}`);
  lines.push(`${spec.name}_count${labelText(spec.labels, values)} ${h.count}`);
  return lines;
};

export const renderMetrics = (snapshot: MetricsSnapshot, format: ExpositionFormat): string => {
  const grouped = new Map<string, { scalars: Sample[]; histograms: [string, string[], HistogramValue][] }>();
  const groupOf = (metric: string) => {
    let group = grouped.get(metric);
    if (!group) grouped.set(metric, (group = { scalars: [], histograms: [] }));
    return group;
  };
  for (const sample of [...snapshot.counters, ...snapshot.gauges]) groupOf(sample[0]).scalars.push(sample);
  for (const sample of snapshot.histograms) groupOf(sample[0]).histograms.push(sample);
  const lines: string[] = [];
  for (const spec of CATALOG) {
    const family = familyName(spec, format);
    lines.push(`# HELP ${family} ${escapeHelp(spec.help, format)}`);
    lines.push(`# TYPE ${family} ${spec.kind}`);
    const group = grouped.get(spec.name);
    if (!group) continue;
    if (spec.kind === "histogram") {
      for (const [, values, h] of [...group.histograms].sort(byLabels)) lines.push(...histogramLines(spec, values, h));
    } else {
      for (const [, values, value] of [...group.scalars].sort(byLabels)) lines.push(`${spec.name}${labelText(spec.labels, values)} ${formatNumber(value)}`);
    }
  }
  if (format === "openmetrics") lines.push("# EOF");
  return `${lines.join("\n")}\n`;
};
