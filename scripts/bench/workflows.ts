// Workflow benchmark: the seed's `order_processing` workflow (validate || check inventory,
// process payment, fulfil, confirm: 5 executed steps, 4 sequential stages; the failure
// branch's 2 steps are skipped) on one `wrangler dev` platform server. Figures:
//   1. runs per second at concurrency 16: each client loop starts a run, waits until it
//      is final (GET /v1/runs/:id every few ms, bounded), then starts the next; run
//      latency is start -> final as the coordinator recorded it (its `updatedAt` at the
//      final transition, against the client's wall clock when it sent the start: the same
//      machine clock), so the polling interval only slows the loop, not the figure;
//   2. the coordinator's overhead per step, sequentially (concurrency 1): a run's span as
//      the coordinator recorded it (`updatedAt - createdAt`: first step dispatched ->
//      final transition persisted) minus the wall time of this client calling the same 5
//      agent actions directly over HTTP in the same order (validate || check_inventory,
//      then process_payment, fulfill_order, send_confirmation) on agents it spawned
//      itself with the same inputs and idempotency keys, divided by the 5 steps. Also the
//      whole-run variant (start request sent -> final transition, including binding the
//      4 participants, vs. spawning 4 agents + the 5 calls) and the coordinator-recorded
//      duration of each step next to the direct call's HTTP latency;
//   3. N runs at once (1,000; 100 quick): started at concurrency 32 (each start with an
//      Idempotency-Key, retried with it on 503 / 429 / network errors: first-attempt
//      failures and errors left after the retries are both reported), then watched through
//      the runs index (GET /v1/runs?workflow=order_processing pages) until every one is
//      final, then each run read once (GET /v1/runs/:id at low concurrency) to confirm
//      its status and times, and a sample of run agents' states checked for exactly-once
//      effects.
// Every response status is counted per phase (5xx, 429 and network errors are reported).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1      smaller counts and shorter windows, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN, JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents.ts (while src/ is being
//                    edited, point BENCH_PLATFORM_CONFIG at a copy's wrangler.toml, e.g. of
//                    `git archive HEAD src objects wrangler.toml package.json tsconfig.json`
//                    with node_modules symlinked, or wrangler reloads mid-measurement)
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient, type Reply } from "./lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "./lib/platform-auth.ts";
import { scanLog } from "./lib/server-log.ts";
import { type BenchServer, type CpuMark, type CpuReport, cpuMark, cpuSince, groupRss, installSignalCleanup, onSignalCleanup, startBenchServer, stopAllServers } from "./lib/servers.ts";
import { closedLoop, fmt, fmtInt, markdownTable, percentile } from "./lib/stats.ts";

const QUICK = process.env.BENCH_QUICK === "1";

const CONFIG = QUICK
  ? {
      warmup: { runs: 20, concurrency: 4 },
      throughput: { concurrency: 16, ms: 5_000, maxRuns: 20_000, firstPollMs: 10, pollMs: 5 },
      overhead: { pairs: 40, block: 10, pollMs: 5, maxMs: 180_000, split: 20 },
      many: { runs: 100, concurrency: 32, startMaxMs: 120_000, finalMaxMs: 300_000, indexPollMs: 250, readConcurrency: 4, sample: 10 },
    }
  : {
      warmup: { runs: 50, concurrency: 8 },
      throughput: { concurrency: 16, ms: 20_000, maxRuns: 100_000, firstPollMs: 10, pollMs: 5 },
      overhead: { pairs: 200, block: 10, pollMs: 5, maxMs: 600_000, split: 50 },
      many: { runs: 1_000, concurrency: 32, startMaxMs: 300_000, finalMaxMs: 300_000, indexPollMs: 250, readConcurrency: 4, sample: 50 },
    };

/** A run that is not final this long after its start counts as stuck (order runs take milliseconds). */
const RUN_TIMEOUT_MS = 60_000;
/** Polls of one run, at most (with RUN_TIMEOUT_MS, bounds every wait). */
const MAX_POLLS = 20_000;
const MAX_INDEX_PAGES = 100;
/** Attempts per start in phase 3 (the first + retries). */
const START_ATTEMPTS = 4;
const PLATFORM_CONFIG = process.env.BENCH_PLATFORM_CONFIG || undefined;

const FINAL = new Set(["completed", "failed", "compensated", "cancelled", "timed_out"]);
/** The steps a successful order run executes, and the stages they run in (validate || inventory first). */
const EXECUTED_STEPS = ["validate_order", "check_inventory", "process_payment", "fulfill_order", "send_confirmation"] as const;
const STEPS = EXECUTED_STEPS.length;
const STAGES = 4;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const describe = (reply: Reply): string => `${reply.status} ${reply.body.slice(0, 300).replace(/\s+/g, " ")}`;
const median = (xs: readonly number[]) => percentile(xs, 50);

/** Latencies of GET /v1/runs/:id polls, split by whether the run was still running or already final when answered. */
const pollLatency = { running: [] as number[], final: [] as number[] };
const resetPollLatency = (): void => {
  pollLatency.running = [];
  pollLatency.final = [];
};
const pollText = (): string =>
  `GET /v1/runs/:id latency while running p50 ${fmt(median(pollLatency.running), 1)} ms, p99 ${fmt(percentile(pollLatency.running, 99), 1)} ms (${pollLatency.running.length}); ` +
  `once final p50 ${fmt(median(pollLatency.final), 1)} ms, p99 ${fmt(percentile(pollLatency.final, 99), 1)} ms (${pollLatency.final.length})`;

// --- HTTP with per-phase status accounting -----------------------------------------------------

type StatusCounts = Map<number, number>;
let phaseStatuses: StatusCounts = new Map();
const firstBad: string[] = [];

/** A platform client whose every reply's status is counted in the current phase. */
const countingClient = (inner: Client): Client => {
  const count = (reply: Reply, what: string): Reply => {
    phaseStatuses.set(reply.status, (phaseStatuses.get(reply.status) ?? 0) + 1);
    if ((reply.status === 0 || reply.status >= 500 || reply.status === 429) && firstBad.length < 10) firstBad.push(`${what}: ${describe(reply)}`);
    return reply;
  };
  return {
    name: inner.name,
    post: async (path, body, headers) => count(await inner.post(path, body, headers), `POST ${path}`),
    get: async (path, headers) => count(await inner.get(path, headers), `GET ${path}`),
    close: () => inner.close(),
    get retries() {
      return inner.retries ?? 0;
    },
  };
};

const statusText = (counts: StatusCounts): string =>
  [...counts].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${status === 0 ? "network error" : status} x${fmtInt(n)}`).join(", ") || "none";
const badCount = (counts: StatusCounts): number => [...counts].filter(([status]) => status === 0 || status >= 500 || status === 429).reduce((n, [, c]) => n + c, 0);
const fiveXx = (counts: StatusCounts): number => [...counts].filter(([status]) => status >= 500).reduce((n, [, c]) => n + c, 0);

// --- runs -----------------------------------------------------------------------------------

type StepView = { name: string; status: string; attempts: number; agent: string | null; startedAt: string | null; finishedAt: string | null; durationMs: number | null };
type RunView = { id: string; status: string; createdAt: string; updatedAt: string; steps: StepView[]; bindings: Record<string, string[]> };
type Started = { id: string; orderId: string; wallStart: number; perfStart: number; startMs: number; view: RunView; attempts: number; firstError: string | null; existed: boolean };

/** Start retries (phase 3 only): same body and Idempotency-Key, on a network error, 429 or 503, with backoff. */
type StartRetry = { key: string; attempts: number; backoffMs: number };
const retryable = (status: number) => status === 0 || status === 429 || status === 503;

let orderSeq = 0;
/** Runs started successfully, in every phase (for events per run). */
let runsStarted = 0;
const orderInput = (orderId: string) => ({ order_id: orderId, amount: 42, items: 2, payment: "succeed" });

const startRun = async (client: Client, tag: string, retry?: StartRetry): Promise<Started | { error: string; attempts: number; firstError: string }> => {
  const orderId = `o-${tag}-${orderSeq++}`;
  const wallStart = Date.now();
  const perfStart = performance.now();
  const headers = retry ? { "idempotency-key": retry.key } : undefined;
  let reply = await client.post("/v1/workflows/order_processing/runs", orderInput(orderId), headers);
  const firstError = reply.status === 202 ? null : describe(reply);
  let attempts = 1;
  while (retry && retryable(reply.status) && attempts < retry.attempts) {
    await sleep(retry.backoffMs * 2 ** (attempts - 1));
    attempts++;
    reply = await client.post("/v1/workflows/order_processing/runs", orderInput(orderId), headers);
  }
  // 200: a retried start found the run an earlier attempt (seen failing) had created.
  const existed = attempts > 1 && reply.status === 200;
  if (reply.status !== 202 && !existed) return { error: `start: ${describe(reply)}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`, attempts, firstError: firstError ?? "" };
  try {
    const view = JSON.parse(reply.body) as RunView;
    if (typeof view.id !== "string") return { error: `start: no run id: ${describe(reply)}`, attempts, firstError: firstError ?? "" };
    runsStarted++;
    return { id: view.id, orderId, wallStart, perfStart, startMs: performance.now() - perfStart, view, attempts, firstError, existed };
  } catch {
    return { error: `start: not JSON: ${describe(reply)}`, attempts, firstError: firstError ?? "" };
  }
};

type Finished = { view: RunView; observedAt: number; polls: number } | { error: string; polls: number };

/** Polls GET /v1/runs/:id until the run is final: first after `firstMs`, then every `everyMs`; bounded in polls and time. */
const waitFinal = async (client: Client, run: Started, firstMs: number, everyMs: number): Promise<Finished> => {
  const deadline = run.perfStart + RUN_TIMEOUT_MS;
  let polls = 0;
  let last = "";
  await sleep(firstMs);
  while (polls < MAX_POLLS && performance.now() < deadline) {
    polls++;
    const reply = await client.get(`/v1/runs/${encodeURIComponent(run.id)}`);
    if (reply.status === 200) {
      const view = JSON.parse(reply.body) as RunView;
      const final = FINAL.has(view.status);
      (final ? pollLatency.final : pollLatency.running).push(reply.ms);
      if (final) return { view, observedAt: performance.now(), polls };
      last = `status ${view.status}`;
    } else last = describe(reply);
    await sleep(everyMs);
  }
  return { error: `run ${run.id} not final after ${polls} polls / ${fmt(performance.now() - run.perfStart, 0)} ms (last: ${last})`, polls };
};

const ms = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso));
/** The coordinator's own span of a run: first step dispatched (createdAt) -> final transition (updatedAt). */
const spanOf = (view: RunView): number => ms(view.updatedAt) - ms(view.createdAt);

/** Per-step coordinator-recorded durations of a finished run, by step name. */
const stepDurations = (view: RunView): Map<string, number> =>
  new Map(view.steps.filter((s) => s.durationMs !== null && s.status === "completed").map((s) => [s.name, s.durationMs as number]));

const collectSteps = (into: Map<string, number[]>, view: RunView): void => {
  for (const [name, duration] of stepDurations(view)) {
    const list = into.get(name) ?? [];
    list.push(duration);
    into.set(name, list);
  }
};

// --- CPU per phase ----------------------------------------------------------------------------

const cpuLine = (cpu: CpuReport, runs: number, what = "run"): string =>
  `    ${cpu.text}` +
  (runs > 0 ? `; per ${what}: worker ${fmt((cpu.workerSeconds / runs) * 1000, 2)} ms, proxy ${fmt((cpu.proxySeconds / runs) * 1000, 2)} ms, client ${fmt((cpu.clientSeconds / runs) * 1000, 2)} ms CPU` : "");

let reloads = 0;
const noise = { otherSeconds: 0, wallSeconds: 0 };
const endCpu = (server: BenchServer, mark: CpuMark): CpuReport => {
  const cpu = cpuSince(server, mark);
  if (cpu.reloaded) reloads++;
  noise.otherSeconds += cpu.otherSeconds;
  noise.wallSeconds += cpu.wallSeconds;
  return cpu;
};

const beginPhase = (): void => {
  phaseStatuses = new Map();
  resetPollLatency();
};

// --- 1. throughput ------------------------------------------------------------------------------

type ThroughputFigures = {
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

const throughputBench = async (server: BenchServer, client: Client, tag: string): Promise<ThroughputFigures> => {
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
    statuses: phaseStatuses,
  };
  console.log(
    `  ${fmtInt(completed)} runs completed, ${result.errors} errors in ${fmt(result.elapsedMs / 1000, 2)}s = ${fmt(figures.runsPerSecond, 1)} runs/s; ` +
      `start -> final (coordinator's updatedAt): p50 ${fmt(figures.p50)} ms, p99 ${fmt(figures.p99)} ms, max ${fmt(figures.max)} ms; ` +
      `start -> final seen by the client: p50 ${fmt(figures.observedP50)} ms; ${fmt(figures.pollsPerRun, 1)} polls per run`,
  );
  console.log(cpuLine(cpu, completed) + " (includes the polling GETs)");
  console.log(`    ${pollText()}`);
  console.log(`    responses: ${statusText(phaseStatuses)}`);
  for (const error of result.firstErrors) console.log(`    error: ${error}`);
  return figures;
};

// --- 2. coordinator overhead per step ------------------------------------------------------------

type OverheadFigures = {
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

/** One direct call: the agent, and this client's wall clock (sub-ms) when it was sent and answered. */
type DirectCall = { agent: string; ms: number; sentAt: number; answeredAt: number };
type DirectSample = { spawnMs: number; callsMs: number; calls: Map<string, DirectCall> };

const wallNow = (): number => performance.timeOrigin + performance.now();

/**
 * The same order, done by the client: spawn the 4 agents a run binds (in parallel), then
 * the 5 actions in the workflow's order, on the same agents the coordinator would use
 * (round-robin over the 2 processors), with the same inputs and step keys.
 */
/** Worker CPU of the direct sequences, split into the 4 spawns and the 5 calls (marks outside the timed parts). */
const directCpu = { spawn: 0, calls: 0, n: 0 };

const directOrder = async (client: Client, tag: string, n: number, server?: BenchServer): Promise<DirectSample | { error: string }> => {
  const base = `direct-${tag}-${n}`;
  const orderId = `o-${base}`;
  const input = orderInput(orderId);
  const agents = { validator: `${base}.validator.1`, p1: `${base}.processor.1`, p2: `${base}.processor.2`, notifier: `${base}.notifier.1` };
  const types = { validator: "validation_agent", p1: "processing_agent", p2: "processing_agent", notifier: "notification_agent" } as const;
  const mark0 = server ? cpuMark(server) : undefined;
  const spawnStart = performance.now();
  const spawns = await Promise.all((Object.keys(agents) as (keyof typeof agents)[]).map((role) => client.post("/v1/agents", { type: types[role], id: agents[role] })));
  const spawnMs = performance.now() - spawnStart;
  const mark1 = server ? cpuMark(server) : undefined;
  const failedSpawn = spawns.find((reply) => reply.status !== 201);
  if (failedSpawn) return { error: `direct spawn: ${describe(failedSpawn)}` };
  const calls = new Map<string, DirectCall>();
  const call = async (step: string, agent: string, action: string, body: unknown): Promise<Reply> => {
    const sentAt = wallNow();
    const reply = await client.post(`/v1/agents/${encodeURIComponent(agent)}/actions/${action}`, body, { "idempotency-key": `wf:${base}:${step}` });
    calls.set(step, { agent, ms: reply.ms, sentAt, answeredAt: wallNow() });
    return reply;
  };
  const started = performance.now();
  const stages: (() => Promise<Reply[]>)[] = [
    () =>
      Promise.all([
        call("validate_order", agents.validator, "validate", { order_id: orderId, amount: input.amount, items: input.items }),
        call("check_inventory", agents.p1, "check_inventory", { order_id: orderId, items: input.items }),
      ]),
    async () => [await call("process_payment", agents.p2, "process_payment", { order_id: orderId, amount: input.amount, payment: input.payment })],
    async () => [await call("fulfill_order", agents.p1, "fulfill_order", { order_id: orderId })],
    async () => [await call("send_confirmation", agents.notifier, "send_confirmation", { order_id: orderId })],
  ];
  for (const stage of stages) {
    const replies = await stage();
    const failed = replies.find((reply) => reply.status !== 200);
    if (failed) return { error: `direct call: ${describe(failed)}` };
  }
  const callsMs = performance.now() - started;
  if (server && mark0 && mark1) {
    const spawnCpu = cpuSince(server, mark0).workerSeconds - cpuSince(server, mark1).workerSeconds;
    directCpu.spawn += spawnCpu;
    directCpu.calls += cpuSince(server, mark1).workerSeconds;
    directCpu.n++;
  }
  return { spawnMs, callsMs, calls };
};

type CoordinatorSample = { span: number; whole: number; startReply: number; bind: number; observedTail: number; polls: number; view: RunView };

const coordinatorOrder = async (client: Client, tag: string, pollMs: number): Promise<CoordinatorSample | { error: string }> => {
  const run = await startRun(client, `${tag}-o`);
  if ("error" in run) return run;
  const done = await waitFinal(client, run, pollMs, pollMs);
  if ("error" in done) return done;
  if (done.view.status !== "completed") return { error: `run ${run.id} ended ${done.view.status}` };
  const updatedAt = ms(done.view.updatedAt);
  return {
    span: spanOf(done.view),
    whole: updatedAt - run.wallStart,
    startReply: run.startMs,
    // Start request sent -> the run record created (routing, registry look-up, binding 4 agents).
    bind: ms(done.view.createdAt) - run.wallStart,
    // Final transition -> the client saw it (polling granularity + one GET).
    observedTail: done.observedAt - run.perfStart - (updatedAt - run.wallStart),
    polls: done.polls,
    view: done.view,
  };
};

type Split = { out: Map<string, number[]>; back: Map<string, number[]> };

/**
 * Where a step's time goes: an agent that ran one action of the run (or whose last action
 * it was) stamped `updatedAt` when the action finished, just before its commit. Against
 * the coordinator's startedAt / finishedAt (or the client's send / answer time), that
 * splits the step into out and back. Read after the measurement, so it disturbs nothing.
 */
const splitSteps = async (client: Client, runs: readonly CoordinatorSample[], directs: readonly DirectSample[]): Promise<{ coordinator: Split; direct: Split }> => {
  const splitSteps = ["validate_order", "process_payment", "fulfill_order", "send_confirmation"];
  const empty = (): Split => ({ out: new Map(), back: new Map() });
  const result = { coordinator: empty(), direct: empty() };
  const add = (into: Split, step: string, out: number, back: number) => {
    into.out.set(step, [...(into.out.get(step) ?? []), out]);
    into.back.set(step, [...(into.back.get(step) ?? []), back]);
  };
  const committedAt = async (agent: string): Promise<number | null> => {
    const reply = await client.get(`/v1/agents/${encodeURIComponent(agent)}`);
    return reply.status === 200 ? ms((JSON.parse(reply.body) as { updatedAt: string }).updatedAt) : null;
  };
  for (const run of runs) {
    for (const step of run.view.steps.filter((s) => splitSteps.includes(s.name) && s.agent !== null && s.status === "completed")) {
      const at = await committedAt(step.agent!);
      if (at !== null) add(result.coordinator, step.name, at - ms(step.startedAt), ms(step.finishedAt) - at);
    }
  }
  for (const sample of directs) {
    for (const step of splitSteps) {
      const call = sample.calls.get(step);
      const at = call ? await committedAt(call.agent) : null;
      if (call && at !== null) add(result.direct, step, at - call.sentAt, call.answeredAt - at);
    }
  }
  return result;
};

const overheadBench = async (server: BenchServer, client: Client, tag: string): Promise<OverheadFigures> => {
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
    statuses: phaseStatuses,
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
  console.log(`    responses: ${statusText(phaseStatuses)}`);
  for (const error of errors.slice(0, 5)) console.log(`    error: ${error}`);
  return figures;
};

// --- 3. many runs at once -------------------------------------------------------------------------

type ManyFigures = {
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

/** Statuses of the given runs as the runs index has them (every page of workflow=order_processing, bounded). */
const indexStatuses = async (client: Client, ids: ReadonlySet<string>): Promise<{ statuses: Map<string, string>; error?: string }> => {
  const statuses = new Map<string, string>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_INDEX_PAGES; page++) {
    const reply = await client.get(`/v1/runs?workflow=order_processing&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (reply.status !== 200) return { statuses, error: describe(reply) };
    const body = JSON.parse(reply.body) as { items: { id: string; status: string }[]; next: string | null };
    for (const item of body.items) if (ids.has(item.id)) statuses.set(item.id, item.status);
    if (!body.next) return { statuses };
    cursor = body.next;
  }
  return { statuses, error: `more than ${MAX_INDEX_PAGES} pages` };
};

/** Every run of the workflow in the index, counted by status (bounded pages). */
const indexAll = async (client: Client): Promise<{ byStatus: Record<string, number>; error?: string }> => {
  const byStatus: Record<string, number> = {};
  let cursor: string | null = null;
  for (let page = 0; page < MAX_INDEX_PAGES; page++) {
    const reply = await client.get(`/v1/runs?workflow=order_processing&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (reply.status !== 200) return { byStatus, error: describe(reply) };
    const body = JSON.parse(reply.body) as { items: { status: string }[]; next: string | null };
    for (const item of body.items) byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
    if (!body.next) return { byStatus };
    cursor = body.next;
  }
  return { byStatus, error: `more than ${MAX_INDEX_PAGES} pages` };
};

const agentState = async (client: Client, id: string): Promise<Record<string, number> | string> => {
  const reply = await client.get(`/v1/agents/${encodeURIComponent(id)}`);
  if (reply.status !== 200) return describe(reply);
  return (JSON.parse(reply.body) as { state: Record<string, number> }).state;
};

/** Each effect of a completed order run happened once: the run's own agents' counters. */
const checkEffects = async (client: Client, run: RunView): Promise<string | null> => {
  const [validator] = run.bindings.validator ?? [];
  const [p1, p2] = run.bindings.processor ?? [];
  const [notifier] = run.bindings.notifier ?? [];
  if (!validator || !p1 || !p2 || !notifier) return `${run.id}: bindings ${JSON.stringify(run.bindings)}`;
  const expected: [string, Record<string, number>][] = [
    [validator, { validated: 1 }],
    [p1, { reserved: 1, fulfilled: 1, charged: 0, released: 0 }],
    [p2, { charged: 1, refunded: 0 }],
    [notifier, { confirmations: 1, failures: 0 }],
  ];
  for (const [agent, want] of expected) {
    const state = await agentState(client, agent);
    if (typeof state === "string") return `${agent}: ${state}`;
    for (const [key, value] of Object.entries(want)) if (state[key] !== value) return `${agent}: ${key} = ${state[key]}, expected ${value}`;
  }
  return null;
};

const manyBench = async (server: BenchServer, client: Client, tag: string): Promise<ManyFigures> => {
  const { runs, concurrency, startMaxMs, finalMaxMs, indexPollMs, readConcurrency, sample } = CONFIG.many;
  console.log(
    `\n## 3. ${fmtInt(runs)} runs at once: started at concurrency ${concurrency}, then watched through the runs index every ${indexPollMs} ms ` +
      `(bounded ${finalMaxMs / 1000}s) until all are final, then each read once (GET /v1/runs/:id, concurrency ${readConcurrency})`,
  );
  beginPhase();
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
      const run = await startRun(client, `${tag}-m`, { key: `bench-${tag}-m-${i}`, attempts: START_ATTEMPTS, backoffMs: 250 });
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
  for (let i = 0; i < completedViews.length && effectsChecked < sample; i += step) {
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
    statuses: phaseStatuses,
  };
  console.log(
    `  read back: ${views.length} runs, by status ${JSON.stringify(byStatus)}, ${notFinal} not final, ${reads.errors} read errors; ` +
      `last final transition (coordinator's updatedAt) ${fmt(figures.lastUpdatedSeconds, 2)}s after the first start; ` +
      `start -> final per run p50 ${fmt(figures.latencyP50)} ms, p99 ${fmt(figures.latencyP99)} ms`,
  );
  console.log(`  exactly-once check of ${effectsChecked} completed runs' agents: ${effectsWrong.length} wrong${effectsWrong.length ? `: ${effectsWrong.slice(0, 3).join("; ")}` : ""}`);
  console.log(`    responses: ${statusText(phaseStatuses)}`);
  for (const error of figures.firstErrors) console.log(`    error: ${error}`);
  return figures;
};

// --- the bench --------------------------------------------------------------------------------------

export type WorkflowBenchResult = { throughput: ThroughputFigures; overhead: OverheadFigures; many: ManyFigures };

export const runWorkflowBench = async (): Promise<WorkflowBenchResult> => {
  installSignalCleanup();
  const tag = Date.now().toString(36);
  const stateDir = mkdtempSync("/dev/shm/jido-bench-wf-");
  const logDir = mkdtempSync("/tmp/jido-bench-wf-logs-");
  const removeState = () => {
    if (process.env.BENCH_KEEP_STATE === "1") console.log(`state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  };
  const forgetCleanup = onSignalCleanup(removeState);
  console.log(`# Workflow benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
  console.log(`state: ${stateDir} (tmpfs); server log: ${logDir}`);
  let client: Client | undefined;
  try {
    const startedAt = performance.now();
    const server = await startBenchServer({
      name: "platform",
      persistTo: stateDir,
      logFile: join(logDir, "platform.log"),
      vars: platformServerVars(),
      ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}),
    });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}, config ${PLATFORM_CONFIG ?? "wrangler.toml"}; ready in ${fmt((performance.now() - startedAt) / 1000, 1)}s`);
    const token = await platformToken(server);
    client = countingClient(createClient({ name: "platform", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 }));

    // Smoke + warm-up: runs complete, with timestamps the client's clock agrees with.
    beginPhase();
    const smoke = await startRun(client, `${tag}-smoke`);
    if ("error" in smoke) throw new Error(`smoke: ${smoke.error}`);
    const smokeDone = await waitFinal(client, smoke, 5, 5);
    if ("error" in smokeDone || smokeDone.view.status !== "completed") throw new Error(`smoke run: ${"error" in smokeDone ? smokeDone.error : smokeDone.view.status}`);
    const skew = ms(smokeDone.view.createdAt) - smoke.wallStart;
    if (skew < -5 || skew > smoke.startMs + 5) console.log(`WARNING: the run's createdAt is ${skew} ms after the client sent the start (reply took ${fmt(smoke.startMs)} ms): clocks disagree?`);
    const direct = await directOrder(client, tag, -1);
    if ("error" in direct) throw new Error(`smoke direct: ${direct.error}`);
    const { runs: warmRuns, concurrency: warmConcurrency } = CONFIG.warmup;
    const warm = await closedLoop({
      concurrency: warmConcurrency,
      maxCount: warmRuns,
      maxMs: 120_000,
      op: async () => {
        const run = await startRun(client!, `${tag}-w`);
        if ("error" in run) return { ok: false, ms: 0, error: run.error };
        const done = await waitFinal(client!, run, 10, 10);
        return "error" in done ? { ok: false, ms: 0, error: done.error } : { ok: done.view.status === "completed", ms: 0, error: done.view.status };
      },
    });
    console.log(`warm-up (not counted): ${warm.ok}/${warmRuns} runs completed${warm.errors ? `, errors: ${warm.firstErrors.join(" | ")}` : ""}; responses: ${statusText(phaseStatuses)}`);
    await sleep(1_000);

    const overhead = await overheadBench(server, client, tag);
    await sleep(2_000); // let the runs' background work (outbox, index, alarms) settle
    const throughput = await throughputBench(server, client, tag);
    await sleep(6_000); // the coordinators' watchdog alarms (5 s) fire and settle
    const many = await manyBench(server, client, tag);

    // Transition events of every run, appended to the tenant's one `workflow` stream (after a pause for the outboxes).
    await sleep(2_000);
    const stream = await client.get("/v1/streams/workflow");
    const streamLength = stream.status === 200 ? (JSON.parse(stream.body) as { length: number }).length : Number.NaN;
    console.log(`\nworkflow stream: ${fmtInt(streamLength)} events for ${fmtInt(runsStarted)} runs started = ${fmt(streamLength / runsStarted, 1)} events per run${stream.status === 200 ? "" : ` (${describe(stream)})`}`);

    // The whole runs index: every run of the workflow (the bench's and any whose start the
    // client saw fail but the server carried out), by status.
    const whole = await indexAll(client);
    const indexTotal = Object.values(whole.byStatus).reduce((a, b) => a + b, 0);
    const indexNotFinal = Object.entries(whole.byStatus).filter(([status]) => !FINAL.has(status)).reduce((n, [, c]) => n + c, 0);
    console.log(
      `runs index: ${fmtInt(indexTotal)} order_processing runs, by status ${JSON.stringify(whole.byStatus)}; the client saw ${fmtInt(runsStarted)} starts succeed` +
        (indexTotal > runsStarted ? ` => ${indexTotal - runsStarted} runs exist whose start the client saw fail` : "") +
        (whole.error ? `; index error: ${whole.error}` : ""),
    );

    const getRetries = client.retries ?? 0;
    client.close();
    client = undefined;
    await stopAllServers();
    const log = scanLog(server);
    console.log(`\n## Server log: ${log.nomem} SQLITE_NOMEM lines, ${log.errorLines} error-like lines, ${log.warnLines} warn lines`);
    for (const line of log.samples) console.log(`    ${line}`);

    const verdict = (met: boolean) => (met ? "met" : "**missed**");
    const status = (counts: StatusCounts) => `${fiveXx(counts)} / ${badCount(counts)}`;
    const t = throughput;
    const o = overhead;
    const m = many;
    const allCompleted = m.byStatus.completed === m.runs;
    const rows = [
      [`1. order runs/s (c=${CONFIG.throughput.concurrency}, ${CONFIG.throughput.ms / 1000}s, closed loop)`, fmt(t.runsPerSecond, 1), ""],
      ["1. run latency start -> final p50 / p99 (ms; coordinator's final updatedAt)", `${fmt(t.p50)} / ${fmt(t.p99)}`, ""],
      ["1. runs not completed / errors", `${Object.values(t.otherFinal).reduce((a, b) => a + b, 0)} / ${t.errors}`, "0"],
      ["1. Worker CPU per run (ms; incl. polling GETs) / dev-proxy CPU per run (ms)", `${fmt(t.workerCpuMsPerRun, 1)} / ${fmt(t.proxyCpuMsPerRun, 1)}`, ""],
      [`2. coordinator overhead per step p50 (ms; (span - direct calls) / ${STEPS}, c=1, ${o.pairs} pairs)`, fmt(o.perStepP50, 2), `< 2 ms: ${verdict(o.perStepP50 < 2)}`],
      ["2. coordinator overhead per step p99 (ms)", fmt(o.perStepP99, 2), ""],
      ["2. run span p50 / p99 (ms; createdAt -> final updatedAt)", `${fmt(o.spanP50)} / ${fmt(o.spanP99)}`, ""],
      ["2. direct 5 calls over HTTP p50 / p99 (ms)", `${fmt(o.directP50, 1)} / ${fmt(o.directP99, 1)}`, ""],
      ["2. whole run incl. start + binding, overhead per step p50 / p99 (ms; vs spawn 4 + 5 calls)", `${fmt(o.wholePerStepP50, 2)} / ${fmt(o.wholePerStepP99, 2)}`, ""],
      ["2. Worker CPU per run / per direct sequence (ms)", `${fmt(o.coordinatorCpuMs, 1)} / ${fmt(o.directCpuMs, 1)}`, ""],
      ["2. errors", String(o.errors.length), "0"],
      ["transition events per run (all to the tenant's one `workflow` stream)", fmt(streamLength / runsStarted, 1), ""],
      [`3. ${fmtInt(m.runs)} runs: time to start all (s, c=${CONFIG.many.concurrency})`, `${fmt(m.startSeconds, 2)} (${fmtInt(m.started)} started)`, ""],
      [`3. time to all final (s; runs index / last coordinator updatedAt)`, `${m.finalSeconds === null ? "NOT all final" : fmt(m.finalSeconds, 2)} / ${fmt(m.lastUpdatedSeconds, 2)}`, `< ${CONFIG.many.finalMaxMs / 1000}s`],
      ["3. final statuses", JSON.stringify(m.byStatus), `all completed: ${verdict(allCompleted && m.notFinal === 0)}`],
      ["3. starts whose first attempt failed (retried, same Idempotency-Key)", `${m.firstAttemptFailures}${m.firstAttemptKinds ? ` (${m.firstAttemptKinds})` : ""}; ${m.existed} had created the run`, `0: ${verdict(m.firstAttemptFailures === 0)}`],
      [`3. client-visible errors after <= ${START_ATTEMPTS} attempts (start / read) and runs not final`, `${m.startErrors} / ${m.readErrors}; ${m.notFinal} not final`, `0: ${verdict(m.startErrors + m.readErrors + m.notFinal === 0)}`],
      ["3. per-run start -> final p50 / p99 (ms)", `${fmt(m.latencyP50)} / ${fmt(m.latencyP99)}`, ""],
      ["3. Worker CPU per run (ms; start + index polls) / dev-proxy CPU per run (ms)", `${fmt(m.workerCpuMsPerRun, 1)} / ${fmt(m.proxyCpuMsPerRun, 1)}`, ""],
      ["3. exactly-once check (sampled runs' agents wrong / checked)", `${m.effectsWrong.length} / ${m.effectsChecked}`, "0"],
      ["5xx / (5xx + 429 + network errors) responses: phases 2, 1, 3", `${status(o.statuses)}; ${status(t.statuses)}; ${status(m.statuses)}`, "0"],
      ["runs index at the end: runs not final / runs whose start the client saw fail", `${indexNotFinal} / ${Math.max(0, indexTotal - runsStarted)}`, "0 / 0"],
      ["GETs re-sent after a reused keep-alive socket failed (client-side)", String(getRetries), ""],
      ["other processes' CPU during measurements (cores busy, avg)", fmt(noise.otherSeconds / Math.max(noise.wallSeconds, 1e-9), 2), "~0 (else figures are noisy)"],
      ["measurements disturbed by a wrangler reload", String(reloads), "0 (else rerun)"],
      ["server log SQLITE_NOMEM / error-like lines", `${log.nomem} / ${log.errorLines}`, "0"],
    ];
    if (firstBad.length > 0) {
      console.log("\nfirst 5xx / 429 / network-error responses:");
      for (const line of firstBad) console.log(`  ${line}`);
    }
    console.log(`\n## Workflow benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "value", "target"], rows));
    console.log(
      `\nA successful order run executes ${STEPS} steps in ${STAGES} sequential stages (validate || check_inventory, process_payment, fulfill_order, send_confirmation). ` +
        "Coordinator times are its own Date.now() at transitions (ms resolution); client times are this process's clock.",
    );
    return { throughput, overhead, many };
  } finally {
    client?.close();
    await stopAllServers();
    forgetCleanup();
    removeState();
  }
};
