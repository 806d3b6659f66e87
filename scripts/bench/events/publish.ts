// Event benchmark, publish throughput: to one stream (single events, and batches), and
// spread over many streams (scaling with the number of objects), in alternating rounds
// per side, with each round pair's platform / bare ratio; every stream checked after.
import { cpuTotals, type CpuTotals, msPer } from "../lib/cpu-tally.ts";
import { printErrors } from "../lib/report.ts";
import { cpuMark } from "../lib/servers.ts";
import { alternating, type SideName } from "../lib/sides.ts";
import { closedLoop, fmt, type LoadResult, mergeResults, percentile, ratio } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { checkStreams, checkText, publishOp, type StreamCheck } from "./ledgers.ts";
import { endMeasurement, median, summary } from "./measure.ts";
import type { Side } from "./side.ts";

export type PublishFigures = {
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  workerCpuMs: number;
  proxyCpuMs: number;
  clientCpuMs: number;
  /** Median over the adjacent round pairs (A B, B A, ...) of platform / bare events/s: robust to noise that comes and goes. */
  pairedRatio: number;
  check: StreamCheck;
};

export type PublishVariant = { key: string; title: string; streams: string[]; batch: number };

export const publishBench = async (sides: readonly [Side, Side], runId: string, variant: PublishVariant): Promise<Record<SideName, PublishFigures>> => {
  const { concurrency, rounds, roundMs, roundMaxCount, warmupMs } = CONFIG.publish;
  console.log(
    `\n## Publish: ${variant.title}: concurrency ${concurrency}, ${variant.batch === 1 ? "single events" : `batches of ${variant.batch}`} per request, ` +
      `${rounds} rounds of ${roundMs / 1000}s per side, alternating`,
  );
  const load = (side: Side, maxMs: number) =>
    closedLoop({
      concurrency,
      maxCount: roundMaxCount,
      maxMs,
      op: (i) => publishOp(side, runId, variant.streams[i % variant.streams.length] as string, variant.batch),
    });
  for (const side of sides) {
    const warmup = await load(side, warmupMs);
    console.log(`  ${side.name} warm-up (not counted): ${summary(warmup, variant.batch)}`);
    printErrors("warm-up", warmup);
  }
  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  const pairRatios: number[] = [];
  let pair: Partial<Record<SideName, number>> = {};
  for (let round = 0; round < rounds * 2; round++) {
    const side = alternating(sides, Math.floor(round / 2))[round % 2] as Side;
    const mark = cpuMark(side.server);
    const result = await load(side, roundMs);
    results[side.name].push(result);
    pair[side.name] = result.ok / result.elapsedMs;
    if (round % 2 === 1) {
      pairRatios.push(ratio(pair.platform ?? Number.NaN, pair.bare ?? Number.NaN));
      pair = {};
    }
    console.log(`  round ${round + 1} ${side.name.padEnd(8)} ${summary(result, variant.batch)}`);
    endMeasurement(side, mark, result.ok * variant.batch, cpu[side.name]);
    printErrors("errors", result);
  }
  const figures = {} as Record<SideName, PublishFigures>;
  for (const side of sides) {
    const merged = mergeResults(results[side.name]);
    const check = await checkStreams(side, variant.streams);
    figures[side.name] = {
      eventsPerSecond: ((merged.ok * variant.batch) / merged.elapsedMs) * 1000,
      requestsPerSecond: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      workerCpuMs: msPer(cpu[side.name].worker, cpu[side.name].count),
      proxyCpuMs: msPer(cpu[side.name].proxy, cpu[side.name].count),
      clientCpuMs: msPer(cpu[side.name].client, cpu[side.name].count),
      pairedRatio: median(pairRatios),
      check,
    };
    console.log(`  ${side.name.padEnd(8)} all rounds: ${summary(merged, variant.batch)}`);
    console.log(`  ${side.name.padEnd(8)} check (warm-up included): ${checkText(check)}`);
  }
  console.log(`  platform / bare per adjacent round pair: ${pairRatios.map((r) => `${fmt(r, 2)}x`).join(", ")}; median ${fmt(median(pairRatios), 2)}x`);
  return figures;
};
