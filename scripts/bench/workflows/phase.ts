// The workflow benchmark's accounting per phase: the status of every reply (5xx, 429 and
// network errors reported, the first few kept), the latency of run polls, and the CPU
// of each measurement with the reloads and noise over all of them.
import { cpuTally } from "../lib/cpu-tally.ts";
import { type Client, describe, type Reply } from "../lib/http.ts";
import type { BenchServer, CpuMark, CpuReport } from "../lib/servers.ts";
import { fmt, fmtInt, percentile } from "../lib/stats.ts";

/** The nearest-rank p50 (not the mean of the middle two). */
export const median = (xs: readonly number[]) => percentile(xs, 50);

/** Latencies of GET /v1/runs/:id polls, split by whether the run was still running or already final when answered. */
export const pollLatency = { running: [] as number[], final: [] as number[] };
const resetPollLatency = (): void => {
  pollLatency.running = [];
  pollLatency.final = [];
};
export const pollText = (): string =>
  `GET /v1/runs/:id latency while running p50 ${fmt(median(pollLatency.running), 1)} ms, p99 ${fmt(percentile(pollLatency.running, 99), 1)} ms (${pollLatency.running.length}); ` +
  `once final p50 ${fmt(median(pollLatency.final), 1)} ms, p99 ${fmt(percentile(pollLatency.final, 99), 1)} ms (${pollLatency.final.length})`;

export type StatusCounts = Map<number, number>;
/** Reply statuses of the current phase (beginPhase starts a new count). */
export const phase = { statuses: new Map() as StatusCounts };
/** The first 5xx / 429 / network-error replies of the whole benchmark. */
export const firstBad: string[] = [];

/** A platform client whose every reply's status is counted in the current phase. */
export const countingClient = (inner: Client): Client => {
  const count = (reply: Reply, what: string): Reply => {
    phase.statuses.set(reply.status, (phase.statuses.get(reply.status) ?? 0) + 1);
    if ((reply.status === 0 || reply.status >= 500 || reply.status === 429) && firstBad.length < 10) firstBad.push(`${what}: ${describe(reply)}`);
    return reply;
  };
  return {
    name: inner.name,
    post: async (path, body, headers) => count(await inner.post(path, body, headers), `POST ${path}`),
    get: async (path, headers) => count(await inner.get(path, headers), `GET ${path}`),
    put: async (path, body, headers) => count(await inner.put(path, body, headers), `PUT ${path}`),
    close: () => inner.close(),
    get retries() {
      return inner.retries ?? 0;
    },
  };
};

export const statusText = (counts: StatusCounts): string =>
  [...counts].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${status === 0 ? "network error" : status} x${fmtInt(n)}`).join(", ") || "none";
export const badCount = (counts: StatusCounts): number => [...counts].filter(([status]) => status === 0 || status >= 500 || status === 429).reduce((n, [, c]) => n + c, 0);
export const fiveXx = (counts: StatusCounts): number => [...counts].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);

export const cpuLine = (cpu: CpuReport, runs: number, what = "run"): string =>
  `    ${cpu.text}` +
  (runs > 0 ? `; per ${what}: worker ${fmt((cpu.workerSeconds / runs) * 1000, 2)} ms, proxy ${fmt((cpu.proxySeconds / runs) * 1000, 2)} ms, client ${fmt((cpu.clientSeconds / runs) * 1000, 2)} ms CPU` : "");

/** Reloads and noise over all of this benchmark's measurements (servers "platform" and "bare"). */
export const tally = cpuTally();
export const endCpu = (server: BenchServer, mark: CpuMark, side: "platform" | "bare" = "platform"): CpuReport => tally.end(side, server, mark);

export const beginPhase = (): void => {
  phase.statuses = new Map();
  resetPollLatency();
};
