// How the agent benchmark measures and reports: the end of each measurement (where the
// CPU went, per request), a load's one-line summary, and setup that must not fail.
import { type CpuTotals, cpuTally } from "../lib/cpu-tally.ts";
import type { BenchServer, CpuMark } from "../lib/servers.ts";
import type { SideName } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, type LoadResult, type Outcome, percentile } from "../lib/stats.ts";
import { SETUP_CONCURRENCY, SETUP_MAX_MS } from "./config.ts";

/** Reloads and noise over all of this benchmark's measurements. */
export const tally = cpuTally();

/** Ends a measurement started at `mark`: prints where the CPU went and accounts it. */
export const endMeasurement = (side: { name: SideName; server: BenchServer }, mark: CpuMark, requests: number, totals?: CpuTotals, suffix = ""): void => {
  const cpu = tally.end(side.name, side.server, mark, totals, requests);
  const perRequest = requests > 0 ? `; per request: worker ${fmt((cpu.workerSeconds / requests) * 1000, 2)} ms, proxy ${fmt((cpu.proxySeconds / requests) * 1000, 2)} ms CPU` : "";
  console.log(`    ${cpu.text}${perRequest}${suffix}`);
};

export const summary = (r: LoadResult): string =>
  `${fmtInt(r.ok)} ok, ${r.errors} errors in ${fmt(r.elapsedMs / 1000, 2)}s = ${fmtInt((r.ok / r.elapsedMs) * 1000)}/s; ` +
  `p50 ${fmt(percentile(r.latencies, 50))} ms, p99 ${fmt(percentile(r.latencies, 99))} ms, max ${fmt(percentile(r.latencies, 100))} ms` +
  (r.timedOut ? " (time bound hit)" : "");

/** Setup that must succeed completely, or the figures mean nothing: throws on any error. */
export const setup = async (what: string, count: number, op: (i: number) => Promise<Outcome>): Promise<void> => {
  const result = await closedLoop({ concurrency: SETUP_CONCURRENCY, maxCount: count, maxMs: SETUP_MAX_MS, op });
  if (result.ok !== count) {
    throw new Error(`setup '${what}': ${result.ok}/${count} succeeded, ${result.errors} errors; first: ${result.firstErrors.join(" | ")}`);
  }
};
