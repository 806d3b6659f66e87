// Workflow benchmark, phase 0: order runs bound to discovered agents (order_processing@1.0.0,
// the seeded agents: seed.ts) side by side with runs that spawn their own four agents
// (@1.0.1: spawning.ts), in the same server, and the bare order run (fixtures/bare:
// POST /runs, a Run object per run calling long-lived bare agents, about the same
// storage work with none of the platform: the runtime's own bound) on the bare server
// started beside it, alternating (at each concurrency the order of the sides flips), at
// concurrency 16 and 64. Each measurement: `c` client loops start runs back to back
// (each start waits for its 202, not for the run) for a window; then every run is read
// (GET /v1/runs/:id, bare GET /runs/:id, in sweeps) until it is final, and the platform's
// runs index is counted by status for them (the bare one is not read). Figures:
// starts/s over the window; completed/s = runs completed / (first start -> the last final
// transition the coordinators recorded); Worker CPU per run from the first start until
// every run was seen final (its start and about one status read), of the side's own
// workerd; the exactly-once check of the discovered runs on the seeded agents' summed
// counters (before and after).
import type { Client } from "../lib/http.ts";
import { type BenchServer, cpuMark } from "../lib/servers.ts";
import { closedLoop, fmt, fmtInt, percentile, sleep } from "../lib/stats.ts";
import { CONFIG, FINAL } from "./config.ts";
import { beginPhase, cpuLine, endCpu, median, phase, type StatusCounts, statusText } from "./phase.ts";
import { indexStatuses } from "./runs-index.ts";
import { ms, runPath, type RunView, type Side, type Started, startRun } from "./runs.ts";
import { effectsOnce, effectTotals, expectedEffects, type SeededAgent } from "./seed.ts";

export type ModeFigures = {
  mode: Side;
  concurrency: number;
  started: number;
  startErrors: number;
  firstErrors: string[];
  startsPerSecond: number;
  startP50: number;
  startP99: number;
  completed: number;
  completedPerSecond: number;
  byStatus: Record<string, number>;
  notFinal: number;
  /** The runs index's statuses of these runs; null for bare runs (not read). */
  indexByStatus: Record<string, number> | null;
  indexMissing: number;
  latencyP50: number;
  latencyP99: number;
  workerCpuMsPerRun: number;
  proxyCpuMsPerRun: number;
  /** Discovered mode: null when every effect happened once; spawn mode: "n/a". */
  effects: string | null;
  statuses: StatusCounts;
};

/** Reads every run until it is final (sweeps over those not yet final, bounded); the views by id. */
export const readUntilFinal = async (client: Client, runs: readonly Started[], maxMs: number, side: Side = "discovered"): Promise<Map<string, RunView>> => {
  const views = new Map<string, RunView>();
  const deadline = performance.now() + maxMs;
  let pending = [...runs];
  while (pending.length > 0 && performance.now() < deadline) {
    const next: Started[] = [];
    await closedLoop({
      concurrency: 8,
      maxCount: pending.length,
      maxMs: Math.max(1, deadline - performance.now()),
      op: async (i) => {
        const run = pending[i]!;
        const reply = await client.get(runPath(side, run.id));
        if (reply.status === 200) {
          const view = JSON.parse(reply.body) as RunView;
          views.set(run.id, view);
          if (FINAL.has(view.status)) return { ok: true, ms: reply.ms };
        }
        next.push(run);
        return { ok: true, ms: reply.ms };
      },
    });
    pending = next;
    if (pending.length > 0) await sleep(CONFIG.modes.sweepMs);
  }
  return views;
};

/** A server and its client: the platform's, or the bare one's. */
export type Target = { server: BenchServer; client: Client };

export const modeBench = async ({ server, client }: Target, tag: string, mode: Side, concurrency: number, seeded: readonly SeededAgent[]): Promise<ModeFigures> => {
  const { windowMs, maxRuns, finalMaxMs } = CONFIG.modes;
  console.log(`\n## 0. ${mode} runs: concurrency ${concurrency}, starts back to back for ${windowMs / 1000}s, then each read until final`);
  beginPhase();
  const before = mode === "discovered" ? await effectTotals(client, seeded) : null;
  const started: Started[] = [];
  const mark = cpuMark(server);
  const wall0 = Date.now();
  const starts = await closedLoop({
    concurrency,
    maxCount: maxRuns,
    maxMs: windowMs,
    keepErrors: 5,
    op: async () => {
      const run = await startRun(client, `${tag}-${mode[0]}${concurrency}`, undefined, mode);
      if ("error" in run) return { ok: false, ms: 0, error: run.error };
      started.push(run);
      return { ok: true, ms: run.startMs };
    },
  });
  const views = await readUntilFinal(client, started, finalMaxMs, mode);
  const cpu = endCpu(server, mark, mode === "bare" ? "bare" : "platform");
  const final = [...views.values()].filter((view) => FINAL.has(view.status));
  const byStatus: Record<string, number> = {};
  for (const view of views.values()) byStatus[view.status] = (byStatus[view.status] ?? 0) + 1;
  const completedViews = final.filter((view) => view.status === "completed");
  const lastFinal = Math.max(...final.map((view) => ms(view.updatedAt)));
  const wallStart = new Map(started.map((run) => [run.id, run.wallStart]));
  const latencies = final.map((view) => ms(view.updatedAt) - (wallStart.get(view.id) ?? Number.NaN));

  // The runs index's word on the same runs (it is written after each run's transitions are published).
  const ids = new Set(started.map((run) => run.id));
  const index = mode === "bare" ? null : await indexedStatuses(client, ids);
  const indexByStatus: Record<string, number> | null = index ? {} : null;
  for (const status of index?.statuses.values() ?? []) indexByStatus![status] = (indexByStatus![status] ?? 0) + 1;

  const after = before ? await effectTotals(client, seeded) : null;
  // Bare views carry no bindings: the check is the discovered runs' only.
  const expected = mode === "discovered" ? expectedEffects(completedViews, seeded) : { elsewhere: 0 };
  const effects = before && after ? effectsOnce(before, after, expected) : "n/a";
  const figures: ModeFigures = {
    mode,
    concurrency,
    started: started.length,
    startErrors: starts.errors,
    firstErrors: starts.firstErrors,
    startsPerSecond: (started.length / starts.elapsedMs) * 1000,
    startP50: median(starts.latencies),
    startP99: percentile(starts.latencies, 99),
    completed: completedViews.length,
    completedPerSecond: (completedViews.length / Math.max(1, lastFinal - wall0)) * 1000,
    byStatus,
    notFinal: started.length - final.length,
    indexByStatus,
    indexMissing: index ? ids.size - index.statuses.size : 0,
    latencyP50: median(latencies),
    latencyP99: percentile(latencies, 99),
    workerCpuMsPerRun: started.length > 0 ? (cpu.workerSeconds / started.length) * 1000 : Number.NaN,
    proxyCpuMsPerRun: started.length > 0 ? (cpu.proxySeconds / started.length) * 1000 : Number.NaN,
    effects,
    statuses: phase.statuses,
  };
  console.log(
    `  ${fmtInt(started.length)} started in ${fmt(starts.elapsedMs / 1000, 2)}s = ${fmt(figures.startsPerSecond, 1)} starts/s (reply p50 ${fmt(figures.startP50)} ms, p99 ${fmt(figures.startP99)} ms), ${starts.errors} start errors; ` +
      `${fmtInt(figures.completed)} completed = ${fmt(figures.completedPerSecond, 1)} completed/s (first start -> last final ${fmt((lastFinal - wall0) / 1000, 2)}s, start -> final p50 ${fmt(figures.latencyP50)} ms, p99 ${fmt(figures.latencyP99)} ms)`,
  );
  const indexText = index ? `${JSON.stringify(indexByStatus)}, ${figures.indexMissing} missing${index.error ? ` (index error: ${index.error})` : ""}` : "not read (bare)";
  console.log(`  statuses read: ${JSON.stringify(byStatus)}, ${figures.notFinal} not final; runs index: ${indexText}`);
  if (mode === "discovered") {
    console.log(`  exactly-once on the seeded agents' totals: ${effects ?? "every effect once"} (${expected.elsewhere} runs bound a notifier another run spawned: their confirmation is not in the totals)`);
  }
  console.log(cpuLine(cpu, started.length) + " (start + status reads)");
  console.log(`    responses: ${statusText(phase.statuses)}`);
  for (const error of starts.firstErrors) console.log(`    error: ${error}`);
  return figures;
};

/** The platform's runs index on `ids`, read again (bounded) until every one is final there. */
const indexedStatuses = async (client: Client, ids: ReadonlySet<string>) => {
  let index = await indexStatuses(client, ids);
  for (let tries = 0; tries < 20 && [...ids].some((id) => !FINAL.has(index.statuses.get(id) ?? "")); tries++) {
    await sleep(500);
    index = await indexStatuses(client, ids);
  }
  return index;
};

/** Every side at each concurrency, the order reversed each time so none always goes first. */
export const modesBench = async (platform: Target, bare: Target, tag: string, seeded: readonly SeededAgent[]): Promise<ModeFigures[]> => {
  const figures: ModeFigures[] = [];
  const sides: Side[] = ["discovered", "spawn", "bare"];
  let round = 0;
  for (const concurrency of CONFIG.modes.concurrencies) {
    for (const mode of round++ % 2 === 0 ? sides : [...sides].reverse()) {
      figures.push(await modeBench(mode === "bare" ? bare : platform, tag, mode, concurrency, seeded));
      await sleep(6_000); // the runs' background work (outbox, index, watchdog alarms) settles
    }
  }
  return figures;
};
