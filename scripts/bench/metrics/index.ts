// Observability overhead benchmark (`npm run bench -- metrics`), issue 14's target: the
// Worker CPU (the workerd running the Worker and its objects) per agent action and per
// published event with metrics on and tracing at the default 10% sampling (`both`),
// against the same work with both off (`off`); BENCH_OBS_MODES adds others (modes.ts:
// metrics only, tracing only, ...) to attribute the cost. Every configuration runs under
// its own `wrangler dev`, all alive at once; tracing ones export to a loopback OTLP sink
// in this process (lib/otlp-sink.ts). The work is the agents and events benchmarks' own:
// warm `counter` increments over 100 agents (agents/warm.ts), single events to one stream
// and batches of 10 over 16 streams (events/publish.ts), at concurrency 16.
//
// Method (paired short bursts): per work, PAIRS pairs per configuration; a pair is one
// burst of BURST_MS on `off` and one on the configuration, both at the same time and at
// the same fixed request rate (lib/paced.ts; 60% of the lower throughput the two reached
// side by side in a closed loop at concurrency 16), so both servers meet the same
// machine at the same moment (other processes' load, and each other's, hit them alike)
// and do the same work per second (a CPU-starved server in a closed loop serves fewer
// requests, each at another cost). (With BENCH_OBS_PAIRING=abba the two bursts run one
// after the other in closed loops, in the order A B, B A, B A, A B, ...) Each server's cost of a
// burst is its workerd-worker's CPU from the start of that burst to the start of its
// next one (so work deferred past the response, waitUntil flushes and exports, timers,
// is counted for the burst that caused it; the last window ends after a settle longer
// than the flush interval), read at nanosecond resolution from the threads' scheduler
// clocks (lib/thread-cpu.ts), divided by the burst's actions or events. The overhead is
// the ratio of totals over all pairs (lumpy costs such as a 5-second flush at their true
// weight) with a 95% bootstrap interval over pairs, beside the median of the pairs' own
// ratios and its IQR (lib/paired.ts); the target counts as met when the interval's top
// is at most 5%, missed when its bottom is above. Second, independent of the machine's
// load: a CPU profile of each server's isolate under each work at the pairs' rate
// (profile.ts), the share of busy samples in observability code, `off` beside it.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
// BENCH_QUICK=1: fewer pairs, shorter bursts. BENCH_OBS_PAIRS overrides the pair count;
// BENCH_OBS_RATE=action,event,batch fixes the rates (requests/s), to compare runs;
// BENCH_OBS_BEFORE=<another checkout>/wrangler.toml adds that code's metrics + tracing
// server, paired with the same `off`, to measure a change's before and after in one run.
// The agents and events benchmarks also take BENCH_METRICS=off (lib/platform-auth.ts).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { cpuTally } from "../lib/cpu-tally.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { QUICK } from "../lib/env.ts";
import { startOtlpSink } from "../lib/otlp-sink.ts";
import { pacedLoop } from "../lib/paced.ts";
import { type Pair, pairedFigures } from "../lib/paired.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { type BenchServer, cpuMark, startBenchServer, workerPid } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { closedLoop, fmt, fmtInt, markdownTable, type Outcome, sleep } from "../lib/stats.ts";
import { threadCpu } from "../lib/thread-cpu.ts";
import { type Mode, type ModeName, modeVars, selectedModes } from "./modes.ts";
import { profileIsolate } from "./profile.ts";

const CONFIG = QUICK
  ? { agents: 50, streams: 16, concurrency: 16, pairs: 6, burstMs: 1_000, warmupMs: 1_500, profileS: 3, settleMs: 5_500 }
  : { agents: 100, streams: 16, concurrency: 16, pairs: 40, burstMs: 1_500, warmupMs: 3_000, profileS: 10, settleMs: 5_500 };
/** BENCH_OBS_PAIRING=abba: a pair's bursts one after the other (A B, B A, B A, A B, ...) instead of at the same time. */
const TOGETHER = process.env.BENCH_OBS_PAIRING !== "abba";
/** Together, both sides are loaded at this share of the lower throughput they reached side by side. */
const RATE_SHARE = 0.6;
/**
 * BENCH_OBS_RATE=action,event,batch (requests/s): fixed rates instead, to compare runs
 * (the cost per action depends on the rate: each agent's periodic flush is shared by the
 * actions it served meanwhile).
 */
const FIXED_RATES = process.env.BENCH_OBS_RATE ? process.env.BENCH_OBS_RATE.split(",").map(Number) : undefined;
if (FIXED_RATES && (FIXED_RATES.length !== 3 || FIXED_RATES.some((r) => !(r > 0)))) throw new Error("BENCH_OBS_RATE: three rates > 0 (action,event,batch requests/s)");
const PAIRS = Number(process.env.BENCH_OBS_PAIRS) > 0 ? Math.floor(Number(process.env.BENCH_OBS_PAIRS)) : CONFIG.pairs;
/** What is measured, and what one unit of it is. */
const WORKS = [
  { key: "action", unit: "action", title: "agent action (warm increment)", batch: 1 },
  { key: "event", unit: "published event", title: "published event (single, one stream)", batch: 1 },
  { key: "batch", unit: "published event", title: "published event (batches of 10, 16 streams)", batch: 10 },
] as const;
type Work = (typeof WORKS)[number];
type Side = { mode: Mode; server: BenchServer; client: Client; nextId: number };
/** One burst's cost: the server's CPU over its window (filled in when the window closes) and the units served. */
type Burst = { units: number; cpu: number };

const TARGET_PERCENT = 5;

export const runMetricsBench = async (): Promise<void> => {
  const modes = selectedModes();
  const sides: Side[] = [];
  const sink = await startOtlpSink();
  const runId = Date.now().toString(36);
  try {
    await runSession({ state: "/dev/shm/jido-bench-metrics-", logs: "/tmp/jido-bench-metrics-logs-" }, () => sides.forEach((s) => s.client.close()), async (dirs) => {
      console.log(`# Observability overhead: ${modes.map((m) => m.name).join(", ")}${QUICK ? " (BENCH_QUICK=1)" : ""}\nserver logs: ${dirs.logDir}; OTLP sink ${sink.url}`);
      for (const mode of modes) {
        const persistTo = join(dirs.stateDir, mode.name);
        mkdirSync(persistTo);
        const vars = { ...platformServerVars(), ...modeVars(mode, sink.url) };
        const server = await startBenchServer({ name: `obs-${mode.name}`, persistTo, logFile: join(dirs.logDir, `${mode.name}.log`), vars, ...(mode.config ? { config: mode.config } : {}) });
        const token = await platformToken(server);
        sides.push({ mode, server, client: createClient({ name: mode.name, host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 }), nextId: 0 });
        console.log(`${mode.name}: ${mode.title}; wrangler dev pid ${server.pid} at ${server.url}`);
      }
      await measure(sides, runId, sink);
    });
  } finally {
    await sink.close();
  }
};

const agentIds = Array.from({ length: CONFIG.agents }, (_, i) => `obs-${i}`);
const streams = Array.from({ length: CONFIG.streams }, (_, i) => `obs-${i}`);

const expect = (status: number, ms: number, body: string, want: number): Outcome =>
  status === want ? { ok: true, ms } : { ok: false, ms, error: `${status} ${body.slice(0, 200)}` };

/** One request of `work` on `side`. */
const op = (side: Side, work: Work, runId: string) => async (i: number): Promise<Outcome> => {
  if (work.key === "action") {
    const reply = await side.client.post(`/v1/agents/${agentIds[i % agentIds.length]}/actions/increment`, { by: 1 });
    return expect(reply.status, reply.ms, reply.body, 200);
  }
  const stream = work.key === "event" ? "obs-single" : (streams[i % streams.length] as string);
  const events = Array.from({ length: work.batch }, () => ({ id: `${runId}-${side.nextId++}`, stream, source: "bench", type: "bench.tick", data: { by: 1 } }));
  const reply = await side.client.post("/v1/events", events.length === 1 ? events[0] : events);
  return expect(reply.status, reply.ms, reply.body, 201);
};

/**
 * The CPU windows of the servers: a burst's window runs from its start to the start of
 * the same server's next burst (or `closeAll`, after a settle). A window during which
 * the server's workerd changed (wrangler reloaded it) is NaN, and its pair dropped.
 */
const windows = () => {
  const open = new Map<BenchServer, { burst: Burst; pid: number | undefined; at: number; threads: string }>();
  let threadChanges = 0;
  const close = (server: BenchServer) => {
    const was = open.get(server);
    if (!was) return;
    open.delete(server);
    const pid = workerPid(server);
    const now = pid === undefined ? { seconds: Number.NaN, threads: "" } : threadCpu(pid);
    if (now.threads !== was.threads) threadChanges++;
    was.burst.cpu = pid !== undefined && pid === was.pid ? now.seconds - was.at : Number.NaN;
  };
  return {
    /** Closes the server's previous window and opens one for `burst`. */
    start(server: BenchServer, burst: Burst) {
      close(server);
      const pid = workerPid(server);
      const at = pid === undefined ? { seconds: Number.NaN, threads: "" } : threadCpu(pid);
      open.set(server, { burst, pid, at: at.seconds, threads: at.threads });
    },
    closeAll() {
      for (const server of [...open.keys()]) close(server);
    },
    threadChanges: () => threadChanges,
  };
};

/** Pair `i`'s order: A B, B A, B A, A B, ... (ABBA). */
const pairOrder = <T>(pair: readonly [T, T], i: number): readonly [T, T] => (i % 4 === 0 || i % 4 === 3 ? pair : [pair[1], pair[0]]);

const measure = async (sides: readonly Side[], runId: string, sink: { readonly requests: number; readonly bytes: number }): Promise<void> => {
  for (const side of sides) {
    for (const id of agentIds) {
      const reply = await side.client.post("/v1/agents", { type: "counter", id });
      if (reply.status !== 201) throw new Error(`${side.mode.name}: spawn failed: ${describe(reply)}`);
    }
    for (const work of WORKS) await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.warmupMs, op: op(side, work, runId) });
  }
  const base = sides.find((side) => side.mode.name === "off")!;
  const treated = sides.filter((side) => side !== base);
  console.log(
    `\n## per work, ${PAIRS} pairs per configuration: a ${CONFIG.burstMs / 1000}s burst on off and one on the configuration (${TOGETHER ? "at the same time" : "ABBA order"}), ` +
      `concurrency ${CONFIG.concurrency}; Worker CPU per burst from its start to the server's next burst`,
  );
  const tally = cpuTally();
  const errors = new Map<ModeName, number>();
  const skipped = new Map<ModeName, number>();
  const cpuWindows = windows();
  const rows: string[][] = [];
  const profileRows: string[][] = [];
  const sinkAtStart = { requests: sink.requests, bytes: sink.bytes };
  for (const work of WORKS) {
    const bursts = new Map<ModeName, { base: Burst; burst: Burst }[]>();
    // Together: both at one rate, RATE_SHARE of the lower throughput the pair reached side by side.
    let rate = FIXED_RATES?.[WORKS.indexOf(work)] ?? 0;
    if (TOGETHER && rate > 0) console.log(`  ${work.key}: each loaded at ${fmtInt(rate)} requests/s (BENCH_OBS_RATE)`);
    else if (TOGETHER) {
      const probe = await Promise.all([base, ...treated].map((side) => closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.burstMs, op: op(side, work, runId) })));
      rate = Math.max(10, Math.floor(RATE_SHARE * Math.min(...probe.map((r) => r.ok / (r.elapsedMs / 1000)))));
      console.log(`  ${work.key}: side by side in a closed loop ${probe.map((r, i) => `${sides[i]!.mode.name} ${fmtInt(r.ok / (r.elapsedMs / 1000))}/s`).join(", ")}; each loaded at ${fmtInt(rate)} requests/s`);
    }
    const run = async (side: Side): Promise<Burst> => {
      const burst: Burst = { units: 0, cpu: Number.NaN };
      const mark = cpuMark(side.server);
      cpuWindows.start(side.server, burst);
      const result = TOGETHER
        ? await pacedLoop({ rate, maxMs: CONFIG.burstMs, maxInFlight: CONFIG.concurrency * 4, op: op(side, work, runId) })
        : await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.burstMs, op: op(side, work, runId) });
      if ("skipped" in result) skipped.set(side.mode.name, (skipped.get(side.mode.name) ?? 0) + result.skipped);
      burst.units = result.ok * work.batch;
      errors.set(side.mode.name, (errors.get(side.mode.name) ?? 0) + result.errors);
      if (result.firstErrors.length > 0) console.log(`  ${work.key} ${side.mode.name}: ${result.errors} errors; first: ${result.firstErrors[0]}`);
      if (tally.end(side.mode.name, side.server, mark).reloaded) burst.cpu = Number.NaN;
      return burst;
    };
    for (let i = 0; i < PAIRS; i++) {
      for (const side of treated) {
        let pair: { base: Burst; burst: Burst };
        if (TOGETHER) {
          const [a, b] = await Promise.all([run(base), run(side)]);
          pair = { base: a, burst: b };
        } else {
          const [first, second] = pairOrder([base, side], i);
          const a = await run(first);
          const b = await run(second);
          pair = first === base ? { base: a, burst: b } : { base: b, burst: a };
        }
        bursts.set(side.mode.name, [...(bursts.get(side.mode.name) ?? []), pair]);
      }
    }
    await sleep(CONFIG.settleMs); // the last flushes and exports land in their windows
    cpuWindows.closeAll();
    for (const side of treated) {
      const pairs: Pair[] = (bursts.get(side.mode.name) ?? []).map((p) => ({ baseCpu: p.base.cpu, baseUnits: p.base.units, cpu: p.burst.cpu, units: p.burst.units }));
      const f = pairedFigures(pairs);
      const ms = (cpu: number, units: number) => fmt((cpu / units) * 1000, 3);
      const sum = (pick: (p: Pair) => number) => pairs.filter((p) => Number.isFinite(p.cpu) && Number.isFinite(p.baseCpu)).reduce((n, p) => n + pick(p), 0);
      const verdict = side.mode.name !== "both" && side.mode.name !== "before" ? "" : f.ci[1] <= TARGET_PERCENT ? "met" : f.ci[0] > TARGET_PERCENT ? "**missed**" : "undecided (interval spans 5%)";
      console.log(`  ${work.key} ${side.mode.name}: ${f.pairs} pairs, overhead ${signed(f.overhead)}% (95% CI ${signed(f.ci[0])}..${signed(f.ci[1])}%), pair median ${signed(f.median)}% (IQR ${signed(f.iqr[0])}..${signed(f.iqr[1])}%)`);
      rows.push([
        work.title,
        side.mode.title,
        `${ms(sum((p) => p.baseCpu), sum((p) => p.baseUnits))} / ${ms(sum((p) => p.cpu), sum((p) => p.units))}`,
        `${signed(f.overhead)}%`,
        `${signed(f.ci[0])}..${signed(f.ci[1])}%`,
        `${signed(f.median)}% (${signed(f.iqr[0])}..${signed(f.iqr[1])}%)`,
        String(f.pairs),
        verdict === "" ? "" : `<= ${TARGET_PERCENT}%: ${verdict}`,
      ]);
    }
    // The load-independent view: each server's isolate profiled under this work.
    const shares = new Map<ModeName, number>();
    for (const side of sides) {
      const p = await profileIsolate(side.server, op(side, work, runId), CONFIG.profileS, `${work.key}-${side.mode.name}`, side.mode.config ? dirname(side.mode.config) : process.cwd(), TOGETHER ? rate : undefined);
      shares.set(side.mode.name, p.share);
      console.log(`  profile ${work.key} ${side.mode.name}: ${p.busy} busy samples, observability code ${fmt(p.share, 2)}% (${fmt(p.shareWithNatives, 2)}% with natives); ${p.dir}`);
    }
    for (const side of treated) {
      const share = shares.get(side.mode.name)!;
      const offShare = shares.get("off")!;
      profileRows.push([work.title, side.mode.title, `${fmt(offShare, 2)}%`, `${fmt(share, 2)}%`, `${signed(share - offShare)} pt`]);
    }
  }
  console.log(`\n## Observability overhead (Worker CPU per unit, ${PAIRS} pairs of ${CONFIG.burstMs / 1000}s bursts per row, ${TOGETHER ? "run together" : "ABBA"})\n`);
  console.log(markdownTable(["work", "configuration", "ms per unit, off / configuration", "overhead (ratio of totals)", "95% bootstrap CI", "pair median (IQR)", "pairs", "target"], rows));
  console.log(`\n## Observability code's share of the isolate's busy samples (profile, ${CONFIG.profileS}s per work and server)\n`);
  console.log(markdownTable(["work", "configuration", "off", "configuration", "difference"], profileRows));
  console.log("");
  const names = sides.map((side) => side.mode.name);
  console.log(
    markdownTable(
      ["check", "value", "expected"],
      [
        ["errors per configuration", names.map((name) => `${name} ${errors.get(name) ?? 0}`).join(", "), "0"],
        ...(TOGETHER ? [["paced starts skipped (server behind)", names.map((name) => `${name} ${skipped.get(name) ?? 0}`).join(", "), "0"]] : []),
        ["OTLP exports received during the pairs", `${fmtInt(sink.requests - sinkAtStart.requests)} requests, ${fmtInt((sink.bytes - sinkAtStart.bytes) / 1024)} KiB`, sides.some((s) => s.mode.sampleRate !== null && s.mode.sampleRate > 0) ? "> 0" : "0"],
        ["other processes' CPU (cores busy, avg)", tally.otherCores(), "~0 (else noisier)"],
        ["bursts disturbed by a reload (their pairs dropped)", names.map((name) => `${name} ${tally.reloads(name)}`).join(", "), "0"],
        ["CPU windows whose thread set changed (a thread's time may be missing)", String(cpuWindows.threadChanges()), "0"],
      ],
    ),
  );
};

const signed = (value: number): string => `${value >= 0 ? "+" : ""}${fmt(value, 1)}`;
