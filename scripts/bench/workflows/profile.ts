// Where a discovered order run's Worker CPU goes: the workflow benchmark's phase-0
// 'discovered' load (order_processing@1.0.0 over seeded agents, starts back to back at
// concurrency 16, each run then read until final) in three windows on one `wrangler dev`:
//   1. unprofiled: the workerd process's CPU per run, as the benchmark counts it;
//   2. a CPU profile of the Worker's isolate (its inspector): self samples by bundled
//      source module and by function, and inclusive samples by function;
// With PROFILE_COUNTS=1 instead of 2.: call counts per run, from a counting copy of the tree
// (count-snapshot.sh: SQL statements by text, transactions, alarm writes, RPCs by
// operation), what the profile shows badly (SQLite and RPC work is mostly native).
// PROFILE_CPU_ONLY=1 stops after 1. (to compare trees: BENCH_PLATFORM_CONFIG on snapshots);
// PROFILE_RATE=n starts n runs/s on a schedule instead of back to back (see `paced`).
// Not in `npm run bench`: run it by hand, under the shared lock,
//   flock /work/wt/bench.lock npx tsx scripts/bench/workflows/profile.ts [seconds per window (6)] [concurrency (16)]
// BENCH_PLATFORM_CONFIG points at another tree's wrangler.toml (e.g. a snapshot of a
// commit), as in the benchmark. The profile and the bundle stay in /tmp (path printed).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLATFORM_CONFIG } from "../lib/env.ts";
import { type Client, createClient } from "../lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { type BenchServer, cpuMark, cpuSince, installSignalCleanup, startBenchServer } from "../lib/servers.ts";
import { closedLoop, fmt, sleep } from "../lib/stats.ts";
import { type CpuProfile, inspect, moduleIndex, newestBundle, samplesByFunction, samplesByModule } from "../metrics/profile.ts";
import { FINAL, SEEDS } from "./config.ts";
import { readUntilFinal } from "./modes.ts";
import { type Started, startRun } from "./runs.ts";
import { seedOrderAgents } from "./seed.ts";

/** Starts discovered runs back to back for `seconds`, then reads each until final: the runs started and how many ended final. */
const load = async (client: Client, tag: string, seconds: number, concurrency: number): Promise<{ runs: number; final: number; errors: number }> => {
  const started: Started[] = [];
  if (RATE > 0) return paced(client, tag, seconds, started);
  const starts = await closedLoop({
    concurrency,
    maxCount: 1e6,
    maxMs: seconds * 1000,
    keepErrors: 3,
    op: async () => {
      const run = await startRun(client, tag, undefined, "discovered");
      if ("error" in run) return { ok: false, ms: 0, error: run.error };
      started.push(run);
      return { ok: true, ms: run.startMs };
    },
  });
  for (const error of starts.firstErrors) console.log(`  start error: ${error}`);
  const views = await readUntilFinal(client, started, 120_000);
  const final = [...views.values()].filter((view) => FINAL.has(view.status)).length;
  return { runs: started.length, final, errors: starts.errors };
};

/**
 * PROFILE_RATE=n: starts n runs per second (on a schedule, whatever the replies take; at
 * most 64 under way) instead of back to back. CPU per run then compares trees under
 * other load: the work that goes with time, not runs (timers, metrics shipping, alarms),
 * is spread over the same number of runs in each, where a closed loop slowed down by the
 * machine's other load starts fewer runs and shows more CPU per run for it.
 */
const RATE = Number(process.env.PROFILE_RATE ?? 0);

const paced = async (client: Client, tag: string, seconds: number, started: Started[]): Promise<{ runs: number; final: number; errors: number }> => {
  const t0 = performance.now();
  const total = Math.round(RATE * seconds);
  const under = new Set<Promise<void>>();
  let errors = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    if (due > performance.now()) await sleep(due - performance.now());
    while (under.size >= 64) await Promise.race(under);
    const one: Promise<void> = startRun(client, tag, undefined, "discovered").then((run) => {
      if ("error" in run) errors++;
      else started.push(run);
      under.delete(one);
    });
    under.add(one);
  }
  await Promise.all(under);
  const late = (performance.now() - t0) / 1000 - seconds;
  if (late > 0.5) console.log(`  (paced starts ran ${fmt(late, 1)} s late: the server did not keep up with ${RATE}/s)`);
  const views = await readUntilFinal(client, started, 120_000);
  return { runs: started.length, final: [...views.values()].filter((view) => FINAL.has(view.status)).length, errors };
};

const printProfile = (profile: CpuProfile, bundle: string, runs: number): void => {
  const { busy, modules, withNatives } = samplesByModule(profile, bundle);
  const moduleOf = moduleIndex(bundle);
  const share = (n: number) => `${((n / busy) * 100).toFixed(2)}%`.padStart(7);
  const { self, inclusive } = samplesByFunction(
    profile,
    (frame) => (frame.url.endsWith("index.js") ? `${frame.functionName || "(anonymous)"}  ${moduleOf(frame.lineNumber + 1)}:${frame.lineNumber + 1}` : `${frame.functionName || "(native)"} [native]`),
    (key) => key.startsWith("(root)"),
  );
  const top = (counts: Map<string, number>, n: number) => [...counts].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\n## CPU profile: ${busy} busy samples over ${runs} runs`);
  console.log("\n### Self, by module (with natives under their calling module)");
  for (const [module, n] of top(modules, 30)) console.log(`${share(n)} ${share(withNatives.get(module) ?? 0)}  ${module}`);
  console.log("\n### Self, by function");
  for (const [fn, n] of top(self, 40)) console.log(`${share(n)}  ${fn}`);
  console.log("\n### Inclusive, by function (project code)");
  for (const [fn, n] of top(new Map([...inclusive].filter(([k]) => /(src|objects)\//.test(k))), 50)) console.log(`${share(n)}  ${fn}`);
};

/** The counting copy's tallies between two reads of /__counts, per run, most frequent first. */
const printCounts = (before: Record<string, number>, after: Record<string, number>, runs: number): void => {
  const diff = Object.entries(after).map(([key, n]) => [key, n - (before[key] ?? 0)] as const).filter(([, n]) => n > 0);
  const total = (pick: (key: string) => boolean) => diff.filter(([key]) => pick(key)).reduce((sum, [, n]) => sum + n, 0) / runs;
  console.log(`\n## Calls per run (counting copy, ${runs} runs): SQL statements ${fmt(total((k) => k.includes(" sql ")), 1)}, transactions ${fmt(total((k) => k.endsWith(" transactionSync") || k.endsWith(" transaction")), 1)}, alarm writes ${fmt(total((k) => k.endsWith(" setAlarm")), 1)}, RPCs ${fmt(total((k) => k.startsWith("rpc ")), 1)}`);
  for (const [key, n] of diff.sort((x, y) => y[1] - x[1]).slice(0, 80)) console.log(`${fmt(n / runs, 2).padStart(8)}  ${key}`);
};

const IDLE_SECONDS = 5;

const cpuWindow = async (server: BenchServer, client: Client, tag: string, seconds: number, concurrency: number): Promise<void> => {
  const mark = cpuMark(server);
  const result = await load(client, tag, seconds, concurrency);
  const untilFinal = cpuSince(server, mark);
  await sleep(2_000);
  const settled = cpuSince(server, mark);
  const per = (s: number) => fmt((s / result.runs) * 1000, 2);
  console.log(
    `# unprofiled: ${result.runs} runs (${fmt(result.runs / seconds, 1)} starts/s), ${result.final} final, ${result.errors} start errors; ` +
      `Worker CPU per run ${per(untilFinal.workerSeconds)} ms until all final, ${per(settled.workerSeconds)} ms with 2 s settling${untilFinal.reloaded ? " (RELOADED)" : ""}; other load ${fmt(untilFinal.otherSeconds, 1)} s`,
  );
  // What the runs leave behind: the Worker's CPU with no requests at all (timers, alarms, metrics shipping of the objects still alive).
  const idleMark = cpuMark(server);
  await sleep(IDLE_SECONDS * 1000);
  const idle = cpuSince(server, idleMark);
  console.log(`# idle afterwards: ${fmt((idle.workerSeconds / IDLE_SECONDS) * 100, 1)}% of a core over ${IDLE_SECONDS} s with no requests`);
};

const main = async (): Promise<void> => {
  const seconds = Number(process.argv[2] ?? 6);
  const concurrency = Number(process.argv[3] ?? 16);
  installSignalCleanup();
  const counting = process.env.PROFILE_COUNTS === "1";
  const out = mkdtempSync("/tmp/jido-wf-profile-");
  const state = mkdtempSync("/dev/shm/jido-wf-profile-");
  const config = counting ? execFileSync(fileURLToPath(new URL("./count-snapshot.sh", import.meta.url)), [join(out, "tree")], { encoding: "utf8" }).trim() : PLATFORM_CONFIG;
  const server = await startBenchServer({ name: "profile-workflows", persistTo: state, logFile: join(out, "server.log"), vars: platformServerVars(), ...(config ? { config } : {}) });
  try {
    const token = await platformToken(server);
    const client = createClient({ name: "platform", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 });
    const tag = Date.now().toString(36);
    const seeded = await seedOrderAgents(client, SEEDS, tag);
    console.log(`seeded ${seeded.length} agents; profile, bundle and server log in ${out}`);
    await load(client, `${tag}-warm`, 3, concurrency);
    await sleep(3_000);
    await cpuWindow(server, client, `${tag}-cpu`, seconds, concurrency);
    if (process.env.PROFILE_CPU_ONLY === "1") return client.close();
    if (counting) {
      const read = async () => JSON.parse((await client.get("/__counts")).body) as Record<string, number>;
      const before = await read();
      const counted = await load(client, `${tag}-count`, seconds, concurrency);
      await sleep(2_000);
      printCounts(before, await read(), counted.runs);
      client.close();
      return;
    }

    const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
    const session = await inspect(args[args.indexOf("--inspector-port") + 1]!);
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 200 });
    await session.send("Profiler.start");
    const profiled = await load(client, `${tag}-prof`, seconds, concurrency);
    await sleep(1_000);
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");

    const bundleFile = join(out, "bundle.js");
    copyFileSync(newestBundle(PLATFORM_CONFIG ? dirname(PLATFORM_CONFIG) : process.cwd()), bundleFile);
    writeFileSync(join(out, "workflows.cpuprofile"), JSON.stringify(profile));
    const bundle = readFileSync(bundleFile, "utf8");
    printProfile(profile, bundle, profiled.runs);

    session.close();
    client.close();
  } finally {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
