// Workflow benchmark, phase 3: N runs at once (1,000; 100 quick), started at concurrency
// 32 (each with an Idempotency-Key, retried with it on 503 / 429 / network errors), then
// watched through the runs index until every one is final, then each read once to
// confirm its status and times, and a sample of run agents checked for exactly-once effects.
import { type Client, describe } from "../lib/http.ts";
import { type BenchServer, cpuMark, groupRss } from "../lib/servers.ts";
import { closedLoop, fmt, fmtInt, percentile, sleep } from "../lib/stats.ts";
import { CONFIG, FINAL, START_ATTEMPTS } from "./config.ts";
import { checkEffects } from "./effects.ts";
import { beginPhase, cpuLine, endCpu, median, phase, type StatusCounts, statusText } from "./phase.ts";
import { indexStatuses } from "./runs-index.ts";
import { type Mode, ms, type RunView, type Started, startRun } from "./runs.ts";
import { effectsOnce, effectTotals, expectedEffects, type SeededAgent } from "./seed.ts";

export type ManyFigures = {
  runs: number;
  started: number;
  startSeconds: number;
  startP50: number;
  startP99: number;
  finalSeconds: number | null;
  lastUpdatedSeconds: number;
  indexFinal: number;
  byStatus: Record<string, number>;
  notFinal: number;
  readErrors: number;
  startErrors: number;
  firstAttemptFailures: number;
  firstAttemptKinds: string;
  existed: number;
  firstErrors: string[];
  latencyP50: number;
  latencyP99: number;
  workerCpuMsPerRun: number;
  proxyCpuMsPerRun: number;
  effectsChecked: number;
  effectsWrong: string[];
  statuses: StatusCounts;
};

/** Discovered runs (the default) share the seeded agents: their effects are checked on the agents' summed counters; spawn runs per run. */
export const manyBench = async (server: BenchServer, client: Client, tag: string, mode: Mode = "discovered", seeded: readonly SeededAgent[] = []): Promise<ManyFigures> => {
  const { runs, concurrency, startMaxMs, finalMaxMs, indexPollMs, readConcurrency, sample } = CONFIG.many;
  console.log(
    `\n## 3. ${fmtInt(runs)} ${mode} runs at once: started at concurrency ${concurrency}, then watched through the runs index every ${indexPollMs} ms ` +
      `(bounded ${finalMaxMs / 1000}s) until all are final, then each read once (GET /v1/runs/:id, concurrency ${readConcurrency})`,
  );
  beginPhase();
  const before = mode === "discovered" ? await effectTotals(client, seeded) : null;
  const started: Started[] = [];
  const firstErrors: string[] = [];
  let firstAttemptFailures = 0;
  let existed = 0;
  const firstAttemptKinds = new Map<string, number>();
  const mark = cpuMark(server);
  const t0 = performance.now();
  const wall0 = Date.now();
  const starts = await closedLoop({
    concurrency,
    maxCount: runs,
    maxMs: startMaxMs,
    keepErrors: 5,
    op: async (i) => {
      const run = await startRun(client, `${tag}-m`, { key: `bench-${tag}-m-${i}`, attempts: START_ATTEMPTS, backoffMs: 250 }, mode);
      if (run.attempts > 1) {
        firstAttemptFailures++;
        const kind = (run.firstError ?? "").slice(0, 60);
        firstAttemptKinds.set(kind, (firstAttemptKinds.get(kind) ?? 0) + 1);
      }
      if ("error" in run) return { ok: false, ms: 0, error: run.error };
      if (run.existed) existed++;
      started.push(run);
      return { ok: true, ms: run.startMs };
    },
  });
  const startSeconds = (performance.now() - t0) / 1000;
  firstErrors.push(...starts.firstErrors);
  console.log(
    `  first attempts that failed: ${firstAttemptFailures} (retried with the same Idempotency-Key, up to ${START_ATTEMPTS} attempts; ` +
      `${existed} retries found the run already created)${firstAttemptKinds.size ? `: ${[...firstAttemptKinds].map(([kind, n]) => `${n} x ${kind}`).join(" | ")}` : ""}`,
  );
  console.log(
    `  started ${fmtInt(started.length)}/${fmtInt(runs)} in ${fmt(startSeconds, 2)}s (${fmt(started.length / startSeconds, 1)} starts/s), ${starts.errors} errors; ` +
      `start reply p50 ${fmt(median(starts.latencies))} ms, p99 ${fmt(percentile(starts.latencies, 99))} ms${starts.timedOut ? " (time bound hit)" : ""}`,
  );

  const ids = new Set(started.map((run) => run.id));
  let finalSeconds: number | null = null;
  let indexFinal = 0;
  let lastIndexError: string | undefined;
  let indexPolls = 0;
  const waitDeadline = performance.now() + finalMaxMs;
  let lastProgress = -1;
  while (performance.now() < waitDeadline) {
    indexPolls++;
    const { statuses, error } = await indexStatuses(client, ids);
    lastIndexError = error;
    indexFinal = [...statuses.values()].filter((status) => FINAL.has(status)).length;
    if (indexFinal === ids.size) {
      finalSeconds = (performance.now() - t0) / 1000;
      break;
    }
    const elapsed = Math.floor((performance.now() - t0) / 10_000);
    if (elapsed !== lastProgress) {
      lastProgress = elapsed;
      console.log(`    ${fmt((performance.now() - t0) / 1000, 1)}s: index has ${fmtInt(statuses.size)} of the runs, ${fmtInt(indexFinal)} final${error ? `; index error: ${error}` : ""}`);
    }
    await sleep(indexPollMs);
  }
  const cpu = endCpu(server, mark);
  console.log(
    finalSeconds !== null
      ? `  all ${fmtInt(ids.size)} final in the runs index ${fmt(finalSeconds, 2)}s after the first start (${indexPolls} index polls)`
      : `  NOT all final within ${finalMaxMs / 1000}s: ${fmtInt(indexFinal)}/${fmtInt(ids.size)} final in the index${lastIndexError ? `; last index error: ${lastIndexError}` : ""}`,
  );
  console.log(cpuLine(cpu, started.length) + `; RSS ${groupRss(server)}`);

  // Every run read once from its coordinator: the status there and its own timestamps.
  const views: RunView[] = [];
  const readErrorsList: string[] = [];
  const list = [...started];
  const reads = await closedLoop({
    concurrency: readConcurrency,
    maxCount: list.length,
    maxMs: 300_000,
    op: async (i) => {
      const run = list[i]!;
      const reply = await client.get(`/v1/runs/${encodeURIComponent(run.id)}`);
      if (reply.status !== 200) return { ok: false, ms: reply.ms, error: `${run.id}: ${describe(reply)}` };
      views.push(JSON.parse(reply.body) as RunView);
      return { ok: true, ms: reply.ms };
    },
  });
  readErrorsList.push(...reads.firstErrors);
  const byStatus: Record<string, number> = {};
  for (const view of views) byStatus[view.status] = (byStatus[view.status] ?? 0) + 1;
  const wallStartOf = new Map(started.map((run) => [run.id, run.wallStart]));
  const latencies = views.filter((view) => FINAL.has(view.status)).map((view) => ms(view.updatedAt) - (wallStartOf.get(view.id) ?? Number.NaN));
  const lastUpdated = Math.max(...views.map((view) => ms(view.updatedAt)));
  const notFinal = views.filter((view) => !FINAL.has(view.status)).length + (list.length - views.length);

  // Exactly-once: the effects of a sample of completed runs.
  const completedViews = views.filter((view) => view.status === "completed");
  const step = Math.max(1, Math.floor(completedViews.length / sample));
  const effectsWrong: string[] = [];
  let effectsChecked = 0;
  if (before) {
    // Every run reached a final state (or it is reported above): the totals moved by one per completed run.
    const wrong = effectsOnce(before, await effectTotals(client, seeded), expectedEffects(completedViews, seeded));
    effectsChecked = completedViews.length;
    if (wrong) effectsWrong.push(wrong);
  }
  for (let i = 0; !before && i < completedViews.length && effectsChecked < sample; i += step) {
    effectsChecked++;
    const wrong = await checkEffects(client, completedViews[i]!);
    if (wrong) effectsWrong.push(wrong);
  }

  const figures: ManyFigures = {
    runs,
    started: started.length,
    startSeconds,
    startP50: median(starts.latencies),
    startP99: percentile(starts.latencies, 99),
    finalSeconds,
    lastUpdatedSeconds: (lastUpdated - wall0) / 1000,
    indexFinal,
    byStatus,
    notFinal,
    readErrors: reads.errors,
    startErrors: starts.errors,
    firstAttemptFailures,
    firstAttemptKinds: [...firstAttemptKinds].map(([kind, n]) => `${n} x ${kind.split(" ")[0]}`).join(", "),
    existed,
    firstErrors: [...firstErrors, ...readErrorsList].slice(0, 8),
    latencyP50: median(latencies),
    latencyP99: percentile(latencies, 99),
    workerCpuMsPerRun: started.length > 0 ? (cpu.workerSeconds / started.length) * 1000 : Number.NaN,
    proxyCpuMsPerRun: started.length > 0 ? (cpu.proxySeconds / started.length) * 1000 : Number.NaN,
    effectsChecked,
    effectsWrong,
    statuses: phase.statuses,
  };
  console.log(
    `  read back: ${views.length} runs, by status ${JSON.stringify(byStatus)}, ${notFinal} not final, ${reads.errors} read errors; ` +
      `last final transition (coordinator's updatedAt) ${fmt(figures.lastUpdatedSeconds, 2)}s after the first start; ` +
      `start -> final per run p50 ${fmt(figures.latencyP50)} ms, p99 ${fmt(figures.latencyP99)} ms`,
  );
  console.log(`  exactly-once check of ${effectsChecked} completed runs' agents: ${effectsWrong.length} wrong${effectsWrong.length ? `: ${effectsWrong.slice(0, 3).join("; ")}` : ""}`);
  console.log(`    responses: ${statusText(phase.statuses)}`);
  for (const error of figures.firstErrors) console.log(`    error: ${error}`);
  return figures;
};
