// Workflow benchmark, phase 1: order runs per second at concurrency 16. Each client loop
// starts a run, polls it until it is final, then starts the next; a run's latency is
// start -> final as the coordinator recorded it (its final `updatedAt` against this
// client's clock when it sent the start), so the polling only slows the loop.
import type { Client } from "../lib/http.ts";
import { type BenchServer, cpuMark } from "../lib/servers.ts";
import { closedLoop, fmt, fmtInt, percentile } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { beginPhase, cpuLine, endCpu, median, phase, pollText, type StatusCounts, statusText } from "./phase.ts";
import { ms, startRun, waitFinal } from "./runs.ts";

export type ThroughputFigures = {
  runsPerSecond: number;
  completed: number;
  otherFinal: Record<string, number>;
  errors: number;
  firstErrors: string[];
  p50: number;
  p99: number;
  max: number;
  observedP50: number;
  pollsPerRun: number;
  workerCpuMsPerRun: number;
  proxyCpuMsPerRun: number;
  statuses: StatusCounts;
};

export const throughputBench = async (server: BenchServer, client: Client, tag: string): Promise<ThroughputFigures> => {
  const { concurrency, ms: windowMs, maxRuns, firstPollMs, pollMs } = CONFIG.throughput;
  console.log(`\n## 1. Order runs per second: concurrency ${concurrency}, ${windowMs / 1000}s; each loop starts a run and polls it (first after ${firstPollMs} ms, then every ${pollMs} ms) until final`);
  beginPhase();
  const latencies: number[] = [];
  const observed: number[] = [];
  const otherFinal: Record<string, number> = {};
  let polls = 0;
  let completed = 0;
  const mark = cpuMark(server);
  const result = await closedLoop({
    concurrency,
    maxCount: maxRuns,
    maxMs: windowMs,
    keepErrors: 5,
    op: async () => {
      const run = await startRun(client, `${tag}-t`);
      if ("error" in run) return { ok: false, ms: 0, error: run.error };
      const done = await waitFinal(client, run, firstPollMs, pollMs);
      polls += done.polls;
      if ("error" in done) return { ok: false, ms: 0, error: done.error };
      if (done.view.status !== "completed") {
        otherFinal[done.view.status] = (otherFinal[done.view.status] ?? 0) + 1;
        return { ok: false, ms: 0, error: `run ${run.id} ended ${done.view.status}` };
      }
      completed++;
      latencies.push(ms(done.view.updatedAt) - run.wallStart);
      observed.push(done.observedAt - run.perfStart);
      return { ok: true, ms: done.observedAt - run.perfStart };
    },
  });
  const cpu = endCpu(server, mark);
  const runs = result.ok + result.errors;
  const figures: ThroughputFigures = {
    runsPerSecond: (completed / result.elapsedMs) * 1000,
    completed,
    otherFinal,
    errors: result.errors,
    firstErrors: result.firstErrors,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    observedP50: median(observed),
    pollsPerRun: runs > 0 ? polls / runs : Number.NaN,
    workerCpuMsPerRun: completed > 0 ? (cpu.workerSeconds / completed) * 1000 : Number.NaN,
    proxyCpuMsPerRun: completed > 0 ? (cpu.proxySeconds / completed) * 1000 : Number.NaN,
    statuses: phase.statuses,
  };
  console.log(
    `  ${fmtInt(completed)} runs completed, ${result.errors} errors in ${fmt(result.elapsedMs / 1000, 2)}s = ${fmt(figures.runsPerSecond, 1)} runs/s; ` +
      `start -> final (coordinator's updatedAt): p50 ${fmt(figures.p50)} ms, p99 ${fmt(figures.p99)} ms, max ${fmt(figures.max)} ms; ` +
      `start -> final seen by the client: p50 ${fmt(figures.observedP50)} ms; ${fmt(figures.pollsPerRun, 1)} polls per run`,
  );
  console.log(cpuLine(cpu, completed) + " (includes the polling GETs)");
  console.log(`    ${pollText()}`);
  console.log(`    responses: ${statusText(phase.statuses)}`);
  for (const error of result.firstErrors) console.log(`    error: ${error}`);
  return figures;
};
