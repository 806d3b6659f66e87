// Workflow benchmark, phase 2: the coordinator's overhead per step, sequentially
// (concurrency 1). A run's span as the coordinator recorded it (first step dispatched ->
// final transition) minus the wall time of this client making the same 5 agent calls
// directly (orders.ts), divided by the 5 steps; also the whole-run variant (start sent
// -> final, including binding the participants, vs. spawning 4 agents + the 5 calls)
// and, per step, the coordinator-recorded duration next to the direct call's latency.
import type { Client } from "../lib/http.ts";
import { type BenchServer, cpuMark } from "../lib/servers.ts";
import { fmt, markdownTable, percentile } from "../lib/stats.ts";
import { CONFIG, EXECUTED_STEPS, STAGES, STEPS } from "./config.ts";
import { type CoordinatorSample, coordinatorOrder, directCpu, directOrder, type DirectSample, splitSteps } from "./orders.ts";
import { beginPhase, endCpu, median, phase, pollText, type StatusCounts, statusText } from "./phase.ts";
import { collectSteps } from "./runs.ts";

export type OverheadFigures = {
  pairs: number;
  perStepP50: number;
  perStepP99: number;
  wholePerStepP50: number;
  wholePerStepP99: number;
  spanP50: number;
  spanP99: number;
  directP50: number;
  directP99: number;
  wholeRunP50: number;
  directWholeP50: number;
  startReplyP50: number;
  bindP50: number;
  directSpawnP50: number;
  observedTailP50: number;
  stepRows: string[][];
  errors: string[];
  coordinatorCpuMs: number;
  directCpuMs: number;
  pollsPerRun: number;
  statuses: StatusCounts;
};

export const overheadBench = async (server: BenchServer, client: Client, tag: string): Promise<OverheadFigures> => {
  const { pairs, block, pollMs, maxMs } = CONFIG.overhead;
  console.log(
    `\n## 2. Coordinator overhead per step: ${pairs} runs and ${pairs} direct sequences, sequential (concurrency 1), in alternating blocks of ${block}; ` +
      `runs polled every ${pollMs} ms (the figures use the coordinator's own timestamps)`,
  );
  beginPhase();
  const coordinator: CoordinatorSample[] = [];
  const direct: DirectSample[] = [];
  const errors: string[] = [];
  const cpu = { coordinator: { worker: 0, proxy: 0, n: 0 }, direct: { worker: 0, proxy: 0, n: 0 } };
  const deadline = performance.now() + maxMs;
  let polls = 0;
  for (let b = 0; (coordinator.length < pairs || direct.length < pairs) && performance.now() < deadline && errors.length < 50; b++) {
    // Blocks A B B A A B ...: each kind goes first equally often.
    const order = Math.floor(b / 2) % 2 === 0 ? (["coordinator", "direct"] as const) : (["direct", "coordinator"] as const);
    const kind = order[b % 2]!;
    const mark = cpuMark(server);
    let done = 0;
    for (let i = 0; i < block && performance.now() < deadline; i++) {
      if (kind === "coordinator") {
        if (coordinator.length >= pairs) break;
        const sample = await coordinatorOrder(client, tag, pollMs);
        if ("error" in sample) errors.push(sample.error);
        else {
          coordinator.push(sample);
          polls += sample.polls;
          done++;
        }
      } else {
        if (direct.length >= pairs) break;
        const sample = await directOrder(client, tag, direct.length + errors.length, server);
        if ("error" in sample) errors.push(sample.error);
        else {
          direct.push(sample);
          done++;
        }
      }
    }
    const report = endCpu(server, mark);
    if (!report.reloaded) {
      cpu[kind].worker += report.workerSeconds;
      cpu[kind].proxy += report.proxySeconds;
      cpu[kind].n += done;
    }
  }
  const n = Math.min(coordinator.length, direct.length);
  // Paired by position: the i-th run against the i-th direct sequence (neighbouring blocks).
  const perStep = Array.from({ length: n }, (_, i) => (coordinator[i]!.span - direct[i]!.callsMs) / STEPS);
  const wholePerStep = Array.from({ length: n }, (_, i) => (coordinator[i]!.whole - (direct[i]!.spawnMs + direct[i]!.callsMs)) / STEPS);
  const byStep = new Map<string, number[]>();
  for (const sample of coordinator) collectSteps(byStep, sample.view);
  const directByStep = new Map<string, number[]>();
  for (const sample of direct) for (const [step, call] of sample.calls) directByStep.set(step, [...(directByStep.get(step) ?? []), call.ms]);
  const split = await splitSteps(client, coordinator.slice(-CONFIG.overhead.split), direct.slice(-CONFIG.overhead.split));
  const pair = (out: number[] | undefined, back: number[] | undefined) => (out && out.length > 0 ? `${fmt(median(out), 1)} / ${fmt(median(back ?? []), 1)}` : "n/a");
  const stepRows = EXECUTED_STEPS.map((step) => {
    const recorded = byStep.get(step) ?? [];
    const http = directByStep.get(step) ?? [];
    return [
      step,
      `${fmt(median(recorded), 1)} / ${fmt(percentile(recorded, 99), 1)}`,
      pair(split.coordinator.out.get(step), split.coordinator.back.get(step)),
      `${fmt(median(http), 2)} / ${fmt(percentile(http, 99), 2)}`,
      pair(split.direct.out.get(step), split.direct.back.get(step)),
    ];
  });
  const figures: OverheadFigures = {
    pairs: n,
    perStepP50: median(perStep),
    perStepP99: percentile(perStep, 99),
    wholePerStepP50: median(wholePerStep),
    wholePerStepP99: percentile(wholePerStep, 99),
    spanP50: median(coordinator.map((s) => s.span)),
    spanP99: percentile(coordinator.map((s) => s.span), 99),
    directP50: median(direct.map((s) => s.callsMs)),
    directP99: percentile(direct.map((s) => s.callsMs), 99),
    wholeRunP50: median(coordinator.map((s) => s.whole)),
    directWholeP50: median(direct.map((s) => s.spawnMs + s.callsMs)),
    startReplyP50: median(coordinator.map((s) => s.startReply)),
    bindP50: median(coordinator.map((s) => s.bind)),
    directSpawnP50: median(direct.map((s) => s.spawnMs)),
    observedTailP50: median(coordinator.map((s) => s.observedTail)),
    stepRows,
    errors,
    coordinatorCpuMs: cpu.coordinator.n > 0 ? (cpu.coordinator.worker / cpu.coordinator.n) * 1000 : Number.NaN,
    directCpuMs: cpu.direct.n > 0 ? (cpu.direct.worker / cpu.direct.n) * 1000 : Number.NaN,
    pollsPerRun: coordinator.length > 0 ? polls / coordinator.length : Number.NaN,
    statuses: phase.statuses,
  };
  console.log(`  ${coordinator.length} runs, ${direct.length} direct sequences, ${errors.length} errors`);
  console.log(
    `  coordinator span (createdAt -> updatedAt, 5 steps): p50 ${fmt(figures.spanP50)} ms, p99 ${fmt(figures.spanP99)} ms; ` +
      `direct 5 calls over HTTP: p50 ${fmt(figures.directP50, 2)} ms, p99 ${fmt(figures.directP99, 2)} ms`,
  );
  console.log(
    `  => overhead per step (span - direct) / ${STEPS}: p50 ${fmt(figures.perStepP50, 2)} ms, p99 ${fmt(figures.perStepP99, 2)} ms ` +
      `(per sequential stage: p50 ${fmt((figures.perStepP50 * STEPS) / STAGES, 2)} ms)`,
  );
  console.log(
    `  whole run (start sent -> final transition): p50 ${fmt(figures.wholeRunP50)} ms [start reply p50 ${fmt(figures.startReplyP50, 1)} ms; ` +
      `start sent -> createdAt (route, registry, bind 4 agents) p50 ${fmt(figures.bindP50)} ms]; direct spawn 4 + 5 calls p50 ${fmt(figures.directWholeP50, 1)} ms ` +
      `[spawn 4 in parallel p50 ${fmt(figures.directSpawnP50, 1)} ms] => per step p50 ${fmt(figures.wholePerStepP50, 2)} ms, p99 ${fmt(figures.wholePerStepP99, 2)} ms`,
  );
  console.log(`  final transition -> seen by the client (polling): p50 ${fmt(figures.observedTailP50, 1)} ms; ${fmt(figures.pollsPerRun, 1)} polls per run; ${pollText()}`);
  console.log(
    "  per step: the coordinator-recorded duration (startedAt -> finishedAt) vs the direct call's HTTP latency; each split at the agent's commit " +
      `(its updatedAt) into out (dispatch -> the action committed) / back (committed -> the caller has the answer), medians of the last ${CONFIG.overhead.split} of each; ` +
      "check_inventory shares its agent with fulfill_order, so only the latter is split:",
  );
  console.log(
    markdownTable(["step", "coordinator step p50 / p99 (ms)", "coordinator out / back p50 (ms)", "direct HTTP call p50 / p99 (ms)", "direct out / back p50 (ms)"], stepRows).replace(/^/gm, "    "),
  );
  console.log(
    `    worker CPU: ${fmt(figures.coordinatorCpuMs, 2)} ms per coordinator run (incl. ${fmt(figures.pollsPerRun, 1)} polling GETs), ` +
      `${fmt(figures.directCpuMs, 2)} ms per direct sequence (4 spawns + 5 calls; of which the spawns ${fmt((directCpu.spawn / Math.max(1, directCpu.n)) * 1000, 2)} ms, ` +
      `the calls ${fmt((directCpu.calls / Math.max(1, directCpu.n)) * 1000, 2)} ms)`,
  );
  console.log(`    responses: ${statusText(phase.statuses)}`);
  for (const error of errors.slice(0, 5)) console.log(`    error: ${error}`);
  return figures;
};
