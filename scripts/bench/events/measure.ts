// How the event benchmark measures and reports: the end of each measurement (where the
// CPU went, per event), the median of paired rounds, and a publish load's one-line summary.
import { type CpuTotals, cpuTally, msPer } from "../lib/cpu-tally.ts";
import type { CpuMark } from "../lib/servers.ts";
import { fmt, fmtInt, type LoadResult, percentile } from "../lib/stats.ts";
import type { Side } from "./side.ts";

/** Reloads and noise over all of this benchmark's measurements. */
export const tally = cpuTally();

/** Ends a measurement started at `mark`: prints where the CPU went, per event, and accounts it. */
export const endMeasurement = (side: Side, mark: CpuMark, events: number, totals?: CpuTotals): void => {
  const cpu = tally.end(side.name, side.server, mark, totals, events);
  const busy = `; workerd-worker busy ${fmt(cpu.workerSeconds / Math.max(cpu.wallSeconds, 1e-9), 2)} cores`;
  const per =
    events > 0
      ? `; per event: worker ${fmt(msPer(cpu.workerSeconds, events), 3)} ms, proxy ${fmt(msPer(cpu.proxySeconds, events), 3)} ms, client ${fmt(msPer(cpu.clientSeconds, events), 3)} ms CPU`
      : "";
  console.log(`    ${cpu.text}${busy}${per}`);
};

/** The median (the mean of the middle two for an even count); NaN when empty. */
export const median = (samples: readonly number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** A publish load in one line: requests and events, rate in events/s, request latency. */
export const summary = (r: LoadResult, batch: number): string =>
  `${fmtInt(r.ok)} requests ok (${fmtInt(r.ok * batch)} events), ${r.errors} errors in ${fmt(r.elapsedMs / 1000, 2)}s = ` +
  `${fmtInt(((r.ok * batch) / r.elapsedMs) * 1000)} events/s; request p50 ${fmt(percentile(r.latencies, 50))} ms, p99 ${fmt(percentile(r.latencies, 99))} ms, ` +
  `max ${fmt(percentile(r.latencies, 100))} ms`;
