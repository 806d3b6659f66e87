// Observability overhead benchmark (`npm run bench -- metrics`), issue 14's target: the
// Worker CPU (the workerd running the Worker and its objects) per agent action and per
// published event with metrics on and tracing at the default 10% sampling, against the
// same work with both off, plus metrics only and tracing only so the cost is attributable
// (modes.ts). Each configuration runs under its own `wrangler dev`; tracing ones export
// to a loopback OTLP sink in this process (lib/otlp-sink.ts). The work is the agents and
// events benchmarks' own: warm `counter` increments over 100 agents (agents/warm.ts),
// single events to one stream and batches of 10 over 16 streams (events/publish.ts),
// at concurrency 16. Measured in sets: each set measures every mode once per work, in
// an order rotated per set (A B C D, B C D A, ..., reversed every other turn); each set
// gives each mode's overhead against the baseline measured beside it, and the report
// is the median over sets with its spread (min..max), robust to noise that comes and goes.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
// BENCH_QUICK=1: fewer sets, shorter rounds. BENCH_OBS_MODES: modes.ts.
// The agents and events benchmarks also take BENCH_METRICS=off (lib/platform-auth.ts).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cpuTally, cpuTotals, type CpuTotals, msPer } from "../lib/cpu-tally.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { QUICK } from "../lib/env.ts";
import { startOtlpSink } from "../lib/otlp-sink.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { type BenchServer, cpuMark, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { closedLoop, fmt, fmtInt, markdownTable, type Outcome } from "../lib/stats.ts";
import { median } from "../events/measure.ts";
import { type Mode, type ModeName, modeVars, roundOrder, selectedModes } from "./modes.ts";

const CONFIG = QUICK
  ? { agents: 50, streams: 16, concurrency: 16, sets: 2, roundMs: 1_500, warmupMs: 1_500 }
  : { agents: 100, streams: 16, concurrency: 16, sets: 6, roundMs: 2_500, warmupMs: 3_000 };
/** What is measured, and what one unit of it is. */
const WORKS = [
  { key: "action", unit: "action", title: "agent action (warm increment)", batch: 1 },
  { key: "event", unit: "published event", title: "published event (single, one stream)", batch: 1 },
  { key: "batch", unit: "published event", title: "published event (batches of 10, 16 streams)", batch: 10 },
] as const;
type Work = (typeof WORKS)[number];
type Side = { mode: Mode; server: BenchServer; client: Client; nextId: number };

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
        const server = await startBenchServer({ name: `obs-${mode.name}`, persistTo, logFile: join(dirs.logDir, `${mode.name}.log`), vars });
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

const measure = async (sides: readonly Side[], runId: string, sink: { readonly requests: number; readonly bytes: number }): Promise<void> => {
  for (const side of sides) {
    for (const id of agentIds) {
      const reply = await side.client.post("/v1/agents", { type: "counter", id });
      if (reply.status !== 201) throw new Error(`${side.mode.name}: spawn failed: ${describe(reply)}`);
    }
    for (const work of WORKS) await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.warmupMs, op: op(side, work, runId) });
  }
  console.log(`\n## ${CONFIG.sets} sets; per set, per work, each mode one round of ${CONFIG.roundMs / 1000}s at concurrency ${CONFIG.concurrency}`);
  const tally = cpuTally();
  const names = sides.map((side) => side.mode.name);
  const totals = new Map<string, CpuTotals>();
  const total = (work: Work, mode: ModeName): CpuTotals => {
    const key = `${work.key}/${mode}`;
    let t = totals.get(key);
    if (!t) totals.set(key, (t = cpuTotals()));
    return t;
  };
  /** Per work and mode: each set's overhead (%) against that set's baseline. */
  const overheads = new Map<string, number[]>();
  const errors = new Map<ModeName, number>();
  const sinkAtStart = { requests: sink.requests, bytes: sink.bytes };
  for (let set = 0; set < CONFIG.sets; set++) {
    for (const work of WORKS) {
      const perUnit = new Map<ModeName, number>();
      for (const side of roundOrder(sides, set)) {
        const mark = cpuMark(side.server);
        const result = await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.roundMs, op: op(side, work, runId) });
        errors.set(side.mode.name, (errors.get(side.mode.name) ?? 0) + result.errors);
        const units = result.ok * work.batch;
        const cpu = tally.end(side.mode.name, side.server, mark, total(work, side.mode.name), units);
        if (!cpu.reloaded) perUnit.set(side.mode.name, msPer(cpu.workerSeconds, units));
        console.log(
          `  set ${set + 1} ${work.key.padEnd(6)} ${side.mode.name.padEnd(7)} ${fmtInt(units)} ${work.unit}s, ${result.errors} errors; ` +
            `Worker ${fmt(msPer(cpu.workerSeconds, units), 3)} ms/${work.unit}; other processes ${fmt(cpu.otherSeconds / Math.max(cpu.wallSeconds, 1e-9), 2)} cores` +
            (result.firstErrors.length > 0 ? `; first error: ${result.firstErrors[0]}` : "") +
            (cpu.reloaded ? "; RELOADED (not counted)" : ""),
        );
      }
      const base = perUnit.get("off");
      for (const name of names) {
        const value = perUnit.get(name);
        if (name === "off" || base === undefined || value === undefined) continue;
        const key = `${work.key}/${name}`;
        overheads.set(key, [...(overheads.get(key) ?? []), (value / base - 1) * 100]);
      }
    }
  }
  const rows: string[][] = [];
  for (const work of WORKS) {
    for (const name of names) {
      const t = total(work, name);
      const per = msPer(t.worker, t.count);
      const sets = overheads.get(`${work.key}/${name}`) ?? [];
      const target = name === "both" ? (median(sets) <= TARGET_PERCENT ? "met" : "**missed**") : "";
      rows.push([
        work.title,
        sides.find((s) => s.mode.name === name)!.mode.title,
        fmt(per, 3),
        name === "off" ? "baseline" : `${sets.length > 0 ? `${signed(median(sets))}%` : "n/a"}`,
        name === "off" || sets.length === 0 ? "" : `${signed(Math.min(...sets))}..${signed(Math.max(...sets))}%`,
        name === "both" ? `<= ${TARGET_PERCENT}%: ${target}` : "",
      ]);
    }
  }
  console.log(`\n## Observability overhead summary (Worker CPU per unit; overhead = median over ${CONFIG.sets} sets of the set's mode / off - 1)\n`);
  console.log(markdownTable(["work", "mode", "Worker CPU ms per unit (all sets)", "overhead (median)", "spread (min..max)", "target"], rows));
  console.log("");
  console.log(
    markdownTable(
      ["check", "value", "expected"],
      [
        ["errors per mode", names.map((name) => `${name} ${errors.get(name) ?? 0}`).join(", "), "0"],
        ["OTLP exports received during the sets", `${fmtInt(sink.requests - sinkAtStart.requests)} requests, ${fmtInt((sink.bytes - sinkAtStart.bytes) / 1024)} KiB`, sides.some((s) => s.mode.sampleRate !== null && s.mode.sampleRate > 0) ? "> 0" : "0"],
        ["other processes' CPU (cores busy, avg)", tally.otherCores(), "~0 (else noisy)"],
        ["measurements disturbed by a reload", names.map((name) => `${name} ${tally.reloads(name)}`).join(", "), "0"],
      ],
    ),
  );
};

const signed = (value: number): string => `${value >= 0 ? "+" : ""}${fmt(value, 1)}`;
