// Agent benchmark, spawn many: spawning thousands of agents per side in chunks that
// alternate between the sides, with the client-visible errors, slow requests, CPU and
// memory of each chunk.
import { type CpuTotals, cpuTotals, msPer } from "../lib/cpu-tally.ts";
import { printErrors } from "../lib/report.ts";
import { cpuMark, groupRss } from "../lib/servers.ts";
import { alternating, type SideName } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, type LoadResult, mergeResults, percentile } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { endMeasurement, summary } from "./measure.ts";
import { type Side, spawnOutcome } from "./side.ts";

export type SpawnFigures = {
  count: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  firstErrors: string[];
  complete: boolean;
  workerCpuMs: number;
};

export const spawnBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, SpawnFigures>> => {
  const { count, concurrency, chunks, chunkMaxMs } = CONFIG.spawn;
  const chunkSize = Math.ceil(count / chunks);
  console.log(`\n## Spawn ${fmtInt(count)} agents per side at concurrency ${concurrency}, in ${chunks} chunks of ${fmtInt(chunkSize)} alternating between the sides`);
  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  for (let chunk = 0; chunk < chunks; chunk++) {
    const offset = chunk * chunkSize;
    const size = Math.min(chunkSize, count - offset);
    for (const side of alternating(sides, chunk)) {
      const mark = cpuMark(side.server);
      const result = await closedLoop({
        concurrency,
        maxCount: size,
        maxMs: chunkMaxMs,
        op: async (i) => spawnOutcome(await side.spawn(`s-${runId}-${offset + i}`)),
      });
      results[side.name].push(result);
      console.log(`  chunk ${chunk + 1} ${side.name.padEnd(8)} ${summary(result)}`);
      if (result.slow.length > 0) {
        const starts = result.slow.map((slow) => slow.startedAt);
        console.log(
          `    ${result.slow.length} requests took >= 1 s (slowest ${fmt(Math.max(...result.slow.map((slow) => slow.ms)), 0)} ms); ` +
            `they started between ${fmt(Math.min(...starts) / 1000, 2)}s and ${fmt(Math.max(...starts) / 1000, 2)}s into the chunk`,
        );
      }
      endMeasurement(side, mark, result.ok + result.errors, cpu[side.name], `; RSS ${groupRss(side.server)}`);
      printErrors("errors", result);
    }
  }
  const figures = {} as Record<SideName, SpawnFigures>;
  for (const side of sides) {
    const merged = mergeResults(results[side.name]);
    const notIssued = count - merged.issued;
    figures[side.name] = {
      count: merged.ok,
      seconds: merged.elapsedMs / 1000,
      rate: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      firstErrors: merged.firstErrors,
      complete: notIssued === 0,
      workerCpuMs: msPer(cpu[side.name].worker, cpu[side.name].count),
    };
    console.log(`  ${side.name.padEnd(8)} total: ${summary(merged)}${notIssued > 0 ? `; ${notIssued} never issued (time bound)` : ""}`);
    printErrors("client-visible errors", merged);
  }
  return figures;
};
