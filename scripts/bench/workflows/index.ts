// Workflow benchmark: the seed's `order_processing` workflow (validate || check inventory,
// process payment, fulfil, confirm: 5 executed steps, 4 sequential stages; the failure
// branch's 2 steps are skipped) on one `wrangler dev` platform server. Figures:
//   0. runs bound to discovered agents (@1.0.0 over 16 validators, 16 processors and 8
//      notifiers seeded first: seed.ts) beside runs that spawn their own (@1.0.1) and
//      the bare order run (fixtures/bare: the same storage work on bare Durable Objects,
//      on a second `wrangler dev` started beside the platform's), at concurrency 16 and
//      64: starts/s, completed/s, every run final (read, and counted in the runs index),
//      Worker CPU per run, exactly-once on the agents' totals (modes.ts);
//   1. runs per second at concurrency 16: each client loop starts a run, waits until it
//      is final (GET /v1/runs/:id every few ms, bounded), then starts the next; run
//      latency is start -> final as the coordinator recorded it (its `updatedAt` at the
//      final transition, against the client's wall clock when it sent the start: the same
//      machine clock), so the polling interval only slows the loop, not the figure (throughput.ts);
//   2. the coordinator's overhead per step, sequentially (concurrency 1): a run's span as
//      the coordinator recorded it (`updatedAt - createdAt`: first step dispatched ->
//      final transition persisted) minus the wall time of this client calling the same 5
//      agent actions directly over HTTP in the same order (validate || check_inventory,
//      then process_payment, fulfill_order, send_confirmation) on agents it spawned
//      itself with the same inputs and idempotency keys, divided by the 5 steps. Also the
//      whole-run variant (start request sent -> final transition, including binding the
//      4 participants, vs. spawning 4 agents + the 5 calls) and the coordinator-recorded
//      duration of each step next to the direct call's HTTP latency (overhead.ts, orders.ts);
//   3. N discovery-bound runs at once (1,000; 100 quick): started at concurrency 32 (each start with an
//      Idempotency-Key, retried with it on 503 / 429 / network errors: first-attempt
//      failures and errors left after the retries are both reported), then watched through
//      the runs index (GET /v1/runs?workflow=order_processing pages) until every one is
//      final, then each run read once (GET /v1/runs/:id at low concurrency) to confirm
//      its status and times, and the seeded agents' summed counters checked for
//      exactly-once effects (many.ts).
// Phases 1 and 2 run order_processing@1.0.1 (registered with `spawn: true`: spawning.ts),
// which spawns each run's agents, as every run did before runs bound discovered agents.
// Every response status is counted per phase (5xx, 429 and network errors are reported)
// (phase.ts). This file runs the phases (2, 1, 3) and prints the summary (summary.ts).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1      smaller counts and shorter windows, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN, JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts (while src/ is being
//                    edited, point BENCH_PLATFORM_CONFIG at a copy's wrangler.toml, e.g. of
//                    `git archive HEAD src objects wrangler.toml package.json tsconfig.json`
//                    with node_modules symlinked, or wrangler reloads mid-measurement)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, describe } from "../lib/http.ts";
import { platformServerVars } from "../lib/platform-auth.ts";
import { scanLog } from "../lib/server-log.ts";
import { startBenchServer, stopAllServers } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { BARE_CONFIG, sideClient } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, markdownTable, sleep } from "../lib/stats.ts";
import { CONFIG, FINAL, SEEDS, STAGES, STEPS } from "./config.ts";
import { manyBench } from "./many.ts";
import { modesBench } from "./modes.ts";
import { seedOrderAgents } from "./seed.ts";
import { directOrder } from "./orders.ts";
import { overheadBench } from "./overhead.ts";
import { beginPhase, countingClient, firstBad, phase, statusText } from "./phase.ts";
import { indexAll } from "./runs-index.ts";
import { registerSpawningOrder } from "./spawning.ts";
import { ms, runCounts, startRun, waitFinal } from "./runs.ts";
import type { WorkflowBenchResult } from "./result.ts";
import { modesTable, summaryRows } from "./summary.ts";
import { throughputBench } from "./throughput.ts";

export type { WorkflowBenchResult } from "./result.ts";

/** The deployment's runs-index shards and `workflow.<k>` streams (JIDO_RUN_INDEX_SHARDS in wrangler.toml). */
const RUN_SHARDS = 8;

export const runWorkflowBench = async (): Promise<WorkflowBenchResult> => {
  const tag = Date.now().toString(36);
  let client: Client | undefined;
  let bareClient: Client | undefined;
  const closeClients = () => {
    client?.close();
    bareClient?.close();
  };
  return runSession({ state: "/dev/shm/jido-bench-wf-", logs: "/tmp/jido-bench-wf-logs-" }, closeClients, async ({ stateDir, logDir }) => {
    console.log(`# Workflow benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
    console.log(`state: ${stateDir} (tmpfs); server log: ${logDir}`);
    const startedAt = performance.now();
    const server = await startBenchServer({
      name: "platform",
      persistTo: stateDir,
      logFile: join(logDir, "platform.log"),
      vars: platformServerVars(),
      ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}),
    });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}, config ${PLATFORM_CONFIG ?? "wrangler.toml"}; ready in ${fmt((performance.now() - startedAt) / 1000, 1)}s`);
    const barePersist = join(stateDir, "bare");
    mkdirSync(barePersist);
    const bare = await startBenchServer({ name: "bare", persistTo: barePersist, logFile: join(logDir, "bare.log"), config: BARE_CONFIG });
    console.log(`bare: wrangler dev pid ${bare.pid} at ${bare.url}, config ${BARE_CONFIG}`);
    client = countingClient(await sideClient("platform", server, 64));
    bareClient = countingClient(await sideClient("bare", bare, 64));
    const seeded = await seedOrderAgents(client, SEEDS, tag);
    await smokeAndWarmUp(client, bareClient, tag);

    const modes = await modesBench({ server, client }, { server: bare, client: bareClient }, tag, seeded);
    const overhead = await overheadBench(server, client, tag);
    await sleep(2_000); // let the runs' background work (outbox, index, alarms) settle
    const throughput = await throughputBench(server, client, tag);
    await sleep(6_000); // the coordinators' watchdog alarms (5 s) fire and settle
    const many = await manyBench(server, client, tag, "discovered", seeded);

    // Transition events of every run, appended to its shard's `workflow.<k>` stream (after a pause for the outboxes).
    await sleep(2_000);
    let streamLength = 0;
    let streamError = "";
    for (let k = 0; k < RUN_SHARDS; k++) {
      const stream = await client.get(`/v1/streams/workflow.${k}`);
      if (stream.status === 200) streamLength += (JSON.parse(stream.body) as { length: number }).length;
      else if (stream.status !== 404) streamError = describe(stream);
    }
    console.log(`\nworkflow.0-${RUN_SHARDS - 1} streams: ${fmtInt(streamLength)} events for ${fmtInt(runCounts.started)} runs started = ${fmt(streamLength / runCounts.started, 1)} events per run${streamError ? ` (${streamError})` : ""}`);

    // The whole runs index: every run of the workflow (the bench's and any whose start the
    // client saw fail but the server carried out), by status.
    const whole = await indexAll(client);
    const indexTotal = Object.values(whole.byStatus).reduce((a, b) => a + b, 0);
    const indexNotFinal = Object.entries(whole.byStatus).filter(([status]) => !FINAL.has(status)).reduce((n, [, c]) => n + c, 0);
    console.log(
      `runs index: ${fmtInt(indexTotal)} order_processing runs, by status ${JSON.stringify(whole.byStatus)}; the client saw ${fmtInt(runCounts.started)} starts succeed` +
        (indexTotal > runCounts.started ? ` => ${indexTotal - runCounts.started} runs exist whose start the client saw fail` : "") +
        (whole.error ? `; index error: ${whole.error}` : ""),
    );

    const getRetries = client.retries ?? 0;
    closeClients();
    client = undefined;
    bareClient = undefined;
    await stopAllServers();
    const log = scanLog(server);
    console.log(`\n## Server log: ${log.nomem} SQLITE_NOMEM lines, ${log.errorLines} error-like lines, ${log.warnLines} warn lines`);
    for (const line of log.samples) console.log(`    ${line}`);
    const bareLog = scanLog(bare);
    console.log(`## Bare server log: ${bareLog.nomem} SQLITE_NOMEM lines, ${bareLog.errorLines} error-like lines, ${bareLog.warnLines} warn lines`);
    for (const line of bareLog.samples) console.log(`    ${line}`);

    const rows = summaryRows({ modes, throughput, overhead, many }, { streamLength, indexTotal, indexNotFinal, getRetries, log, bareLog });
    if (firstBad.length > 0) {
      console.log("\nfirst 5xx / 429 / network-error responses:");
      for (const line of firstBad) console.log(`  ${line}`);
    }
    console.log(`\n## Workflow benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "value", "bare", "target"], rows));
    console.log(`\n### Discovered vs spawn-per-run vs bare order runs\n`);
    console.log(markdownTable(...modesTable(modes)));
    console.log(
      `\nA successful order run executes ${STEPS} steps in ${STAGES} sequential stages (validate || check_inventory, process_payment, fulfill_order, send_confirmation). ` +
        "Coordinator times are its own Date.now() at transitions (ms resolution); client times are this process's clock.",
    );
    return { modes, throughput, overhead, many };
  });
};

/** Smoke + warm-up: runs complete (bare ones too), with timestamps the client's clock agrees with; the direct calls answer. */
const smokeAndWarmUp = async (client: Client, bareClient: Client, tag: string): Promise<void> => {
  await registerSpawningOrder(client);
  beginPhase();
  for (const mode of ["discovered", "spawn", "bare"] as const) {
    const on = mode === "bare" ? bareClient : client;
    const run = await startRun(on, `${tag}-smoke-${mode}`, undefined, mode);
    if ("error" in run) throw new Error(`smoke (${mode}): ${run.error}`);
    const done = await waitFinal(on, run, 5, 5, mode);
    if ("error" in done || done.view.status !== "completed") throw new Error(`smoke run (${mode}): ${"error" in done ? done.error : done.view.status}`);
  }
  const smoke = await startRun(client, `${tag}-smoke`);
  if ("error" in smoke) throw new Error(`smoke: ${smoke.error}`);
  const smokeDone = await waitFinal(client, smoke, 5, 5);
  if ("error" in smokeDone || smokeDone.view.status !== "completed") throw new Error(`smoke run: ${"error" in smokeDone ? smokeDone.error : smokeDone.view.status}`);
  const skew = ms(smokeDone.view.createdAt) - smoke.wallStart;
  if (skew < -5 || skew > smoke.startMs + 5) console.log(`WARNING: the run's createdAt is ${skew} ms after the client sent the start (reply took ${fmt(smoke.startMs)} ms): clocks disagree?`);
  const direct = await directOrder(client, tag, -1);
  if ("error" in direct) throw new Error(`smoke direct: ${direct.error}`);
  // `runs` platform runs (discovered and spawn alternating) and half as many bare ones.
  const warmRuns = Math.ceil(CONFIG.warmup.runs * 1.5);
  const warm = await closedLoop({
    concurrency: CONFIG.warmup.concurrency,
    maxCount: warmRuns,
    maxMs: 120_000,
    op: async (i) => {
      const mode = (["discovered", "spawn", "bare"] as const)[i % 3]!;
      const on = mode === "bare" ? bareClient : client;
      const run = await startRun(on, `${tag}-w`, undefined, mode);
      if ("error" in run) return { ok: false, ms: 0, error: run.error };
      const done = await waitFinal(on, run, 10, 10, mode);
      return "error" in done ? { ok: false, ms: 0, error: done.error } : { ok: done.view.status === "completed", ms: 0, error: done.view.status };
    },
  });
  console.log(`warm-up (not counted): ${warm.ok}/${warmRuns} runs completed${warm.errors ? `, errors: ${warm.firstErrors.join(" | ")}` : ""}; responses: ${statusText(phase.statuses)}`);
  await sleep(1_000);
};
