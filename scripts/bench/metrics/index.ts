// Metrics overhead benchmark (`npm run bench -- metrics`): two platform servers side by
// side, one with metrics on (JIDO_METRICS=on, the default flush interval) and one with
// them off, measured in alternating rounds (A B, B A, ...) on the same work: warm
// `counter` increments, then published events (single-event POST /v1/events). Reports
// the Worker's CPU (the workerd running the Worker and its objects) per action and per
// published event on each, and the overhead of metrics on (target <= 5%).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
// The agents and events benchmarks also take BENCH_METRICS=off (lib/platform-auth.ts)
// to run their platform side with metrics off.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cpuTally, cpuTotals, type CpuTotals, msPer } from "../lib/cpu-tally.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { QUICK } from "../lib/env.ts";
import { type BenchServer, cpuMark, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { closedLoop, fmt, markdownTable, type Outcome } from "../lib/stats.ts";

const CONFIG = QUICK ? { agents: 50, concurrency: 16, rounds: 2, roundMs: 2_000, warmupMs: 1_500 } : { agents: 100, concurrency: 16, rounds: 4, roundMs: 3_000, warmupMs: 3_000 };
type Mode = "on" | "off";
type Side = { mode: Mode; server: BenchServer; client: Client };
type Work = "action" | "event";

const outcome = (status: number, ms: number, body: string): Outcome => (status >= 200 && status < 300 ? { ok: true, ms } : { ok: false, ms, error: `${status} ${body.slice(0, 200)}` });

export const runMetricsBench = async (): Promise<void> => {
  const sides: Side[] = [];
  await runSession({ state: "/dev/shm/jido-bench-metrics-", logs: "/tmp/jido-bench-metrics-logs-" }, () => sides.forEach((s) => s.client.close()), async (dirs) => {
    console.log(`# Metrics overhead: metrics on vs off${QUICK ? " (BENCH_QUICK=1)" : ""}\nserver logs: ${dirs.logDir}`);
    for (const mode of ["on", "off"] as const) {
      const persistTo = join(dirs.stateDir, mode);
      mkdirSync(persistTo);
      const server = await startBenchServer({ name: `metrics-${mode}`, persistTo, logFile: join(dirs.logDir, `${mode}.log`), vars: { ...platformServerVars(), JIDO_METRICS: mode } });
      const token = await platformToken(server);
      sides.push({ mode, server, client: createClient({ name: mode, host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 }) });
    }
    const ids = Array.from({ length: CONFIG.agents }, (_, i) => `m-${i}`);
    const op = (side: Side, work: Work) => async (i: number): Promise<Outcome> => {
      const reply = work === "action"
        ? await side.client.post(`/v1/agents/${ids[i % ids.length]}/actions/increment`, { by: 1 })
        : await side.client.post("/v1/events", { source: "bench", type: `bench.e${i % 8}`, data: { i } });
      return outcome(reply.status, reply.ms, reply.body);
    };
    for (const side of sides) {
      for (const id of ids) {
        const reply = await side.client.post("/v1/agents", { type: "counter", id });
        if (reply.status !== 201) throw new Error(`${side.mode}: spawn failed: ${describe(reply)}`);
      }
      for (const work of ["action", "event"] as const) await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.warmupMs, op: op(side, work) });
    }
    const tally = cpuTally();
    const totals: Record<Work, Record<Mode, CpuTotals>> = { action: { on: cpuTotals(), off: cpuTotals() }, event: { on: cpuTotals(), off: cpuTotals() } };
    const errors: Record<Mode, number> = { on: 0, off: 0 };
    for (const work of ["action", "event"] as const) {
      for (let round = 0; round < CONFIG.rounds * 2; round++) {
        const order = Math.floor(round / 2) % 2 === 0 ? sides : [...sides].reverse();
        const side = order[round % 2]!;
        const mark = cpuMark(side.server);
        const result = await closedLoop({ concurrency: CONFIG.concurrency, maxCount: 1e6, maxMs: CONFIG.roundMs, op: op(side, work) });
        errors[side.mode] += result.errors;
        const cpu = tally.end(side.mode, side.server, mark, totals[work][side.mode], result.ok);
        console.log(`  ${work} round ${round + 1} metrics ${side.mode.padEnd(3)} ${result.ok} ok, ${result.errors} errors; ${cpu.text}`);
      }
    }
    const per = (work: Work, mode: Mode) => msPer(totals[work][mode].worker, totals[work][mode].count);
    const overhead = (work: Work) => (per(work, "on") / per(work, "off") - 1) * 100;
    const rows = (["action", "event"] as const).map((work) => [
      `Worker CPU per ${work === "action" ? "action" : "published event"} (ms)`,
      fmt(per(work, "on"), 3),
      fmt(per(work, "off"), 3),
      `${fmt(overhead(work), 1)}%`,
      `<= 5%: ${overhead(work) <= 5 ? "met" : "NOT met"}`,
    ]);
    rows.push(["errors", String(errors.on), String(errors.off), "", "0"]);
    rows.push(["other processes' CPU (cores busy, avg)", tally.otherCores(), "", "", "~0 (else noisy)"]);
    rows.push(["measurements disturbed by a reload", String(tally.reloads("on")), String(tally.reloads("off")), "", "0"]);
    console.log(`\n## Metrics overhead summary\n`);
    console.log(markdownTable(["figure", "metrics on", "metrics off", "overhead", "target"], rows));
  });
};
