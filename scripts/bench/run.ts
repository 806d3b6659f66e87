// `npm run bench`: runs every benchmark in order and prints its figures. Benchmarks
// judge nothing by exit code; it is non-zero only when a benchmark crashed.
// Add a benchmark by appending it to BENCHES. Each lives in a folder of its own
// (agents/, events/, workflows/, cache/, pools/, groups/, schedules/, discovery/, live/; entry point index.ts); what they share is in lib/.
//
// Run some only: `npm run bench -- events` (names as arguments) or BENCH_ONLY=events
// (comma-separated). BENCH_QUICK=1: every benchmark in its short smoke mode. Those in
// OPT_IN run only when named (`npm run bench -- spawn-burst`): they take minutes more.
import { runAgentBench } from "./agents/index.ts";
import { runEventBench } from "./events/index.ts";
import { installSignalCleanup, stopAllServers } from "./lib/servers.ts";

const BENCHES: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
  ["agents", runAgentBench],
  ["events", runEventBench],
  ["workflows", async () => (await import("./workflows/index.ts")).runWorkflowBench()],
  ["cache", async () => (await import("./cache/index.ts")).runCacheBench()],
  ["pools", async () => (await import("./pools/index.ts")).runPoolBench()],
  ["groups", async () => (await import("./groups/index.ts")).runGroupBench()],
  ["schedules", async () => (await import("./schedules/index.ts")).runScheduleBench()],
  ["spawn-burst", async () => (await import("./agents/burst.ts")).runSpawnBurstBench()],
  ["metrics", async () => (await import("./metrics/index.ts")).runMetricsBench()],
  ["discovery", async () => (await import("./discovery/index.ts")).runDiscoveryBench()],
  ["live", async () => (await import("./live/index.ts")).runLiveBench()],
];

/** Run only when named: a continuous 10,000-spawn burst per side (agents/burst.ts); discovery over 10,000 spawned agents (discovery/). */
const OPT_IN = new Set(["spawn-burst", "discovery"]);

/** The benchmarks asked for (arguments, else BENCH_ONLY), in BENCHES order; all when none is named. */
const selected = (): typeof BENCHES => {
  const names = [...process.argv.slice(2), ...(process.argv.length > 2 ? [] : (process.env.BENCH_ONLY ?? "").split(","))]
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) return BENCHES.filter(([name]) => !OPT_IN.has(name));
  const unknown = names.filter((name) => !BENCHES.some(([known]) => known === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHES.map(([known]) => known).join(", ")}`);
  return BENCHES.filter(([name]) => names.includes(name));
};

const main = async (): Promise<number> => {
  installSignalCleanup();
  let crashed = 0;
  for (const [name, bench] of selected()) {
    const started = performance.now();
    try {
      await bench();
      console.log(`\nbench '${name}' finished in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    } catch (error) {
      crashed++;
      console.error(`\nbench '${name}' crashed after ${((performance.now() - started) / 1000).toFixed(1)}s:`, error);
    } finally {
      await stopAllServers();
    }
  }
  return crashed === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("bench: crashed:", error);
    process.exit(1);
  },
);
