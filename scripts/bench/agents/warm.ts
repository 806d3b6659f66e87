// Agent benchmark, warm action throughput: increments on agents already spawned and
// warm, in alternating rounds per side; then a check that every acknowledged increment
// is in each agent's total (one more increment must answer acknowledged + 1).
import { type CpuTotals, cpuTotals, msPer } from "../lib/cpu-tally.ts";
import { describe } from "../lib/http.ts";
import { printErrors } from "../lib/report.ts";
import { cpuMark } from "../lib/servers.ts";
import { alternating, type SideName } from "../lib/sides.ts";
import { closedLoop, type LoadResult, mergeResults, percentile } from "../lib/stats.ts";
import { CONFIG, SETUP_CONCURRENCY, SETUP_MAX_MS } from "./config.ts";
import { endMeasurement, setup, summary } from "./measure.ts";
import { incrementOutcome, type Side, spawnOutcome, valueOf } from "./side.ts";

export type WarmFigures = { throughput: number; p50: number; p99: number; errors: number; lost: number; result: LoadResult; workerCpuMs: number; proxyCpuMs: number };

export const warmBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, WarmFigures>> => {
  const { agents, concurrency, rounds, roundMs, roundMaxCount, warmupMs } = CONFIG.warm;
  const ids = Array.from({ length: agents }, (_, i) => `w-${runId}-${i}`);
  const acknowledged: Record<SideName, number[]> = { platform: ids.map(() => 0), bare: ids.map(() => 0) };
  console.log(`\n## Warm action throughput: concurrency ${concurrency} over ${agents} agents, ${rounds} rounds of ${roundMs / 1000}s per side, alternating`);

  const load = (side: Side, maxMs: number, maxCount: number) =>
    closedLoop({
      concurrency,
      maxCount,
      maxMs,
      op: async (i) => {
        const index = i % ids.length;
        const outcome = incrementOutcome(await side.increment(ids[index] as string, 1));
        if (outcome.ok) (acknowledged[side.name][index] as number)++;
        return outcome;
      },
    });

  for (const side of sides) {
    await setup(`${side.name}: spawn ${agents} agents`, agents, async (i) => spawnOutcome(await side.spawn(ids[i] as string)));
    const warmup = await load(side, warmupMs, roundMaxCount);
    console.log(`  ${side.name} warm-up (not counted): ${summary(warmup)}`);
    printErrors("warm-up", warmup);
  }

  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  for (let round = 0; round < rounds * 2; round++) {
    const side = alternating(sides, Math.floor(round / 2))[round % 2] as Side;
    // A, B, B, A, A, B: each side is measured first and second equally often.
    const mark = cpuMark(side.server);
    const result = await load(side, roundMs, roundMaxCount);
    results[side.name].push(result);
    console.log(`  round ${round + 1} ${side.name.padEnd(8)} ${summary(result)}`);
    endMeasurement(side, mark, result.ok + result.errors, cpu[side.name]);
    printErrors("errors", result);
  }

  // Every acknowledged increment must be in the total: one more increment per agent
  // must answer (acknowledged so far + 1).
  const figures = {} as Record<SideName, WarmFigures>;
  for (const side of sides) {
    let lost = 0;
    const checks = await closedLoop({
      concurrency: SETUP_CONCURRENCY,
      maxCount: ids.length,
      maxMs: SETUP_MAX_MS,
      op: async (i) => {
        const reply = await side.increment(ids[i] as string, 1);
        const value = valueOf(reply);
        if (value === undefined) return { ok: false, ms: reply.ms, error: describe(reply) };
        const expected = (acknowledged[side.name][i] as number) + 1;
        if (value !== expected) {
          // Below: an acknowledged increment is missing. Above: a failed (e.g. timed-out) call was applied anyway.
          if (value < expected) lost++;
          return { ok: false, ms: reply.ms, error: `${ids[i]}: value ${value}, expected ${expected} (acknowledged + 1)` };
        }
        return { ok: true, ms: reply.ms };
      },
    });
    if (checks.errors > 0) printErrors(`${side.name} total check (acknowledged increments vs value)`, checks);
    const merged = mergeResults(results[side.name]);
    figures[side.name] = {
      throughput: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      lost,
      result: merged,
      workerCpuMs: msPer(cpu[side.name].worker, cpu[side.name].count),
      proxyCpuMs: msPer(cpu[side.name].proxy, cpu[side.name].count),
    };
    console.log(`  ${side.name.padEnd(8)} all rounds: ${summary(merged)}; totals check: ${checks.ok}/${ids.length} agents exact`);
  }
  return figures;
};
