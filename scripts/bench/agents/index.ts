// Agent benchmark: the platform's `counter` agent against a bare Durable Object doing
// the same storage work (fixtures/bare). Both run under `wrangler dev` at the same time
// and are measured alternately (rounds A, B, B, A, A, B, ...; spawn chunks likewise;
// cold calls interleaved) so that both see the same machine conditions. Figures: warm
// action throughput and latency (warm.ts), cold first-call latency (cold.ts), the time
// to spawn many agents with the count of client-visible errors (spawn.ts), and where the
// CPU went (the Worker's workerd, wrangler's dev proxy, the bench client, other processes).
// This file runs them in turn and prints the summary.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1     smaller counts and shorter rounds, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN        bearer token for the platform; JIDO_JWT_SECRET: the secret the platform
//                   server verifies with (both: see lib/platform-auth.ts, where minting goes)
// BENCH_PLATFORM_CONFIG  wrangler config of the platform (default: the root wrangler.toml)
// BENCH_AGENT_FLAGS=1  also the flag evaluation cost per call inside an action (flags.ts);
//                   =only: that figure alone, without servers
import { describe } from "../lib/http.ts";
import { QUICK } from "../lib/env.ts";
import { ratioText as x, verdict } from "../lib/report.ts";
import { printServerLogs } from "../lib/server-log.ts";
import { stopAllServers } from "../lib/servers.ts";
import type { SessionDirs } from "../lib/session.ts";
import { type SideName, withSides } from "../lib/sides.ts";
import { fmt, fmtInt, markdownTable, ratio } from "../lib/stats.ts";
import { type ColdFigures, coldBench } from "./cold.ts";
import { CONFIG } from "./config.ts";
import { tally } from "./measure.ts";
import { makeSide, valueOf } from "./side.ts";
import { type SpawnFigures, spawnBench } from "./spawn.ts";
import { type WarmFigures, warmBench } from "./warm.ts";
import { AGENT_FLAGS, printFlagBench } from "./flags.ts";

export type AgentBenchResult = {
  warm: Record<SideName, WarmFigures>;
  cold: Record<SideName, ColdFigures>;
  spawn: Record<SideName, SpawnFigures>;
};

export const runAgentBench = async (): Promise<AgentBenchResult | null> => {
  if (AGENT_FLAGS === "only") {
    printFlagBench();
    return null;
  }
  if (AGENT_FLAGS) printFlagBench();
  const runId = Date.now().toString(36);
  const prefixes = { state: "/dev/shm/jido-bench-", logs: "/tmp/jido-bench-logs-" };
  const intro = ({ stateDir, logDir }: SessionDirs) => [
    `# Agent benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`,
    `state: ${stateDir} (tmpfs); server logs: ${logDir}`,
  ];
  return withSides(prefixes, intro, makeSide, async (sides) => {
    // Smoke: both sides answer the calls the figures are made of.
    const warmId = `warm-${runId}`;
    for (const side of sides) {
      const spawned = await side.spawn(warmId);
      const called = await side.increment(warmId, 1);
      if (spawned.status !== 201 || valueOf(called) !== 1) {
        throw new Error(`${side.name} smoke failed: spawn ${describe(spawned)}; increment ${describe(called)}`);
      }
    }

    const warm = await warmBench(sides, runId);
    const cold = await coldBench(sides, runId, warmId);
    const spawn = await spawnBench(sides, runId);
    const rows = summaryRows(warm, cold, spawn);

    await stopAllServers();
    const logs = printServerLogs(sides);
    if (logs.some(([, scan]) => scan.nomem > 0)) {
      console.log(
        "  SQLITE_NOMEM: likely workerd's process-wide SQLite heap cap (sqlite3_hard_heap_limit64, 512 MiB by default):\n" +
          "  every live SQLite-backed object holds a connection, and with thousands alive at once (spawned faster than idle\n" +
          "  objects are evicted) SQLite allocations fail. If the bare side shows it too, it is a limit of the local runtime.",
      );
    }
    rows.push(["other processes' CPU during measurements (cores busy, avg)", tally.otherCores(), "", "", "~0 (else figures are noisy)"]);
    rows.push(["measurements disturbed by a wrangler reload", String(tally.reloads("platform")), String(tally.reloads("bare")), "", "0 (else rerun)"]);
    const nomem = (name: SideName) => String(logs.find(([side]) => side === name)?.[1].nomem ?? "n/a");
    rows.push(["server log SQLITE_NOMEM lines", nomem("platform"), nomem("bare"), "", "0"]);

    console.log(`\n## Agent benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "platform", "bare", "ratio", "target"], rows));
    console.log("\nratio = platform / bare. Targets are judged on the platform's figures; the exit code does not depend on them.");
    return { warm, cold, spawn };
  });
};

/** The summary table's rows of the three measurements: platform, bare, ratio, target. */
const summaryRows = (warm: Record<SideName, WarmFigures>, cold: Record<SideName, ColdFigures>, spawn: Record<SideName, SpawnFigures>): string[][] => {
  const p = { warm: warm.platform, cold: cold.platform, spawn: spawn.platform };
  const b = { warm: warm.bare, cold: cold.bare, spawn: spawn.bare };
  const { count } = CONFIG.spawn;
  return [
    ["warm throughput (req/s, c=16, 100 agents)", fmtInt(p.warm.throughput), fmtInt(b.warm.throughput), x(p.warm.throughput, b.warm.throughput),
      `>= 0.9x bare: ${verdict(ratio(p.warm.throughput, b.warm.throughput) >= 0.9)}`],
    ["warm p50 latency (ms)", fmt(p.warm.p50), fmt(b.warm.p50), x(p.warm.p50, b.warm.p50), ""],
    ["warm p99 latency (ms)", fmt(p.warm.p99), fmt(b.warm.p99), x(p.warm.p99, b.warm.p99), `< 100 ms: ${verdict(p.warm.p99 < 100)}`],
    ["warm: Worker CPU per action (ms; the workerd running Worker + DOs)", fmt(p.warm.workerCpuMs, 2), fmt(b.warm.workerCpuMs, 2), x(p.warm.workerCpuMs, b.warm.workerCpuMs), ""],
    ["warm: wrangler dev-proxy CPU per action (ms; not in production)", fmt(p.warm.proxyCpuMs, 2), fmt(b.warm.proxyCpuMs, 2), x(p.warm.proxyCpuMs, b.warm.proxyCpuMs), ""],
    ["warm errors / lost increments", `${p.warm.errors} / ${p.warm.lost}`, `${b.warm.errors} / ${b.warm.lost}`, "", "0"],
    [`cold first call p50 (ms, sequential, ${CONFIG.cold.agents} agents)`, fmt(p.cold.p50), fmt(b.cold.p50), x(p.cold.p50, b.cold.p50),
      `<= 1.5x bare: ${verdict(ratio(p.cold.p50, b.cold.p50) <= 1.5)}`],
    ["cold first call p99 (ms)", fmt(p.cold.p99), fmt(b.cold.p99), x(p.cold.p99, b.cold.p99), ""],
    [`spawn ${fmtInt(count)}: time (s, c=${CONFIG.spawn.concurrency})`, fmt(p.spawn.seconds, 2), fmt(b.spawn.seconds, 2), x(p.spawn.seconds, b.spawn.seconds), ""],
    ["spawn rate (agents/s)", fmtInt(p.spawn.rate), fmtInt(b.spawn.rate), x(p.spawn.rate, b.spawn.rate), ""],
    ["spawn p50 / p99 latency (ms)", `${fmt(p.spawn.p50)} / ${fmt(p.spawn.p99)}`, `${fmt(b.spawn.p50)} / ${fmt(b.spawn.p99)}`, x(p.spawn.p99, b.spawn.p99) + " (p99)", ""],
    ["spawn: Worker CPU per spawn (ms)", fmt(p.spawn.workerCpuMs, 2), fmt(b.spawn.workerCpuMs, 2), x(p.spawn.workerCpuMs, b.spawn.workerCpuMs), ""],
    [`spawn ${fmtInt(count)}: client errors`, `${p.spawn.errors}${p.spawn.complete ? "" : " (incomplete)"}`, `${b.spawn.errors}${b.spawn.complete ? "" : " (incomplete)"}`, "",
      `0 errors, all ${fmtInt(count)}: ${verdict(p.spawn.errors === 0 && p.spawn.count === count)}`],
  ];
};
