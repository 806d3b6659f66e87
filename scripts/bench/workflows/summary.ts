// The workflow benchmark's summary table: value and target for every figure of the
// phases, of the run index and the stream at the end, and what disturbed them; phase 0's
// rows also the bare order run's figure (fixtures/bare) in the "bare" column.
import { verdict } from "../lib/report.ts";
import type { LogScan } from "../lib/server-log.ts";
import { fmt, fmtInt } from "../lib/stats.ts";
import { CONFIG, FINAL, START_ATTEMPTS, STEPS } from "./config.ts";
import type { ModeFigures } from "./modes.ts";
import type { WorkflowBenchResult } from "./result.ts";
import { badCount, fiveXx, type StatusCounts, tally } from "./phase.ts";
import { runCounts } from "./runs.ts";

/** What the benchmark read after the phases: the `workflow` stream's length, the runs index, the client's re-sent GETs, the servers' logs. */
export type Aftermath = { streamLength: number; indexTotal: number; indexNotFinal: number; getRetries: number; log: LogScan; bareLog: LogScan };

/** Discovered vs spawn-per-run vs bare at each concurrency: header and rows (modes.ts). */
export const modesTable = (modes: readonly ModeFigures[]): [string[], string[][]] => [
  ["mode", "c", "starts/s", "completed/s", "final / started (index: final, missing)", "start -> final p50 / p99 (ms)", "Worker CPU per run (ms)", "start errors / 5xx+429+net", "effects once"],
  modes.map((m) => {
    const indexFinal = m.indexByStatus && Object.entries(m.indexByStatus).filter(([status]) => FINAL.has(status)).reduce((n, [, c]) => n + c, 0);
    const index = indexFinal === null ? "index not read" : `${fmtInt(indexFinal)}, ${m.indexMissing}`;
    return [
      m.mode,
      String(m.concurrency),
      fmt(m.startsPerSecond, 1),
      fmt(m.completedPerSecond, 1),
      `${fmtInt(m.started - m.notFinal)} / ${fmtInt(m.started)} (${index}); ${JSON.stringify(m.byStatus)}`,
      `${fmt(m.latencyP50)} / ${fmt(m.latencyP99)}`,
      fmt(m.workerCpuMsPerRun, 1),
      `${m.startErrors} / ${badCount(m.statuses)}`,
      m.effects === null ? "yes" : m.effects,
    ];
  }),
];

/** The best and worst of a side's phase-0 figures (c=16/64). */
const sideFigures = (modes: readonly ModeFigures[], side: ModeFigures["mode"]) => {
  const of = modes.filter((m) => m.mode === side);
  return {
    starts: Math.max(...of.map((m) => m.startsPerSecond)),
    completed: Math.max(...of.map((m) => m.completedPerSecond)),
    allFinal: of.every((m) => m.notFinal === 0 && m.indexMissing === 0),
    startErrors: of.reduce((n, m) => n + m.startErrors, 0),
    cpu: Math.max(...of.map((m) => m.workerCpuMsPerRun)),
  };
};

/** The issue's targets on the discovered runs: >= 200 starts/s with every run final, CPU per run <= half of 22 ms; the bare run's figures beside them. */
const modeTargets = (modes: readonly ModeFigures[]): string[][] => {
  const d = sideFigures(modes, "discovered");
  const b = sideFigures(modes, "bare");
  const final = (f: typeof d) => (f.allFinal ? "all final" : "NOT all final");
  return [
    ["0. discovered runs: best starts/s (c=16/64), every started run final", `${fmt(d.starts, 1)}; ${final(d)}`, `${fmt(b.starts, 1)}; ${final(b)}`, `>= 200, all final: ${verdict(d.starts >= 200 && d.allFinal)}`],
    ["0. discovered runs: best completed/s (c=16/64)", fmt(d.completed, 1), fmt(b.completed, 1), ""],
    ["0. discovered runs: starts refused (client-visible errors, not retried)", String(d.startErrors), String(b.startErrors), `0: ${verdict(d.startErrors === 0)}`],
    ["0. discovered runs: Worker CPU per run, worst of c=16/64 (ms)", fmt(d.cpu, 1), fmt(b.cpu, 1), `<= 11 ms: ${verdict(d.cpu <= 11)}`],
  ];
};

export const summaryRows = ({ modes, throughput, overhead, many }: WorkflowBenchResult, { streamLength, indexTotal, indexNotFinal, getRetries, log, bareLog }: Aftermath): string[][] => {
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
    ["transition events per run (to the `workflow.<k>` streams)", fmt(streamLength / runCounts.started, 1), ""],
    [`3. ${fmtInt(m.runs)} discovery-bound runs: time to start all (s, c=${CONFIG.many.concurrency})`, `${fmt(m.startSeconds, 2)} (${fmtInt(m.started)} started)`, ""],
    [`3. time to all final (s; runs index / last coordinator updatedAt)`, `${m.finalSeconds === null ? "NOT all final" : fmt(m.finalSeconds, 2)} / ${fmt(m.lastUpdatedSeconds, 2)}`, `< ${CONFIG.many.finalMaxMs / 1000}s`],
    ["3. final statuses", JSON.stringify(m.byStatus), `all completed: ${verdict(allCompleted && m.notFinal === 0)}`],
    ["3. starts whose first attempt failed (retried, same Idempotency-Key)", `${m.firstAttemptFailures}${m.firstAttemptKinds ? ` (${m.firstAttemptKinds})` : ""}; ${m.existed} had created the run`, `0: ${verdict(m.firstAttemptFailures === 0)}`],
    [`3. client-visible errors after <= ${START_ATTEMPTS} attempts (start / read) and runs not final`, `${m.startErrors} / ${m.readErrors}; ${m.notFinal} not final`, `0: ${verdict(m.startErrors + m.readErrors + m.notFinal === 0)}`],
    ["3. per-run start -> final p50 / p99 (ms)", `${fmt(m.latencyP50)} / ${fmt(m.latencyP99)}`, ""],
    ["3. Worker CPU per run (ms; start + index polls) / dev-proxy CPU per run (ms)", `${fmt(m.workerCpuMsPerRun, 1)} / ${fmt(m.proxyCpuMsPerRun, 1)}`, ""],
    ["3. exactly-once check (the seeded agents' totals: wrong / runs checked)", `${m.effectsWrong.length} / ${m.effectsChecked}`, "0"],
    ["5xx / (5xx + 429 + network errors) responses: phases 2, 1, 3", `${status(o.statuses)}; ${status(t.statuses)}; ${status(m.statuses)}`, "0"],
    ["runs index at the end: runs not final / runs whose start the client saw fail", `${indexNotFinal} / ${Math.max(0, indexTotal - runCounts.started)}`, "0 / 0"],
    ["GETs re-sent after a reused keep-alive socket failed (client-side)", String(getRetries), ""],
    ["other processes' CPU during measurements (cores busy, avg)", tally.otherCores(), "~0 (else figures are noisy)"],
  ];
  // Columns metric, value, bare, target: phase 0, the reloads and the server logs have a bare figure.
  return [
    ...modeTargets(modes),
    ...rows.map(([metric = "", value = "", target = ""]) => [metric, value, "", target]),
    ["measurements disturbed by a wrangler reload", String(tally.reloads("platform")), String(tally.reloads("bare")), "0 (else rerun)"],
    ["server log SQLITE_NOMEM / error-like lines", `${log.nomem} / ${log.errorLines}`, `${bareLog.nomem} / ${bareLog.errorLines}`, "0"],
  ];
};
