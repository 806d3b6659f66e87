// What a benchmark accounts for every measurement besides its own figures: whether
// wrangler reloaded the server meanwhile (figures disturbed) and the CPU other processes
// used (the noise the figures carry); and the CPU of a side's parts summed over
// measurements, to divide by the requests or events they served.
import { type BenchServer, type CpuMark, type CpuReport, cpuSince } from "./servers.ts";
import { fmt } from "./stats.ts";

/** CPU seconds of the Worker's workerd, the dev proxy and the bench client, and the requests or events they served. */
export type CpuTotals = { worker: number; proxy: number; client: number; count: number };
export const cpuTotals = (): CpuTotals => ({ worker: 0, proxy: 0, client: 0, count: 0 });

/** Milliseconds of CPU per request or event; NaN when there were none. */
export const msPer = (seconds: number, count: number): number => (count > 0 ? (seconds / count) * 1000 : Number.NaN);

export type CpuTally = {
  /** Ends a measurement of `server` started at `mark`; unless the server reloaded, adds its CPU and `count` to `totals`. */
  end(side: string, server: BenchServer, mark: CpuMark, totals?: CpuTotals, count?: number): CpuReport;
  /** Measurements of `side` during which wrangler reloaded its server. */
  reloads(side: string): number;
  /** Cores other processes kept busy during all measurements, on average ("0.12"). */
  otherCores(): string;
};

/** A tally for one benchmark (each keeps its own). */
export const cpuTally = (): CpuTally => {
  const reloads = new Map<string, number>();
  const noise = { otherSeconds: 0, wallSeconds: 0 };
  return {
    end: (side, server, mark, totals, count = 0) => {
      const cpu = cpuSince(server, mark);
      if (cpu.reloaded) reloads.set(side, (reloads.get(side) ?? 0) + 1);
      noise.otherSeconds += cpu.otherSeconds;
      noise.wallSeconds += cpu.wallSeconds;
      if (totals && !cpu.reloaded) {
        totals.worker += cpu.workerSeconds;
        totals.proxy += cpu.proxySeconds;
        totals.client += cpu.clientSeconds;
        totals.count += count;
      }
      return cpu;
    },
    reloads: (side) => reloads.get(side) ?? 0,
    otherCores: () => fmt(noise.otherSeconds / Math.max(noise.wallSeconds, 1e-9), 2),
  };
};
